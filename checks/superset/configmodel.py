"""Superset's configuration as one model, built without executing anything.

``superset_config.py`` is parsed with :mod:`ast`: simple assignments of
literals, ``os.environ.get``/``os.getenv``/``os.environ[...]``/``env()``
lookups (resolved against the environment the deployment gives the process),
the config's own env-getter functions (``get_env_variable("X", default)``, the idiom of
Superset's docker config), ``"%s://%s" % (...)`` and f-strings of known parts, dict literals
and ``FEATURE_FLAGS``. Anything else is *unknown*, with the
reason, never guessed. Every value remembers where it came from.
"""

from __future__ import annotations

import ast
import dataclasses
import functools
import warnings
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field

from auditor.checks.common.images import UnknownEnv
from auditor.checks.superset import parse_cost
from auditor.checks.superset.defaults import (
    AUTH_TYPES,
    DEFAULT_SUPERSET_HOME,
    DEFAULTS,
    ENV_SETTINGS,
    FAB_CONSTANT_MODULES,
)
from auditor.checks.superset.importcheck import (
    LoadFailure,
    compile_failure,
    name_failure,
    syntax_doubt,
    syntax_failure,
)
from auditor.model import Facts

UNSEEN_BASE = "(methods of a base class defined outside the file)"
STOCK_BASES = frozenset({"object", "SupersetSecurityManager", "SecurityManager",
                         "BaseSecurityManager"})
"""Base classes whose methods are Superset's or Flask-AppBuilder's own, not a config's."""


class Unknown:
    """A value the analysis could not determine, with the reason."""

    __slots__ = ("reason",)

    def __init__(self, reason: str) -> None:
        self.reason = reason

    def __repr__(self) -> str:
        return f"Unknown({self.reason!r})"

    def __eq__(self, other: object) -> bool:
        return isinstance(other, Unknown) and other.reason == self.reason

    def __hash__(self) -> int:
        return hash(self.reason)


@dataclass(frozen=True)
class EnvValue:
    """An environment variable as the deployment sets it, with where."""

    value: str
    source: str
    """``run.sh:3``, ``.env:2``, ``process 1234``."""
    unknown: str | None = None
    """Why the value cannot be known although the variable is set (a Secret that is
    not among the audited objects); ``value`` is then empty."""

    def __post_init__(self) -> None:
        # An image's ENV that cannot be known (checks/common/images.py: a custom image may
        # be built FROM apache/superset and inherit SUPERSET_ENV=production) comes in as
        # the value: the variable may be set, to what is unknown.
        if isinstance(self.value, UnknownEnv) and self.unknown is None:
            object.__setattr__(self, "unknown", self.value.reason)
            object.__setattr__(self, "source", self.value.source)
            object.__setattr__(self, "value", "")

    @property
    def resolved(self) -> object:
        return Unknown(self.unknown) if self.unknown else self.value


@dataclass(frozen=True)
class Setting:
    name: str
    value: object
    """A Python literal, or :class:`Unknown`."""
    source: str
    """``superset_config.py:12``, ``env SUPERSET_SECRET_KEY (.env:3)``, ``Superset default``."""
    path: str | None = None
    line: int | None = None
    from_default: bool = False
    callee: str | None = None
    """For values computed by a call: the dotted name called (``StatsdStatsLogger``)."""
    env_var: str | None = None
    """The environment variable the value is read from, when the file reads one."""
    directory: str | None = None
    """For ``FileSystemCache("/dir", ...)`` (or ``cache_dir=``): the directory, if literal."""
    class_name: str | None = None
    """For a class the file defines, assigned by name (``CUSTOM_SECURITY_MANAGER =
    MySecurityManager``): its name; ``methods`` are then the methods it and its bases of the
    same file define, with :data:`UNSEEN_BASE` when a base comes from elsewhere."""
    methods: tuple[str, ...] = ()

    @property
    def known(self) -> bool:
        return not isinstance(self.value, Unknown)


@dataclass(frozen=True)
class Topology:
    """Superset's processes as a deployment runs them, counted by its style's collector."""

    web: int
    workers: int
    beats: int
    gunicorn_timeout: float | None = None
    """The web server's worker timeout in seconds, when it can be read."""
    evidence: tuple[str, ...] = ()
    shared_dirs: tuple[tuple[str, str], ...] = ()
    """(directory inside the containers, what backs it) for each directory every Superset
    container mounts from one store (a named volume, one host path): files written there by
    one process are read by all. Empty where the collector cannot tell."""

    def shared_by_all(self, directory: str) -> str | None:
        """What backs ``directory`` for every Superset process, if a shared mount holds it."""
        path = directory.rstrip("/") or "/"
        for mount, backing in self.shared_dirs:
            root = mount.rstrip("/") or "/"
            if path == root or path.startswith(root.rstrip("/") + "/"):
                return backing
        return None


GUNICORN_DEFAULT_TIMEOUT = 30.0


def gunicorn_timeout(option: str | None, kind: str) -> float | None:
    """gunicorn's --timeout (its default 30 s when unset); None for other servers."""
    if kind != "gunicorn":
        return None
    try:
        return float(option) if option else GUNICORN_DEFAULT_TIMEOUT
    except ValueError:
        return None


@dataclass(frozen=True)
class SupersetConfig:
    settings: Mapping[str, Setting] = field(default_factory=dict)
    config_path: str | None = None
    """The ``superset_config.py`` analysed (relative to the target), if any."""
    problems: tuple[str, ...] = ()
    behind_proxy: bool | None = None
    """Whether the deployment puts a reverse proxy in front (None: the style cannot tell)."""
    proxy_evidence: str = ""
    topology: Topology | None = None
    """Superset's web, worker and beat processes, when the style can count them."""
    urls: tuple[str, ...] = ()
    """Where the deployment serves Superset, best first (for ``--probe auto``)."""
    unseen: str | None = None
    """A superset_config.py the deployment mounts from a source that was not audited (a
    ConfigMap from a generator): any setting may be set there, so none is a known default."""
    unparsed: str | None = None
    """Why the deployment's superset_config.py was not analysed (too large, not valid
    Python) or sets nothing (it raises at import): it may set anything, so no setting is
    known, not even one the environment gives (the file runs after Superset reads its
    environment and may override it)."""
    load_failure: LoadFailure | None = None
    """Why importing the file certainly raises, so Superset does not start with it."""

    def get(self, name: str) -> Setting:
        if self.unparsed:
            return Setting(name, Unknown(self.unparsed), self.config_path or "superset_config.py")
        if name in self.settings:
            return self.settings[name]
        if self.unseen:
            return Setting(name, Unknown(f"superset_config.py comes from {self.unseen}, which "
                                         "is not among the audited objects"), self.unseen)
        default = DEFAULTS.get(name)
        if isinstance(default, str) and "{SUPERSET_HOME}" in default:
            default = default.replace("{SUPERSET_HOME}", str(self.get("SUPERSET_HOME").value))
        return Setting(name, default, "Superset default", from_default=True)

    def feature(self, name: str) -> bool | Unknown:
        flags = self.get("FEATURE_FLAGS").value
        if isinstance(flags, dict) and name in flags:
            value = flags[name]
            return value if isinstance(value, bool | Unknown) else bool(value)
        if isinstance(flags, Unknown):
            return flags
        return False


@dataclass(frozen=True)
class ConfigSet:
    """Several Superset configurations in one target (one per release in a cluster),
    each with the subject of the workload it belongs to."""

    items: tuple[tuple[str, SupersetConfig], ...]


def each_config(facts: Facts) -> Iterator[tuple[str, SupersetConfig]]:
    """``(scope, config)`` pairs: one per release, or one unscoped configuration."""
    many = facts.optional("superset.configs", ConfigSet)
    if many is not None and many.items:
        yield from many.items
        return
    yield "", facts.get("superset.config", SupersetConfig)


def scoped(scope: str, name: str) -> str:
    return f"{scope}:{name}" if scope else name


_ENV_FUNCS = {"getenv", "get", "env", "environ_get"}
_OVERSPENT = Unknown(f"the file builds more than {parse_cost.MAX_BUILT_CHARS:,} characters "
                     "of text in all; the rest was not built")


class _Analyzer:
    def __init__(self, path: str, env: Mapping[str, EnvValue],
                 unseen_env: str | None = None) -> None:
        self.path = path
        self.env = env
        self.unseen_env = unseen_env
        self.settings: dict[str, Setting] = {}
        self.names: dict[str, object] = {}
        self.getters: dict[str, EnvGetter] = {}
        self.classes: dict[str, tuple[str, ...]] = {}
        """Classes of the file (unconditional) -> methods they and their bases here define."""
        self.budget = parse_cost.ValueBudget()

    def run(self, tree: ast.Module) -> None:
        for node in tree.body:
            self._statement(node, conditional=False)

    def _statement(self, node: ast.stmt, conditional: bool) -> None:
        if isinstance(node, ast.Assign | ast.AnnAssign):
            targets = node.targets if isinstance(node, ast.Assign) else [node.target]
            if node.value is None:
                return
            for target in targets:
                if isinstance(target, ast.Name):
                    self._assign(target.id, node.value, node.lineno, conditional)
                elif isinstance(target, ast.Subscript) and not conditional:
                    self._item(target, node.value, node.lineno)
        elif isinstance(node, ast.If | ast.Try | ast.With | ast.For | ast.While):
            for child in ast.iter_child_nodes(node):
                if isinstance(child, ast.stmt):
                    self._statement(child, conditional=True)
            if isinstance(node, ast.Try):
                for handler in node.handlers:
                    for child in handler.body:
                        self._statement(child, conditional=True)
        elif isinstance(node, ast.Expr) and isinstance(node.value, ast.Call):
            self._call(node.value, node.lineno)
        elif isinstance(node, ast.ImportFrom) and node.module in FAB_CONSTANT_MODULES:
            # ``AUTH_TYPE = AUTH_OAUTH`` names Flask-AppBuilder's constant; its value is known.
            for alias in node.names:
                if alias.name == "*":
                    self.names.update(AUTH_TYPES)
                elif alias.name in AUTH_TYPES:
                    self.names[alias.asname or alias.name] = AUTH_TYPES[alias.name]
        elif isinstance(node, ast.FunctionDef) and not conditional:
            getter = env_getter(node)
            if getter is not None:
                self.getters[node.name] = getter
        elif isinstance(node, ast.ClassDef) and not conditional:
            # ``class CeleryConfig: broker_url = ...`` then ``CELERY_CONFIG = CeleryConfig``.
            attributes: dict[object, object] = {}
            methods: list[str] = []
            for child in node.body:
                if isinstance(child, ast.Assign):
                    for target in child.targets:
                        if isinstance(target, ast.Name):
                            attributes[target.id] = self._value(child.value)
                elif isinstance(child, ast.FunctionDef | ast.AsyncFunctionDef):
                    methods.append(child.name)
            for base in node.bases:
                if isinstance(base, ast.Name) and base.id in self.classes:
                    methods += self.classes[base.id]
                elif (_dotted(base) or "").rsplit(".", 1)[-1] not in STOCK_BASES:
                    methods.append(UNSEEN_BASE)  # its methods are not in the file
            self.names[node.name] = attributes
            self.classes[node.name] = tuple(dict.fromkeys(methods))

    def _item(self, target: ast.Subscript, value: ast.expr, line: int) -> None:
        """``FEATURE_FLAGS["X"] = True`` on a dict setting."""
        if not isinstance(target.value, ast.Name) or not isinstance(target.slice, ast.Constant):
            return
        name = target.value.id
        current = self.settings.get(name)
        if not name.isupper() or _too_big(target.slice.value):
            return
        base = dict(current.value) if current and isinstance(current.value, dict) else {}
        base[target.slice.value] = self._value(value)
        self._set(name, base, line)

    def _call(self, call: ast.Call, line: int) -> None:
        # FEATURE_FLAGS.update({...}) and FEATURE_FLAGS["X"] = ... are common in the wild.
        func = call.func
        if (
            isinstance(func, ast.Attribute)
            and func.attr == "update"
            and isinstance(func.value, ast.Name)
            and func.value.id.isupper()
            and call.args
        ):
            name = func.value.id
            current = self.settings.get(name)
            base = dict(current.value) if current and isinstance(current.value, dict) else {}
            extra = self._value(call.args[0])
            if isinstance(extra, dict):
                base.update(extra)
                self._set(name, base, line)

    def _assign(self, name: str, value: ast.expr, line: int, conditional: bool) -> None:
        evaluated = self._value(value)
        named_class = value.id if isinstance(value, ast.Name) and value.id in self.classes \
            else None
        methods = self.classes.get(named_class, ()) if named_class else ()
        self.names[name] = evaluated
        self.classes.pop(name, None)  # no longer the class of that name
        if named_class is not None and not conditional:
            self.classes[name] = methods
        if not name.isupper():
            return
        if conditional and not isinstance(evaluated, Unknown):
            previous = self.settings.get(name)
            if previous is None or previous.value != evaluated:
                evaluated = Unknown(f"assigned conditionally at {self.path}:{line}")
        callee = _dotted(value.func) if isinstance(value, ast.Call) else None
        env_var = self._env_var(value)
        self._set(name, evaluated, line, callee, env_var)
        if isinstance(value, ast.Call):
            directory = self._directory(value)
            if directory is not None:
                self.settings[name] = dataclasses.replace(self.settings[name],
                                                          directory=directory)
        elif named_class is not None and not isinstance(evaluated, Unknown):
            self.settings[name] = dataclasses.replace(self.settings[name],
                                                      class_name=named_class, methods=methods)

    def _directory(self, call: ast.Call) -> str | None:
        """The first argument (or ``cache_dir=``) of a cache constructor, when a string."""
        given = next((k.value for k in call.keywords if k.arg == "cache_dir"),
                     call.args[0] if call.args else None)
        value = self._value(given) if given is not None else None
        return value if isinstance(value, str) else None

    def _set(
        self, name: str, value: object, line: int, callee: str | None = None,
        env_var: str | None = None,
    ) -> None:
        source = f"{self.path}:{line}"
        if env_var is not None:
            given = self.env.get(env_var)
            if given is not None:
                source = f"env {env_var} ({given.source}) read at {source}"
            elif self.unseen_env:
                source = f"{source} (env {env_var}, maybe from {self.unseen_env})"
            elif isinstance(value, Unknown):
                # Unset where the audit can see, and no default stands in for it.
                source = f"{source} (env {env_var}, not set where the auditor can see)"
            else:
                source = f"{source} (env {env_var} unset: its default)"
        self.settings[name] = Setting(
            name, value, source, path=self.path, line=line, callee=callee, env_var=env_var
        )

    def _env_var(self, node: ast.expr) -> str | None:
        """The environment variable an expression reads, if it is a plain lookup."""
        if isinstance(node, ast.Call):
            return self._env_name(node)
        if isinstance(node, ast.Subscript):
            owner = node.value
            if (isinstance(owner, ast.Attribute) and owner.attr == "environ"
                    and isinstance(node.slice, ast.Constant)
                    and isinstance(node.slice.value, str)):
                return node.slice.value
        if isinstance(node, ast.BoolOp):
            for operand in node.values:
                found = self._env_var(operand)
                if found:
                    return found
        return None

    def _value(self, node: ast.expr) -> object:
        value = self._evaluate(node)
        if self.budget.too_large(value):
            return Unknown(f"a value of more than {parse_cost.MAX_VALUE_WEIGHT:,} characters, "
                           "built by reusing names")
        return value

    def _evaluate(self, node: ast.expr) -> object:
        try:
            value = ast.literal_eval(node)
        except (ValueError, TypeError, SyntaxError, MemoryError, RecursionError):
            pass
        else:
            return Unknown("an integer too large to read") if _too_big(value) else value
        if isinstance(node, ast.Attribute) and node.attr in AUTH_TYPES:
            # ``flask_appbuilder.const.AUTH_OAUTH`` after ``import flask_appbuilder.const``
            owner = _dotted(node.value)
            if owner in FAB_CONSTANT_MODULES:
                return AUTH_TYPES[node.attr]
        if isinstance(node, ast.Name):
            if node.id in self.names:
                return self.names[node.id]
            if node.id in self.settings:
                return self.settings[node.id].value
            return Unknown(f"name {node.id} is defined outside the file")
        if isinstance(node, ast.Dict):
            result: dict[object, object] = {}
            for key, item in zip(node.keys, node.values, strict=True):
                if key is None:
                    return Unknown("dict built with ** unpacking")
                k = self._value(key)
                if isinstance(k, Unknown) or not isinstance(k, str | int | bool):
                    return Unknown("dict with a computed key")
                result[k] = self._value(item)
            return result
        if isinstance(node, ast.Call):
            return self._env_call(node)
        if isinstance(node, ast.Subscript):
            return self._env_subscript(node)
        if isinstance(node, ast.BoolOp) and isinstance(node.op, ast.Or):
            # ``os.environ.get("X") or "fallback"``: first truthy known value.
            for operand in node.values:
                value = self._value(operand)
                if isinstance(value, Unknown):
                    return value
                if value:
                    return value
            return value
        if isinstance(node, ast.JoinedStr):
            return self._fstring(node)
        if (isinstance(node, ast.BinOp) and isinstance(node.op, ast.Mod)
                and isinstance(node.left, ast.Constant) and isinstance(node.left.value, str)):
            return self._percent(node.left.value, node.right)
        return Unknown(f"computed by an expression ({type(node).__name__})")

    def _percent(self, template: str, right: ast.expr) -> object:
        """``"%s://%s:%s@%s/%s" % (...)`` with every part known (Superset's docker config and
        many guides build the metadata URI this way)."""
        nodes = right.elts if isinstance(right, ast.Tuple) else [right]
        values: list[object] = []
        for part in nodes:
            value = self._value(part)
            if isinstance(value, Unknown):
                return Unknown(f"built with % formatting from an unknown value ({value.reason})")
            if value is None or not isinstance(value, str | int | float | bool):
                return Unknown("built with % formatting from an unset or non-scalar value")
            values.append(value)
        if parse_cost.percent_too_wide(template):
            return Unknown("built with % formatting of a field too wide to build")
        if not self.budget.spend(len(template) + sum(self.budget.weight(v) for v in values)):
            return _OVERSPENT
        try:
            return template % tuple(values)
        except (TypeError, ValueError, KeyError, OverflowError):
            return Unknown("built with % formatting that does not fit its values")

    def _fstring(self, node: ast.JoinedStr) -> object:
        """An f-string whose every part is known (the Helm chart builds its URIs this way)."""
        parts: list[str] = []
        for part in node.values:
            if isinstance(part, ast.Constant):
                parts.append(str(part.value))
                continue
            if not isinstance(part, ast.FormattedValue) or part.format_spec is not None:
                return Unknown("built with a formatted f-string")
            value = self._value(part.value)
            if isinstance(value, Unknown):
                return Unknown(f"built with an f-string from an unknown value ({value.reason})")
            if value is None:
                return Unknown("built with an f-string from an unset value")
            if not isinstance(value, str | bytes | int | float | bool):
                # A dict's text would show the Unknown values it may hold as text of ours.
                return Unknown("built with an f-string from a non-scalar value")
            if not self.budget.spend(self.budget.weight(value)):
                return _OVERSPENT
            parts.append(str(value))
        return "".join(parts)

    def _env_name(self, call: ast.Call) -> str | None:
        func = call.func
        if isinstance(func, ast.Name) and func.id in self.getters:
            index = self.getters[func.id].key_index
            key_node = call.args[index] if len(call.args) > index else None
            if isinstance(key_node, ast.Constant) and isinstance(key_node.value, str):
                return key_node.value
            return None
        name = func.attr if isinstance(func, ast.Attribute) else getattr(func, "id", None)
        if name not in _ENV_FUNCS:
            return None
        if isinstance(func, ast.Attribute) and name == "get":
            owner = func.value
            if not (isinstance(owner, ast.Attribute) and owner.attr == "environ"):
                return None
        if not call.args or not isinstance(call.args[0], ast.Constant):
            return None
        key = call.args[0].value
        return key if isinstance(key, str) else None

    def _env_call(self, call: ast.Call) -> object:
        key = self._env_name(call)
        if key is None:
            return Unknown("computed by a function call")
        if key in self.env:
            return self.env[key].resolved
        if self.unseen_env:
            return _unseen(key, self.unseen_env)
        getter = self.getters.get(call.func.id) if isinstance(call.func, ast.Name) else None
        if getter is not None:
            return self._getter_default(getter, call, key)
        if len(call.args) > 1:
            return self._value(call.args[1])
        for keyword in call.keywords:
            if keyword.arg == "default":
                return self._value(keyword.value)
        return None

    def _getter_default(self, getter: EnvGetter, call: ast.Call, key: str) -> object:
        """What the config's own env getter returns for an unset variable."""
        given: ast.expr | None = None
        if getter.default_index is not None and len(call.args) > getter.default_index:
            given = call.args[getter.default_index]
        for keyword in call.keywords:
            if keyword.arg == getter.default_name:
                given = keyword.value
        value = self._value(given) if given is not None else getter.default
        if value is None and (getter.raises or getter.unset_read == "raises"):
            # Superset would not start: the config raises on the missing variable (an
            # explicit raise, or the KeyError of os.environ[key]).
            return Unknown(f"environment variable {key} is not set where the auditor can see, "
                           "and the config refuses to load without it")
        if value is None and getter.unset_read == "maybe":
            name = _dotted(call.func) or "the config's getter"
            return Unknown(f"environment variable {key} is not set where the auditor can see, "
                           f"and what {name} returns then was not determined")
        return value

    def _env_subscript(self, node: ast.Subscript) -> object:
        owner = node.value
        if (
            isinstance(owner, ast.Attribute)
            and owner.attr == "environ"
            and isinstance(node.slice, ast.Constant)
            and isinstance(node.slice.value, str)
        ):
            key = node.slice.value
            if key in self.env:
                return self.env[key].resolved
            if self.unseen_env:
                return _unseen(key, self.unseen_env)
            return Unknown(f"environment variable {key} is not set where the auditor can see")
        return Unknown("computed by a subscript")


@dataclass(frozen=True)
class EnvGetter:
    """A function of the config file that returns an environment variable or a default."""

    key_index: int
    default_index: int | None
    default_name: str | None
    default: object
    raises: bool
    """Whether it raises when the variable is unset and no default is given."""
    unset_read: str | None = None
    """How its ``os.environ[key]`` reads fare when the variable is unset: ``"raises"`` (a
    KeyError nothing in the function catches), ``"maybe"`` (a read under a condition),
    None (every read is inside a ``try`` with a handler, or none is a subscript)."""


def env_getter(node: ast.FunctionDef) -> EnvGetter | None:
    """``def get_env_variable(var_name, default=None)`` that reads ``os.environ[var_name]``
    (or ``os.getenv``/``os.environ.get``) and falls back to ``default``: recognised by what
    it does, never run."""
    params = [a.arg for a in node.args.args]
    if not params:
        return None
    key = params[0]
    reads = False
    raises = False
    for child in ast.walk(node):
        if _reads_env(child, key):
            reads = True
        elif isinstance(child, ast.Raise):
            raises = True
        elif isinstance(child, ast.Call | ast.Attribute) and _dotted(
                child.func if isinstance(child, ast.Call) else child) in ("exec", "eval"):
            return None
    if not reads:
        return None
    default_name = params[1] if len(params) > 1 else None
    defaults = node.args.defaults
    default: object = None
    if default_name is not None and len(defaults) >= len(params) - 1:
        literal = defaults[len(defaults) - (len(params) - 1)]
        try:
            default = ast.literal_eval(literal)
        except (ValueError, TypeError, SyntaxError, MemoryError, RecursionError):
            return None
    returns_default = default_name is not None and any(
        isinstance(child, ast.Return) and isinstance(child.value, ast.Name)
        and child.value.id == default_name for child in ast.walk(node))
    if default_name is not None and not returns_default:
        return None
    return EnvGetter(0, 1 if default_name else None, default_name, default, raises,
                     _unset_read(node.body, key))


def _unset_read(body: list[ast.stmt], key: str) -> str | None:
    """How the ``os.environ[key]`` reads of ``body`` fare when ``key`` is unset (see
    :attr:`EnvGetter.unset_read`): the worst of its statements."""
    worst: str | None = None
    for statement in body:
        found = _statement_unset_read(statement, key)
        if found == "raises":
            return found
        worst = worst or found
    return worst


def _statement_unset_read(node: ast.stmt, key: str) -> str | None:
    if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef | ast.ClassDef | ast.Lambda):
        return None  # defined, not run
    if isinstance(node, ast.Try | ast.TryStar):
        if node.handlers:
            # The KeyError of the try body is caught; what runs after it is not guarded.
            rest = [*node.orelse, *node.finalbody,
                    *(child for handler in node.handlers for child in handler.body)]
            return _unset_read(rest, key)
        return _unset_read([*node.body, *node.orelse, *node.finalbody], key)
    if isinstance(node, ast.If | ast.While | ast.For | ast.AsyncFor):
        head = node.test if isinstance(node, ast.If | ast.While) else node.iter
        found = _expression_unset_read(head, key)
        if found:
            return found
        return "maybe" if _unset_read([*node.body, *node.orelse], key) else None
    if isinstance(node, ast.With | ast.AsyncWith):
        for item in node.items:
            found = _expression_unset_read(item.context_expr, key)
            if found:
                return found
        return _unset_read(node.body, key)
    worst: str | None = None
    for child in ast.iter_child_nodes(node):
        if isinstance(child, ast.expr):
            found = _expression_unset_read(child, key)
            if found == "raises":
                return found
            worst = worst or found
    return worst


def _expression_unset_read(node: ast.expr, key: str) -> str | None:
    """``"raises"`` for an ``os.environ[key]`` that always runs, ``"maybe"`` for one under
    a condition (``a if c else b``, ``x or y``, a comprehension)."""
    if isinstance(node, ast.Subscript) and _reads_env(node, key):
        return "raises"
    if isinstance(node, ast.Lambda):
        return None
    conditional = isinstance(node, ast.IfExp | ast.BoolOp | ast.ListComp | ast.SetComp
                             | ast.DictComp | ast.GeneratorExp)
    worst: str | None = None
    for child in ast.iter_child_nodes(node):
        if isinstance(child, ast.expr):
            found = _expression_unset_read(child, key)
            if found and conditional:
                found = "maybe"
            if found == "raises":
                return found
            worst = worst or found
    return worst


def _reads_env(node: ast.AST, key: str) -> bool:
    """Whether ``node`` is ``os.environ[key]``, ``os.environ.get(key...)`` or ``os.getenv``."""
    if isinstance(node, ast.Subscript):
        return (_dotted(node.value) in ("os.environ", "environ")
                and isinstance(node.slice, ast.Name) and node.slice.id == key)
    if isinstance(node, ast.Call) and node.args and isinstance(node.args[0], ast.Name):
        return (_dotted(node.func) in ("os.environ.get", "os.getenv", "environ.get", "getenv")
                and node.args[0].id == key)
    return False


def _unseen(key: str, source: str) -> Unknown:
    return Unknown(f"environment variable {key} may come from {source}, which is not among "
                   "the audited objects")


def parse_boolean_string(text: str) -> bool:
    """superset.utils.core.parse_boolean_string: FLASK_DEBUG and SUPERSET_FEATURE_*."""
    return text.lower() in ("y", "yes", "true", "t", "on", "1")


def cast_to_boolean(text: str) -> bool:
    """superset.utils.core.cast_to_boolean on a string: TALISMAN_ENABLED ("1" is off)."""
    return text.strip().lower() == "true"


MAX_INT_BITS = 14_000
"""About 4,200 decimal digits: Python refuses to turn longer ints into text (``str()`` raises
ValueError), and every check that shows a value would then fail."""


def _too_big(value: object) -> bool:
    """Whether a literal holds an int too long to print (``0xfff...`` of 4,000 digits)."""
    if isinstance(value, int):
        return value.bit_length() > MAX_INT_BITS
    if isinstance(value, dict):
        return any(_too_big(k) or _too_big(v) for k, v in value.items())
    if isinstance(value, list | tuple | set | frozenset):
        return any(_too_big(item) for item in value)
    return False


def _dotted(node: ast.expr) -> str | None:
    if isinstance(node, ast.Name):
        return node.id
    if isinstance(node, ast.Attribute):
        owner = _dotted(node.value)
        return f"{owner}.{node.attr}" if owner else node.attr
    return None


def analyze(
    text: str | None,
    path: str | None,
    env: Mapping[str, EnvValue],
    unseen_env: str | None = None,
) -> SupersetConfig:
    """Build the configuration model from a config file's text and the process environment.

    ``unseen_env`` names a source of environment variables the deployment gives the process
    that was not audited (an ``envFrom`` Secret made by a generator): a variable not found in
    ``env`` may then be set there, so its lookups are unknown rather than unset.
    """
    settings: dict[str, Setting] = {}
    problems: list[str] = []
    for var, setting in ENV_SETTINGS.items():
        if var in env:
            value = env[var].resolved
            # Superset's config.py turns these variables into booleans, each its own way.
            if setting == "DEBUG" and isinstance(value, str):
                value = parse_boolean_string(value)
            elif setting == "TALISMAN_ENABLED" and isinstance(value, str):
                value = cast_to_boolean(value)
            settings[setting] = Setting(setting, value, f"env {var} ({env[var].source})")
        elif unseen_env:
            settings[setting] = Setting(setting, _unseen(var, unseen_env),
                                        f"env {var} (maybe from {unseen_env})")
    superset_env = env.get("SUPERSET_ENV")
    if superset_env is None and unseen_env:
        settings["RATELIMIT_ENABLED"] = Setting(
            "RATELIMIT_ENABLED", _unseen("SUPERSET_ENV", unseen_env),
            f"Superset default: SUPERSET_ENV == 'production' (maybe from {unseen_env})")
    elif superset_env is not None and superset_env.unknown:
        # Set, from a Secret that was not read: whether it is "production" is unknown.
        settings["RATELIMIT_ENABLED"] = Setting(
            "RATELIMIT_ENABLED", superset_env.resolved,
            f"Superset default: SUPERSET_ENV == 'production' ({superset_env.source})")
    else:
        settings["RATELIMIT_ENABLED"] = Setting(
            "RATELIMIT_ENABLED",
            superset_env is not None and superset_env.value == "production",
            f"Superset default: SUPERSET_ENV == 'production' ({superset_env.source})"
            if superset_env else "Superset default: SUPERSET_ENV is not 'production'",
            from_default=True,
        )
    home = env.get("SUPERSET_HOME")
    home_value = home.value if home else DEFAULT_SUPERSET_HOME
    settings["SUPERSET_HOME"] = Setting(
        "SUPERSET_HOME", home_value,
        f"env SUPERSET_HOME ({home.source})" if home else "Superset default",
        from_default=home is None,
    )
    flags = {
        var.removeprefix("SUPERSET_FEATURE_"): parse_boolean_string(value.value)
        for var, value in env.items()
        if var.startswith("SUPERSET_FEATURE_") and not value.unknown
    }
    unparsed: str | None = None
    failure: LoadFailure | None = None
    if text is not None and path is not None:
        found_settings, unparsed, failure = _analyze_file(text, path, env, unseen_env)
        if unparsed is not None:
            problems.append(unparsed)
        for key, found in found_settings.items():
            if key == "SECRET_KEY" and found.value is None and "SECRET_KEY" in settings:
                continue  # ``os.environ.get("X")`` unset: Superset's env default stands
            settings[key] = found
    if flags:
        current = settings.get("FEATURE_FLAGS")
        # Superset puts SUPERSET_FEATURE_* into DEFAULT_FEATURE_FLAGS and its feature flag
        # manager updates those with FEATURE_FLAGS: the file's flags win over the env's.
        merged = dict(flags)
        if current and isinstance(current.value, dict):
            merged.update(current.value)
        settings["FEATURE_FLAGS"] = Setting(
            "FEATURE_FLAGS", merged, current.source if current else "env SUPERSET_FEATURE_*"
        )
    for key, item in list(settings.items()):
        if isinstance(item.value, str) and "{SUPERSET_HOME}" in item.value:
            settings[key] = dataclasses.replace(
                item, value=item.value.replace("{SUPERSET_HOME}", str(home_value))
            )
    return SupersetConfig(settings=settings, config_path=path, problems=tuple(problems),
                          unparsed=unparsed, load_failure=failure)


@functools.lru_cache(maxsize=64)
def _loaded(source: str, path: str) -> tuple[ast.Module | None, str | None, LoadFailure | None]:
    """The syntax tree of a config file Superset can import, else (None, the problem, why
    the import certainly fails). Kept per text and label: one chart copied into a hundred
    namespaces is one file (its settings, which depend on each pod's environment, are
    analysed per pod). The tree is only read, never changed, by those who share it."""
    try:
        # Python reads a source file's UTF-8 BOM as an encoding mark, not as code.
        with warnings.catch_warnings():
            # ``"\e"`` in an audited file is its author's concern, not a warning of ours.
            warnings.simplefilter("ignore")
            tree = ast.parse(source, filename=path)
    except (SyntaxError, ValueError, MemoryError, RecursionError) as exc:
        # MemoryError and RecursionError: expressions nested beyond the parser's stack.
        line = getattr(exc, "lineno", None)
        problem = f"{path}:{line or 1}: not valid Python ({exc.__class__.__name__})"
        if not isinstance(exc, SyntaxError):
            return None, problem, None
        failure = syntax_failure(exc, source, path)
        doubt = syntax_doubt(source) if failure is None else None
        return None, f"{problem}; {doubt}" if doubt else problem, failure
    failure = compile_failure(tree, source, path)
    if failure is not None:
        return None, f"{path}:{failure.line}: not valid Python (SyntaxError)", failure
    failure = name_failure(tree, source, path)
    if failure is not None:
        # The module never finishes loading: none of its settings reaches Superset.
        return None, failure.message, failure
    return tree, None, None


def _analyze_file(
    text: str, path: str, env: Mapping[str, EnvValue], unseen_env: str | None
) -> tuple[dict[str, Setting], str | None, LoadFailure | None]:
    """The settings a config file makes, or why it could not be analysed (a problem that
    names the file), and why importing it certainly fails, if it does."""
    refused = parse_cost.refusal(text)
    if refused is not None:
        return {}, f"{path}: {refused}, not parsed", None
    tree, problem, failure = _loaded(text.removeprefix("\ufeff"), path)
    if tree is None:
        return {}, problem, failure
    analyzer = _Analyzer(path, env, unseen_env)
    try:
        analyzer.run(tree)
    except (MemoryError, RecursionError) as exc:
        # The parser's own limits keep the tree shallow enough; this is the last guard.
        return {}, (f"{path}: too deeply nested to analyse ({exc.__class__.__name__}), "
                    "not parsed"), None
    return analyzer.settings, None, None
