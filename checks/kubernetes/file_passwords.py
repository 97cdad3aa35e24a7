"""Passwords written literally in a config file kept in a ConfigMap, never their values.

A Python file (``superset_config.py`` and the like) is read with ``ast``: a line such as
``SECRET_KEY = get_env_variable("SUPERSET_SECRET_KEY")`` or ``password = db_password``
names a password without holding one, which a pattern over the line cannot tell. Other
files (YAML such as the chart's ``import_datasources.yaml``, INI, properties) are read
line by line: ``password: x``, ``password = x`` and ``scheme://user:x@host``.
"""

from __future__ import annotations

import ast
import re

from auditor.checks.superset import parse_cost

FIELDS = frozenset({"password", "passwd", "db_pass", "db_password", "client_secret",
                    "secret_key", "api_key"})
FLAG_VALUES = frozenset({"yes", "no", "true", "false", "0", "1", "on", "off", ""})
FIELD_LINE = re.compile(
    r"""^\s*(?:-\s+)?["']?(""" + "|".join(sorted(FIELDS)) +
    r""")["']?\s*[:=]\s*(.*?)\s*,?\s*$""", re.I)
URI_PASSWORD = re.compile(r"[a-z][a-z0-9+.-]{0,63}://[^\s:/@'\"]*:([^\s@/'\"]+)@", re.I)
"""Scheme bounded, as ``secretvalues.URL_WITH_PASSWORD``: unbounded, a long word made every
start scan to its end (a 300 KB line took minutes)."""
REFERENCE = re.compile(r"^(\$|\{|<|%\(|os\.|env\(|getenv|environ|ENC\[)|^(none|null|~)$", re.I)
"""A value that stands for another: a variable, a template, an environment lookup, a SOPS
ciphertext (``ENC[AES256_GCM,...]``, decrypted when applied)."""
PLACEHOLDER = re.compile(r"%[sdr(]|\{")
"""A format placeholder inside a URI's password: ``%s``, ``%(pw)s``, ``{password}``."""


PYTHON_ONLY = (ast.Import, ast.ImportFrom, ast.Call, ast.FunctionDef, ast.ClassDef)


def password_fields(key: str, text: str) -> list[tuple[int, str]]:
    """(line, what) for each password the file ``key`` holds literally."""
    python = key.endswith(".py")
    found = _in_lines(text)
    if not found and not python:
        return found  # the common case, a file naming no password, is never parsed
    if parse_cost.refusal(text):
        # Too large or too costly for ast.parse (an f-string bomb takes a minute and half
        # a gigabyte); a .py file's lines cannot be judged without it.
        return [] if python else found
    tree = _python(python, text)
    return _in_python(tree) if tree is not None else found


def _python(python: bool, text: str) -> ast.Module | None:
    """The file's syntax tree when it is Python: named ``.py``, or parsing as Python with
    an import or a call in it. Parsing alone says little: a flat YAML file (``password:
    x``, an annotation) and an INI file (``[db]``, ``password = x``) parse too."""
    try:
        tree = ast.parse(text)
    except (SyntaxError, ValueError, MemoryError, RecursionError):
        return None
    if python or any(isinstance(node, PYTHON_ONLY) for node in ast.walk(tree)):
        return tree
    return None


def _in_python(tree: ast.Module) -> list[tuple[int, str]]:
    found: list[tuple[int, str]] = []
    for node in ast.walk(tree):
        pairs: list[tuple[str, ast.expr | None]] = []
        if isinstance(node, ast.Assign):
            pairs = [(_name(target), node.value) for target in node.targets]
        elif isinstance(node, ast.AnnAssign):
            pairs = [(_name(node.target), node.value)]
        elif isinstance(node, ast.Dict):
            pairs = [(k.value, v) for k, v in zip(node.keys, node.values, strict=True)
                     if isinstance(k, ast.Constant) and isinstance(k.value, str)]
        elif isinstance(node, ast.Call):
            pairs = [(kw.arg, kw.value) for kw in node.keywords if kw.arg]
        elif isinstance(node, ast.Constant) and isinstance(node.value, str):
            what = _uri_password(node.value)
            if what:
                found.append((node.lineno, what))
            continue
        for name, value in pairs:
            literal = _literal(value)
            if name.lower() in FIELDS and literal is not None:
                found.append((getattr(value, "lineno", 1),
                              f"{name} set literally ({len(literal)} characters)"))
    return sorted(found)


def _name(target: ast.expr) -> str:
    if isinstance(target, ast.Name):
        return target.id
    if isinstance(target, ast.Attribute):
        return target.attr
    return ""


def _literal(value: ast.expr | None) -> str | None:
    """A string constant that is a value, not a flag or a reference."""
    if not isinstance(value, ast.Constant) or not isinstance(value.value, str):
        return None
    text = value.value.strip()
    if text.lower() in FLAG_VALUES or REFERENCE.search(text):
        return None
    return text


def _in_lines(text: str) -> list[tuple[int, str]]:
    lower = text.lower()
    uris = "://" in text and "@" in text
    if not uris and not any(name in lower for name in FIELDS):
        return []  # most ConfigMaps: no field name and no URI with a user, nothing to match
    found = []
    for number, line in enumerate(text.splitlines(), start=1):
        field = FIELD_LINE.match(line)
        if field:
            value = field[2].strip().strip("'\"")
            if value and value.lower() not in FLAG_VALUES and not REFERENCE.search(value):
                found.append((number, f"{field[1]} set literally ({len(value)} characters)"))
                continue
        what = _uri_password(line) if uris and "://" in line else None
        if what:
            found.append((number, what))
    return found


def _uri_password(text: str) -> str | None:
    """What a URI in ``text`` holds when its password is written literally (never the
    value), or None: no URI with a user, or a reference or placeholder for the password."""
    uri = URI_PASSWORD.search(text)
    if uri is None or REFERENCE.search(uri[1]) or PLACEHOLDER.search(uri[1]):
        return None
    return f"a URI with a password ({len(uri[1])} characters)"
