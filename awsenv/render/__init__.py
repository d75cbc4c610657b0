"""Shell code from shells/*.j2: the renderer, jinja2's compiled templates and their runtime."""
