"""Whether ``superset_config.py`` certainly fails when Superset imports it, found without
running it.

Superset imports the file (``import superset_config`` or, with ``SUPERSET_CONFIG_PATH``,
``spec.loader.exec_module``) inside ``try: ... except Exception: logger.exception(...);
raise``: any exception the module raises stops Superset. Two such failures are certain from
the text alone and reported here:

- the file is not valid Python (a ``SyntaxError`` from the parser or the compiler);
- code that runs unconditionally at import reads a name nothing has bound before it
  (``SESSION_COOKIE_SECURE = false``, ``FEATURE_FLAGS["X"] = True`` with no
  ``FEATURE_FLAGS`` above it, ``os.environ`` without ``import os``): a ``NameError``.

Only what is certain is reported. A name is not reported when anything could have bound
it: any binding earlier in the module (even in a branch that may not run, a loop, a
``with`` or a ``try``), any ``global`` declaration of it, a builtin of any recent Python, a
dunder, or a module that can bind names behind the parser's back (``from x import *``,
``exec``, ``eval``, ``globals()``, ``locals()``, ``vars()``, ``setattr``, ``__import__``,
``sys.modules``, ``builtins``). Nor is a name reported where it may not run or where its
error may be caught: function and lambda bodies, branches of ``if``/``while``/``for``/
``match``, ``with`` bodies (a context manager may suppress errors), ``try`` bodies whose
handlers could catch ``NameError``, the later operands of ``and``/``or``/comparisons,
comprehensions beyond their first iterable, annotations, ``assert`` (gone under ``-O``),
and class bodies of classes with bases or a metaclass (``__prepare__`` may supply names).
"""

from __future__ import annotations

import ast
import builtins
import re
import sys
import warnings
from collections.abc import Callable, Iterator
from dataclasses import dataclass

LATER_BUILTINS = frozenset({
    # Builtins some supported Python has that the auditor's own may not.
    "aiter", "anext", "EncodingWarning", "BaseExceptionGroup", "ExceptionGroup",
    "PythonFinalizationError", "_IncompleteInputError",
})
BUILTIN_NAMES = frozenset(dir(builtins)) | LATER_BUILTINS

DYNAMIC_NAMES = frozenset({
    "exec", "eval", "execfile", "globals", "locals", "vars", "setattr", "__import__",
    "__builtins__", "__dict__",
})
"""A module that names any of these may bind names the parser cannot see."""
DYNAMIC_ATTRIBUTES = frozenset({
    "__dict__", "__builtins__", "f_globals", "f_locals", "f_builtins", "modules",
    "setattr", "exec", "eval",
})
"""``sys.modules[__name__].X = ...``, ``frame.f_globals[...]``, ``builtins.exec``."""
BUILTIN_MODULES = frozenset({"builtins", "__builtin__"})

CATCHES_NAME_ERROR = frozenset({"NameError", "Exception", "BaseException"})

TEMPLATE_MARKS = (("{{", "}}"), ("{%", "%}"), ("{#", "#}"), ("${", "}"), ("<%", "%>"))
"""Placeholders of a template (Jinja, envsubst, ERB), opened and closed on one line: a file
holding them may be rendered before Superset reads it, so what it reads is not this text."""

SECRET_WORDS = re.compile(
    r"secret|passw|pwd|token|key|credential|dsn|salt|private", re.I)
"""Where an undefined name is what a secret is set to, it may be the secret written without
quotes: it is then not shown."""

NEWER_SYNTAX: tuple[tuple[tuple[int, int], str, re.Pattern[str]], ...] = (
    ((3, 12), "f-strings of Python 3.12 (PEP 701)",
     re.compile(r"(?<![\w'\"])(?:[fF][rRbB]?|[rRbB][fF])['\"]")),
    ((3, 12), "type parameters or type aliases of Python 3.12 (PEP 695)",
     re.compile(r"^\s*type\s+[A-Za-z_]\w*\s*[\[=]|\b(?:def|class)\s+[A-Za-z_]\w*\s*\[",
                re.MULTILINE)),
    ((3, 14), "template strings of Python 3.14 (PEP 750)",
     re.compile(r"(?<![\w'\"])(?:[tT][rR]?|[rR][tT])['\"]")),
    ((3, 14), "'except' without parentheses of Python 3.14 (PEP 758)",
     re.compile(r"^\s*except\*?\s+[^:(\n#]*,", re.MULTILINE)),
    ((3, 15), "lazy imports of Python 3.15 (PEP 810)",
     re.compile(r"^\s*lazy\s+(?:import|from)\b", re.MULTILINE)),
)
"""Syntax a newer Python accepts that an older parser rejects: a SyntaxError from the
auditor's Python is not proof that the deployment's Python rejects the file when the file
may use any of these (the deployment's Python may be newer)."""

CheckExpr = Callable[[ast.expr | None], None]

CODING = re.compile(r"^[ \t\f]*#.*?coding[:=][ \t]*([-\w.]+)", re.MULTILINE)


@dataclass(frozen=True)
class LoadFailure:
    """Why importing the configuration certainly raises, so Superset does not start."""

    error: str
    """``NameError`` or ``SyntaxError``."""
    detail: str
    """``name 'false' is not defined``, ``invalid syntax``: no value of the file."""
    path: str
    line: int
    name: str | None = None
    """The undefined name, when it may be shown."""

    @property
    def message(self) -> str:
        if self.error == "NameError":
            return (f"{self.path} raises NameError at import: {self.detail} (line {self.line});"
                    " Superset will not start")
        return (f"{self.path} is not valid Python: {self.detail} (line {self.line}); "
                "Superset will not start")


SUBSTITUTED = re.compile(r"\$[A-Za-z_{(]|@[A-Za-z_]\w*@")
"""``$VAR`` (envsubst, a shell heredoc) and ``@VAR@`` (configure_file, sed scripts): text a
step before Superset may replace."""


def not_certain(text: str) -> str | None:
    """Why a failure found in ``text`` may not happen to the file Superset reads, or None."""
    if SUBSTITUTED.search(text) or any(_placeholder(line) for line in text.splitlines()):
        return "it holds template placeholders and may be rendered before Superset reads it"
    return None


def _placeholder(line: str) -> bool:
    for opening, closing in TEMPLATE_MARKS:
        start = line.find(opening)
        if start >= 0 and line.find(closing, start + len(opening)) >= 0:
            return True
    return False


def newer_syntax(text: str) -> str | None:
    """Syntax of a newer Python than the auditor's that ``text`` may use, or None."""
    for version, what, pattern in NEWER_SYNTAX:
        if sys.version_info < version and pattern.search(text):
            return what
    return None


def other_encoding(text: str) -> bool:
    """Whether the file declares an encoding other than UTF-8 and holds non-ASCII text: the
    auditor read it as UTF-8 or Latin-1, Python reads it in that encoding."""
    head = "\n".join(text.split("\n", 2)[:2])
    found = CODING.search(head)
    if found is None or text.isascii():
        return False
    return found.group(1).lower().replace("_", "-") not in ("utf-8", "utf8")


def syntax_doubt(text: str) -> str | None:
    """Why a SyntaxError of the auditor's parser may not be one for the deployment's Python,
    or None when it is one for every Python Superset runs on."""
    newer = newer_syntax(text)
    if newer is not None:
        version = ".".join(map(str, sys.version_info[:2]))
        return f"the file may use {newer}, which the auditor's Python {version} cannot parse"
    if other_encoding(text):
        return "the file declares an encoding other than UTF-8"
    return not_certain(text)


def syntax_failure(exc: SyntaxError, text: str, path: str) -> LoadFailure | None:
    """The failure a SyntaxError of the auditor's parser proves, or None when the
    deployment's Python may still accept the file."""
    if syntax_doubt(text) is not None:
        return None
    detail = str(exc.msg or "invalid syntax")
    if len(detail) > 120:
        detail = detail[:117] + "..."
    return LoadFailure("SyntaxError", detail, path, exc.lineno or 1)


def compile_failure(tree: ast.Module, text: str, path: str) -> LoadFailure | None:
    """A SyntaxError only the compiler raises (``return`` or ``break`` outside a function
    or loop, ``nonlocal`` at module level): compiled, never run."""
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            compile(tree, path, "exec", dont_inherit=True)
    except SyntaxError as exc:
        return syntax_failure(exc, text, path)
    except (ValueError, TypeError, MemoryError, RecursionError):
        return None
    return None


def name_failure(tree: ast.Module, text: str, path: str) -> LoadFailure | None:
    """The first name certainly undefined where it is read at import, or None."""
    if not_certain(text):
        return None
    survey = _survey(tree)
    if survey is None:
        return None
    declared, stored, walrus = survey
    walker = _Walker(declared, stored)
    try:
        walker.block(tree.body, certain=True, bound=set(walrus))
        if walker.found is None:
            return None
        node, statement = walker.found
        hidden = _secret_context(node, statement) or len(node.id) > 40
    except (RecursionError, MemoryError):
        return None
    if hidden:
        return LoadFailure("NameError", "a name that is not defined (not shown: it may be a "
                           "value written without quotes)", path, node.lineno)
    return LoadFailure("NameError", f"name '{node.id}' is not defined", path, node.lineno,
                       node.id)


def _survey(tree: ast.Module) -> tuple[frozenset[str], frozenset[str], frozenset[str]] | None:
    """One walk of the whole file: None when it can bind names the parser cannot see (a
    star import, ``exec``, ``globals()``, ``sys.modules``, ``builtins``), else the names any
    ``global``/``nonlocal`` declares (a function called at import may bind them), every name
    stored anywhere (for exception classes a handler names), and every walrus target (bound,
    for this analysis, from the start: where one runs is not followed)."""
    declared: set[str] = set()
    stored: set[str] = set()
    walrus: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Name):
            if node.id in DYNAMIC_NAMES:
                return None
            if not isinstance(node.ctx, ast.Load):
                stored.add(node.id)
        elif isinstance(node, ast.Attribute):
            if node.attr in DYNAMIC_ATTRIBUTES:
                return None
        elif isinstance(node, ast.ImportFrom):
            if node.module in BUILTIN_MODULES or any(a.name == "*" for a in node.names):
                return None
            stored.update(a.asname or a.name for a in node.names)
        elif isinstance(node, ast.Import):
            if any(a.name.split(".")[0] in BUILTIN_MODULES for a in node.names):
                return None
            stored.update(a.asname or a.name.split(".")[0] for a in node.names)
        elif isinstance(node, ast.Global | ast.Nonlocal):
            declared.update(node.names)
        elif isinstance(node, ast.NamedExpr) and isinstance(node.target, ast.Name):
            walrus.add(node.target.id)
        elif isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef | ast.ClassDef):
            stored.add(node.name)
    return frozenset(declared), frozenset(stored), frozenset(walrus)


def _bindings(node: ast.AST) -> Iterator[str]:
    """Every name ``node`` may bind in the module's (or a class body's) namespace. Function
    and lambda bodies are left out (their names are local; a ``global`` one is counted by
    :func:`_survey`); everything else counts, comprehension variables too, which
    only keeps names from being reported."""
    stack: list[ast.AST] = [node]
    while stack:
        child = stack.pop()
        if isinstance(child, ast.FunctionDef | ast.AsyncFunctionDef):
            yield child.name
            stack.extend(child.decorator_list)
            stack.extend(d for d in (*child.args.defaults, *child.args.kw_defaults) if d)
            continue
        if isinstance(child, ast.Lambda):
            stack.extend(d for d in (*child.args.defaults, *child.args.kw_defaults) if d)
            continue
        if isinstance(child, ast.ClassDef):
            yield child.name
            stack.extend((*child.decorator_list, *child.bases,
                          *(k.value for k in child.keywords)))
            continue
        if isinstance(child, ast.Name) and isinstance(child.ctx, ast.Store | ast.Del):
            yield child.id
        elif isinstance(child, ast.Import | ast.ImportFrom):
            for alias in child.names:
                yield alias.asname or alias.name.split(".")[0]
        elif isinstance(child, ast.Global | ast.Nonlocal):
            yield from child.names
        elif isinstance(child, ast.ExceptHandler | ast.MatchAs | ast.MatchStar) and child.name:
            yield child.name
        elif isinstance(child, ast.MatchMapping) and child.rest:
            yield child.rest
        elif not isinstance(child, ast.alias):
            name = getattr(child, "name", None)  # type aliases and type parameters (3.12+)
            if isinstance(name, str):
                yield name
        stack.extend(ast.iter_child_nodes(child))


def _secret_context(node: ast.Name, statement: ast.stmt) -> bool:
    """Whether ``node`` is what a secret-named setting, key or argument is set to (not an
    object read from, as ``os`` in ``os.environ[...]`` or ``get`` in ``get(...)``)."""
    for parent in ast.walk(statement):
        if (isinstance(parent, ast.Attribute | ast.Subscript) and parent.value is node) or (
                isinstance(parent, ast.Call) and parent.func is node):
            return False
    for target in _targets(statement):
        if SECRET_WORDS.search(ast.unparse(target)):
            return True
    for child in ast.walk(statement):
        if isinstance(child, ast.Dict):
            for key, value in zip(child.keys, child.values, strict=True):
                if _contains(value, node) and isinstance(key, ast.Constant) \
                        and isinstance(key.value, str) and SECRET_WORDS.search(key.value):
                    return True
        elif isinstance(child, ast.keyword) and child.arg and SECRET_WORDS.search(child.arg) \
                and _contains(child.value, node):
            return True
        elif isinstance(child, ast.Call) and _contains(child, node) and any(
                SECRET_WORDS.search(ast.unparse(arg)) for arg in child.args
                if isinstance(arg, ast.Constant)):
            return True  # ``config.set("secret_key", value)``
    return False


def _targets(statement: ast.stmt) -> list[ast.expr]:
    if isinstance(statement, ast.Assign):
        return list(statement.targets)
    if isinstance(statement, ast.AnnAssign | ast.AugAssign):
        return [statement.target]
    return []


def _contains(tree: ast.AST, node: ast.AST) -> bool:
    return any(child is node for child in ast.walk(tree))


class _Walker:
    """Module-level statements in the order they run, with the names bound so far."""

    def __init__(self, declared_global: frozenset[str], stored: frozenset[str]) -> None:
        self.declared_global = declared_global
        self.stored = stored
        self.found: tuple[ast.Name, ast.stmt] | None = None

    # Statements -----------------------------------------------------------------------

    def block(self, body: list[ast.stmt], certain: bool, bound: set[str]) -> None:
        for statement in body:
            if self.found is not None:
                return
            self.statement(statement, certain, bound)

    def statement(self, node: ast.stmt, certain: bool, bound: set[str]) -> None:
        if not certain:
            bound.update(_bindings(node))
            return
        local = bound
        check = self._checker(node, local)
        if isinstance(node, ast.Expr | ast.Return):
            check(node.value)
        elif isinstance(node, ast.Assign):
            check(node.value)
            for target in node.targets:
                self._target(target, check)
        elif isinstance(node, ast.AnnAssign):
            if node.value is not None:
                check(node.value)
                self._target(node.target, check)
        elif isinstance(node, ast.AugAssign):
            if isinstance(node.target, ast.Name):
                check(ast.Name(node.target.id, ast.Load(), lineno=node.target.lineno,
                               col_offset=node.target.col_offset))
            else:
                self._target(node.target, check)
            check(node.value)
        elif isinstance(node, ast.Delete):
            for target in node.targets:
                self._target(target, check)
        elif isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef):
            for decorator in node.decorator_list:
                check(decorator)
            if not getattr(node, "type_params", None):
                for default in (*node.args.defaults, *node.args.kw_defaults):
                    check(default)
        elif isinstance(node, ast.ClassDef):
            self._class(node, check, local)
        elif isinstance(node, ast.If | ast.While):
            check(node.test)
        elif isinstance(node, ast.For | ast.AsyncFor):
            check(node.iter)
        elif isinstance(node, ast.With | ast.AsyncWith):
            check(node.items[0].context_expr)
        elif isinstance(node, ast.Match):
            check(node.subject)
        elif isinstance(node, ast.Raise):
            if node.exc is not None:
                check(node.exc)
        elif isinstance(node, ast.Try) or type(node).__name__ == "TryStar":
            self._try(node, local)
            bound.update(_bindings(node))
            return
        # Import, Global, Pass, Assert (gone under -O), type aliases (lazy) and anything
        # else: nothing read for certain.
        if self.found is not None:
            return
        if isinstance(node, ast.Assign) and all(isinstance(t, ast.Name) for t in node.targets):
            bound.update(t.id for t in node.targets if isinstance(t, ast.Name))
        else:
            bound.update(_bindings(node))

    def _target(self, target: ast.expr, check: CheckExpr) -> None:
        """What an assignment target reads: ``a`` in ``a.b = ...`` and ``a[i] = ...``."""
        if isinstance(target, ast.Attribute):
            check(target.value)
        elif isinstance(target, ast.Subscript):
            check(target.value)
            check(target.slice)
        elif isinstance(target, ast.Tuple | ast.List):
            for element in target.elts:
                self._target(element, check)
        elif isinstance(target, ast.Starred):
            self._target(target.value, check)

    def _class(self, node: ast.ClassDef, check: CheckExpr, bound: set[str]) -> None:
        for decorator in node.decorator_list:
            check(decorator)
        if getattr(node, "type_params", None):
            return
        for base in node.bases:
            check(base)
        for keyword in node.keywords:
            check(keyword.value)
        plain = not node.keywords and all(
            isinstance(b, ast.Name) and b.id == "object" for b in node.bases)
        if plain and self.found is None:
            # The body runs now, in its own namespace over the module's.
            self.block(node.body, certain=True, bound=set(bound))

    def _try(self, node: ast.stmt, bound: set[str]) -> None:
        handlers: list[ast.ExceptHandler] = getattr(node, "handlers", [])
        body_certain = not any(self._may_catch(h) for h in handlers)
        self.block(getattr(node, "body", []), certain=body_certain, bound=bound)
        if self.found is not None:
            return
        for handler in handlers:
            bound.update(_bindings(handler))
        for statement in getattr(node, "orelse", []):
            bound.update(_bindings(statement))
        self.block(getattr(node, "finalbody", []), certain=True, bound=bound)

    def _may_catch(self, handler: ast.ExceptHandler) -> bool:
        """Whether ``handler`` may catch a NameError (unless it names only builtin
        exceptions that are not NameError or its bases, and the file rebinds none)."""
        kinds = handler.type
        names = kinds.elts if isinstance(kinds, ast.Tuple) else [kinds]
        for kind in names:
            if not isinstance(kind, ast.Name) or kind.id in self.stored:
                return True
            found = getattr(builtins, kind.id, None)
            if not (isinstance(found, type) and issubclass(found, BaseException)):
                return True
            if issubclass(NameError, found):
                return True
        return False

    # Expressions ----------------------------------------------------------------------

    def _checker(self, statement: ast.stmt, bound: set[str]) -> CheckExpr:
        def check(node: ast.expr | None) -> None:
            if node is None or self.found is not None:
                return
            for name in _certain_loads(node):
                if self._undefined(name.id, bound):
                    self.found = (name, statement)
                    return

        return check

    def _undefined(self, name: str, bound: set[str]) -> bool:
        return not (name in bound or name in BUILTIN_NAMES or name in self.declared_global
                    or (name.startswith("__") and name.endswith("__")))


def _certain_loads(node: ast.AST) -> Iterator[ast.Name]:
    """The names ``node`` reads whenever it is evaluated, in the order it reads them."""
    if isinstance(node, ast.Name):
        if isinstance(node.ctx, ast.Load):
            yield node
    elif isinstance(node, ast.BoolOp):
        yield from _certain_loads(node.values[0])
    elif isinstance(node, ast.IfExp):
        yield from _certain_loads(node.test)
    elif isinstance(node, ast.Compare):
        yield from _certain_loads(node.left)
        yield from _certain_loads(node.comparators[0])
    elif isinstance(node, ast.Lambda):
        for default in (*node.args.defaults, *node.args.kw_defaults):
            if default is not None:
                yield from _certain_loads(default)
    elif isinstance(node, ast.ListComp | ast.SetComp | ast.DictComp | ast.GeneratorExp):
        yield from _certain_loads(node.generators[0].iter)
    elif isinstance(node, ast.NamedExpr):
        yield from _certain_loads(node.value)
    elif isinstance(node, ast.Call):
        yield from _certain_loads(node.func)
        for arg in node.args:
            yield from _certain_loads(arg)
        for keyword in node.keywords:
            yield from _certain_loads(keyword.value)
    elif isinstance(node, ast.Dict):
        for key, value in zip(node.keys, node.values, strict=True):
            if key is not None:
                yield from _certain_loads(key)
            yield from _certain_loads(value)
    elif isinstance(node, ast.Attribute | ast.Subscript | ast.Starred | ast.BinOp
                    | ast.UnaryOp | ast.List | ast.Tuple | ast.Set | ast.Slice
                    | ast.JoinedStr | ast.FormattedValue):
        for child in ast.iter_child_nodes(node):
            if isinstance(child, ast.expr):
                yield from _certain_loads(child)
    # Await, Yield and anything newer: nothing counted as certain.
