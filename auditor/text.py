"""Text from the audited world made safe to write in any encoding-strict format."""

from __future__ import annotations


def printable(text: str) -> str:
    """``text`` with lone surrogates turned into visible escapes.

    A file name with non-UTF-8 bytes arrives through ``os.fsdecode`` as lone surrogates,
    which no UTF-8 file or terminal can hold. The original bytes are shown as ``\\xff`` so
    a person can still find the file, and every format can be written.
    """
    try:
        text.encode("utf-8")
        return text
    except UnicodeEncodeError:
        pass
    try:
        raw = text.encode("utf-8", "surrogateescape")
    except UnicodeEncodeError:
        return text.encode("utf-8", "backslashreplace").decode("utf-8")
    return raw.decode("utf-8", "backslashreplace")


_CONTROLS = dict.fromkeys([*range(0x00, 0x09), *range(0x0B, 0x20), 0x7F, *range(0x80, 0xA0)])


def without_controls(text: str) -> str:
    """``text`` with C0 (but newline and tab), DEL and C1 characters removed: in a terminal
    they are escape sequences (ESC, CSI U+009B) that an audited object could use to
    recolour, hide or rewrite what the reader sees."""
    return text.translate(_CONTROLS)


def shown(text: str) -> str:
    """``text`` as any output may show it: printable, with every secret it quotes masked
    (the one masking module, :mod:`auditor.checks.common.redact`)."""
    from auditor.checks.common.redact import mask_text

    return mask_text(printable(text))
