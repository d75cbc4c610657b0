"""The library: a profile's plan, served from the cache or STS, as Exports; the
freshness rule; what `list`, `explain` and `setup` compute."""
