"""What a ``superset_config.py`` may cost to parse: refused before :func:`ast.parse` when
too large or built to be slow.

``ast.parse`` runs in C and cannot be interrupted, and its time and memory grow with what
it is given: an 880 KB ConfigMap holding one f-string of many ``{a}`` fields took 52 s and
569 MB, beyond the auditor chart's 512Mi limit. Real ``superset_config.py`` files are a
few KB (Superset's docker config is about 5 KB, the Helm chart's rendered one about 3 KB);
256 KiB is fifty times that and parses in well under a second whatever it holds, except
for that f-string, which is estimated separately below.
"""

from __future__ import annotations

import re

MAX_CONFIG_BYTES = 256 * 1024
"""The largest ``superset_config.py`` parsed."""

MAX_FSTRING_COST = 200_000_000
"""Python 3.11 parses an f-string in time about (its length x its ``{`` fields): about
5e-10 s a unit on a laptop core, so this bound is about 0.1 s. A long f-string of real
configs (a 2 KB URI template with 50 fields) costs 1e5."""

_LITERAL = re.compile(
    r"""
    \#[^\n]*
  | (?P<prefix>\b[A-Za-z]{1,2})?
    (?P<body>'''(?:[^\\]|\\.)*?'''
           | \"\"\"(?:[^\\]|\\.)*?\"\"\"
           | '(?:[^'\\\n]|\\.)*'
           | "(?:[^"\\\n]|\\.)*")
    """,
    re.VERBOSE | re.DOTALL,
)
"""A comment (its quotes open nothing) or a string literal with its prefix: a scan that
needs no tokenizer (Python's own takes seconds on 256 KiB of short tokens)."""


def refusal(text: str) -> str | None:
    """Why ``text`` is not to be parsed (``larger than 256 KiB (300,000 bytes)``), or None."""
    size = len(text.encode("utf-8", "surrogatepass"))
    if size > MAX_CONFIG_BYTES:
        return f"larger than {MAX_CONFIG_BYTES // 1024} KiB ({size:,} bytes)"
    cost = fstring_cost(text)
    if cost > MAX_FSTRING_COST:
        return (f"f-strings too costly to parse ({cost:,} length x fields, at most "
                f"{MAX_FSTRING_COST:,})")
    return None


def fstring_cost(text: str) -> int:
    """The sum over the f-strings of ``text`` of their length times their ``{`` count: an
    estimate from above (an escaped ``{{`` counts twice), which is all a bound needs."""
    cost = 0
    for match in _LITERAL.finditer(text):
        prefix = match.group("prefix")
        if prefix and "f" in prefix.lower():
            body = match.group("body")
            cost += len(body) * body.count("{")
    return cost


MAX_VALUE_WEIGHT = 1_000_000
"""The largest value the analysis keeps, in characters and items: four times what a file
under the size cap can spell out, so only a value built by reusing names (``X = f"{X}{X}"``
forty times is 2**40 characters) reaches it."""

MAX_BUILT_CHARS = 16_000_000
"""Characters the analysis may build in all (f-strings and ``%`` formatting), so that a
large value formatted again and again does not add up to gigabytes."""

MAX_FORMAT_WIDTH = 10_000
"""The widest field a ``%`` template may ask for (``"%999999999s"`` is a gigabyte)."""

_PERCENT_FIELD = re.compile(r"%(?:\([^)]*\))?[-#0 +]*(\*|\d+)?(?:\.(\*|\d+))?")


class ValueBudget:
    """The size of every value one file's analysis builds, and the text built in all.

    Values reuse each other (``X = {"a": X, "b": X}`` shares ``X`` twice), so a value's
    size is remembered when it is first met: sizing a chain of reuses is linear, while
    walking, comparing or printing it would be exponential.
    """

    def __init__(self) -> None:
        self._weights: dict[int, tuple[object, int]] = {}
        """id -> (the value, kept alive so that its id is not reused; its weight)."""
        self.built = 0

    def weight(self, value: object) -> int:
        """About how many characters the value's text has (at least its item count)."""
        if isinstance(value, str | bytes):
            return len(value) + 2
        if isinstance(value, bool) or value is None:
            return 5
        if isinstance(value, int):
            return value.bit_length() // 3 + 2
        if not isinstance(value, dict | list | tuple | set | frozenset):
            return 8
        known = self._weights.get(id(value))
        if known is not None and known[0] is value:
            return known[1]
        items = (x for pair in value.items() for x in pair) if isinstance(value, dict) \
            else iter(value)
        total = 2
        for item in items:
            total += self.weight(item) + 2
            if total > MAX_VALUE_WEIGHT:
                break  # enough to refuse it; the rest need not be walked
        self._weights[id(value)] = (value, total)
        return total

    def too_large(self, value: object) -> bool:
        return self.weight(value) > MAX_VALUE_WEIGHT

    def spend(self, size: int) -> bool:
        """Whether ``size`` more characters may be built."""
        self.built += size
        return self.built <= MAX_BUILT_CHARS


def percent_too_wide(template: str) -> bool:
    """Whether a ``%`` template asks for a field wider than :data:`MAX_FORMAT_WIDTH` or for
    a width given by a value (``%*s``)."""
    for match in _PERCENT_FIELD.finditer(template):
        for given in match.groups():
            if given == "*" or (given is not None and _wider(given)):
                return True
    return False


def _wider(digits: str) -> bool:
    # The length first: int() refuses strings of more than 4,300 digits.
    return len(digits) > 5 or int(digits) > MAX_FORMAT_WIDTH
