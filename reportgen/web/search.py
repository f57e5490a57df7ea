"""Search keys for Persian text: what the site's index holds and what a query is turned into.

The index is built with Pagefind (custom records). Pagefind does not know that
«ي/ی», «ك/ک», Persian/Arabic-Indic/Latin digits or a ZWNJ against a space or
nothing are the same to a Persian reader, so both the indexed text and the
query are reduced to one key here; ``site.js`` applies the same table
(``JS_TABLE``) to a query before it searches.
"""

from __future__ import annotations

import re

ZWNJ = "\u200c"

# One character → its search form ('' drops it). The browser applies the same table.
FOLD: dict[str, str] = {
    "ي": "ی", "ى": "ی", "ئ": "ی", "ك": "ک", "ة": "ه", "ۀ": "ه", "أ": "ا", "إ": "ا", "آ": "ا",
    "\u0640": "",  # tatweel
    "\u200d": "",  # ZWJ
    **{chr(code): "" for code in range(0x064B, 0x0653)},  # harakat
    "\u0654": "", "\u0670": "",
    **{persian: str(index) for index, persian in enumerate("۰۱۲۳۴۵۶۷۸۹")},
    **{arabic: str(index) for index, arabic in enumerate("٠١٢٣٤٥٦٧٨٩")},
}  # fmt: skip
_TABLE = str.maketrans(FOLD)
_WORD = re.compile(r"[\w\u200c]+")


def fold(text: str) -> str:
    """Letters, digits and marks folded; ZWNJ kept (see ``index_text``)."""
    return text.translate(_TABLE).lower()


def query_key(text: str) -> str:
    """A query as the index holds it: folded, each ZWNJ-joined word written joined."""
    return fold(text).replace(ZWNJ, "")


def index_text(text: str) -> str:
    """Text for the index: folded, and each ZWNJ-joined word («می‌شود») both joined
    («میشود») and in parts («می شود»), so a query typed either way finds it."""
    words: list[str] = []
    for word in _WORD.findall(fold(text)):
        if ZWNJ in word:
            parts = [part for part in word.split(ZWNJ) if part]
            words.append("".join(parts))
            words.extend(parts)
        else:
            words.append(word)
    return " ".join(words)
