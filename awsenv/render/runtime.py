"""Run the shell templates as jinja2 compiled them, without importing jinja2.

jinja2 costs several interpreter starts to import, and every first call of
the day renders an export. `scripts/compile_templates.py` runs jinja2's own
compiler over shells/*.j2 (still the one source of every shell's code) and
writes the Python it generates to awsenv/render/compiled.py, with a checksum
of the sources. This module provides the few runtime names that code uses,
for exactly the features the templates use (macros, loops with `loop.last`,
`import ... as`, the `code` filter, StrictUndefined, `finalize`). A template
that needs more, or sources that no longer match the checksum, make `load`
return None, and render.py takes jinja2 itself. tests/test_compiled_templates.py
proves both render the same text over the whole option matrix.
"""

from __future__ import annotations

import os

# Annotations only: mypy sees them, the interpreter never imports them.
TYPE_CHECKING = False
if TYPE_CHECKING:
    from collections.abc import Callable, Iterable, Iterator, Mapping
    from typing import Any


class TemplateRuntimeError(Exception):
    pass


class UndefinedError(TemplateRuntimeError):
    pass


class _Missing:
    def __repr__(self) -> str:
        return "missing"


missing: Any = _Missing()


class Undefined:
    """jinja2's StrictUndefined: any use of it is an error."""

    def __init__(self, hint: str | None = None, obj: object = None, name: str | None = None,
                 exc: type[Exception] = UndefinedError) -> None:  # fmt: skip
        self._hint = hint or f"{name!r} is undefined"

    def _fail(self, *args: object, **kwargs: object) -> Any:
        raise UndefinedError(self._hint)

    __str__ = __iter__ = __bool__ = __len__ = __call__ = __getattr__ = _fail


def identity(value: Any) -> Any:
    return value


internalcode = identity


def str_join(seq: Iterable[object]) -> str:
    return "".join(map(str, seq))


markup_join = str_join
escape = Markup = Namespace = TemplateReference = TemplateNotFound = None


class LoopContext:
    """`loop` for `{% for %}`: only what a template may ask of it here."""

    def __init__(self, iterable: Iterable[Any], undefined: object, recurse: object = None,
                 depth0: int = 0) -> None:  # fmt: skip
        self._items = list(iterable)
        self.index0 = -1

    def __iter__(self) -> Iterator[tuple[Any, LoopContext]]:
        for index, item in enumerate(self._items):
            self.index0 = index
            yield item, self

    @property
    def length(self) -> int:
        return len(self._items)

    @property
    def index(self) -> int:
        return self.index0 + 1

    @property
    def first(self) -> bool:
        return self.index0 == 0

    @property
    def last(self) -> bool:
        return self.index0 == len(self._items) - 1


class Macro:
    def __init__(self, environment: Environment, func: Callable[..., str], name: str,
                 arguments: tuple[str, ...], catch_kwargs: bool, catch_varargs: bool,
                 caller: bool, default_autoescape: bool | None = None) -> None:  # fmt: skip
        if catch_kwargs or catch_varargs or caller:
            raise TemplateRuntimeError(f"macro {name}: only plain arguments are supported")
        self._func = func
        self.name = name
        self.arguments = arguments

    def __call__(self, *args: Any, **kwargs: Any) -> str:
        if len(args) > len(self.arguments):
            raise TypeError(f"macro {self.name!r} takes {len(self.arguments)} arguments")
        values = list(args) + [missing] * (len(self.arguments) - len(args))
        for key, value in kwargs.items():
            if key not in self.arguments:
                raise TypeError(f"macro {self.name!r} has no argument {key!r}")
            values[self.arguments.index(key)] = value
        return self._func(*values)


class _EvalContext:
    autoescape = False


class Context:
    def __init__(self, environment: Environment) -> None:
        self.environment = environment
        # jinja2 resolves a name the template does not assign in its globals.
        self.vars: dict[str, Any] = dict(environment.globals)
        self.exported_vars: set[str] = set()
        self.eval_ctx = _EvalContext()

    def resolve_or_missing(self, key: str) -> Any:
        return self.vars.get(key, missing)

    def call(self, func: Callable[..., Any], *args: Any, **kwargs: Any) -> Any:
        return func(*args, **kwargs)


class Module:
    """A rendered template's exported names (its macros), as attributes."""

    def __init__(self, exported: Mapping[str, Any]) -> None:
        self.__dict__.update(exported)


class Template:
    def __init__(self, environment: Environment, source: str, name: str) -> None:
        namespace: dict[str, Any] = {"environment": environment, **_RUNTIME}
        exec(compile(source, f"<compiled {name}>", "exec"), namespace)  # noqa: S102 - our own build
        self._root = namespace["root"]
        self._module: Module | None = None
        self.environment = environment

    def _get_default_module(self, context: Context | None = None) -> Module:
        if self._module is None:
            ctx = Context(self.environment)
            "".join(self._root(ctx))
            self._module = Module({k: ctx.vars[k] for k in ctx.exported_vars})
        return self._module

    @property
    def module(self) -> Module:
        return self._get_default_module()


class Environment:
    """What compiled code asks of jinja2's Environment, for one shell."""

    undefined = Undefined
    is_async = False

    def __init__(self, sources: Mapping[str, str], finalize: Callable[[Any], str],
                 filters: Mapping[str, Callable[[Any], Any]],
                 globals_: Mapping[str, Any] | None = None) -> None:  # fmt: skip
        self._sources = sources
        self.globals = dict(globals_ or {})
        self._templates: dict[str, Template] = {}
        self.finalize = finalize
        self.filters = {**_BUILTIN_FILTERS, **filters}

    @staticmethod
    def concat(parts: Iterable[str]) -> str:
        return "".join(parts)

    def get_template(self, name: str, parent: str | None = None) -> Template:
        if name not in self._templates:
            self._templates[name] = Template(self, self._sources[name], name)
        return self._templates[name]

    def getattr(self, obj: Any, attribute: str) -> Any:
        try:
            return getattr(obj, attribute)
        except AttributeError:
            pass
        try:
            return obj[attribute]
        except (TypeError, LookupError):
            return Undefined(name=attribute)

    def getitem(self, obj: Any, argument: Any) -> Any:
        try:
            return obj[argument]
        except (AttributeError, TypeError, LookupError):
            return Undefined(name=str(argument))


def _join(eval_ctx: object, value: Iterable[object], separator: str = "") -> str:
    """jinja2's `join` filter (an eval-context filter) for plain strings."""
    return separator.join(map(str, value))


# jinja2's built-in filters that the templates use.
_BUILTIN_FILTERS: dict[str, Callable[..., Any]] = {"join": _join}

# The names jinja2's generated code imports from jinja2.runtime.
_RUNTIME: dict[str, Any] = {
    "LoopContext": LoopContext,
    "Macro": Macro,
    "Markup": Markup,
    "Namespace": Namespace,
    "TemplateNotFound": TemplateNotFound,
    "TemplateReference": TemplateReference,
    "TemplateRuntimeError": TemplateRuntimeError,
    "Undefined": Undefined,
    "escape": escape,
    "identity": identity,
    "internalcode": internalcode,
    "markup_join": markup_join,
    "missing": missing,
    "str_join": str_join,
}
IMPORT_LINE = "from jinja2.runtime import " + ", ".join(_RUNTIME)


def sources_checksum(directory: str) -> int:
    """One checksum over every template's name and bytes."""
    import zlib

    crc = 0
    for name in sorted(os.listdir(directory)):
        if name.endswith(".j2"):
            with open(os.path.join(directory, name), "rb") as handle:
                crc = zlib.crc32(name.encode() + b"\0" + handle.read(), crc)
    return crc


def load(
    directory: str,
    template: str,
    finalize: Callable[[Any], str],
    filters: Mapping[str, Callable[[Any], Any]],
    globals_: Mapping[str, Any] | None = None,
) -> Template | None:
    """The compiled `template`, or None when there is none for these sources."""
    try:
        from awsenv.render import compiled as shells_compiled
    except ImportError:
        return None
    if sources_checksum(directory) != shells_compiled.CHECKSUM:
        return None  # a template was edited since: jinja2 renders it
    sources: dict[str, str] = {}
    for name, code in shells_compiled.CODE.items():
        head, _, body = code.partition("\n")
        if head != IMPORT_LINE:
            return None  # another jinja2 generated it, asking for other names
        sources[name] = body
    if template not in sources:
        return None
    return Environment(sources, finalize, filters, globals_).get_template(template)
