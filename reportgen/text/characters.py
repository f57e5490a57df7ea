"""Characters content may not hold: invisible ones that reorder or hide text, and private-use ones.

ZWNJ (U+200C) and ZWJ (U+200D) are part of Persian words and allowed;
reportgen adds its own bidi isolation. Private-use characters have no glyph,
and the redline uses some (U+E000…) as internal marks, so none may come from
content, whether written directly, as a YAML escape or as a Markdown
character reference.
"""

from __future__ import annotations

import re
from collections.abc import Iterator

INVISIBLE_CONTROLS = {
    **{chr(c): "bidi embedding/override" for c in range(0x202A, 0x202F)},
    **{chr(c): "bidi isolate" for c in range(0x2066, 0x206A)},
    "\u200e": "left-to-right mark", "\u200f": "right-to-left mark", "\u061c": "Arabic letter mark",
    "\u200b": "zero-width space", "\u2060": "word joiner", "\ufeff": "zero-width no-break space",
    "\u00ad": "soft hyphen", "\u2028": "line separator", "\u2029": "paragraph separator",
    **{chr(c): "control character" for c in (*range(0x00, 0x09), 0x0B, 0x0C, *range(0x0E, 0x20), *range(0x7F, 0xA0))},
}
# Surrogates cannot be encoded at all (YAML escapes such as "\\ud800" produce them).
FORBIDDEN = re.compile(
    "[" + re.escape("".join(INVISIBLE_CONTROLS)) + "\ud800-\udfff\ue000-\uf8ff\U000f0000-\U0010ffff]"
)


def describe(character: str) -> str:
    """What a forbidden character is, for a message: «U+202E (bidi embedding/override)»."""
    if character in INVISIBLE_CONTROLS:
        name = INVISIBLE_CONTROLS[character]
    elif "\ud800" <= character <= "\udfff":
        name = "lone surrogate"
    else:
        name = "private-use character"
    return f"U+{ord(character):04X} ({name})"


def forbidden_characters(text: str) -> Iterator[re.Match[str]]:
    """Every forbidden character in ``text``, in order."""
    return FORBIDDEN.finditer(text)
