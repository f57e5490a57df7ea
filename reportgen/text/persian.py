"""Small pure functions for Persian text: digits, ordinals, letters, Jalali dates."""

from __future__ import annotations

import re
from functools import cache
from typing import Any

import jdatetime

PERSIAN_DIGITS = "۰۱۲۳۴۵۶۷۸۹"
_TO_PERSIAN = str.maketrans("0123456789", PERSIAN_DIGITS)
# Latin, Arabic-Indic (٠–٩) and Persian digits all read back as Latin.
_TO_LATIN = str.maketrans(PERSIAN_DIGITS + "٠١٢٣٤٥٦٧٨٩", "0123456789" * 2)

_ONES = ["", "یک", "دو", "سه", "چهار", "پنج", "شش", "هفت", "هشت", "نه"]
_TEENS = ["ده", "یازده", "دوازده", "سیزده", "چهارده", "پانزده", "شانزده", "هفده", "هجده", "نوزده"]
_TENS = ["", "", "بیست", "سی", "چهل", "پنجاه", "شصت", "هفتاد", "هشتاد", "نود"]

MONTHS = (
    "فروردین", "اردیبهشت", "خرداد", "تیر", "مرداد", "شهریور",
    "مهر", "آبان", "آذر", "دی", "بهمن", "اسفند",
)  # fmt: skip

def to_persian_digits(value: object) -> str:
    """Write every Latin digit of ``value`` in Persian digits."""
    return str(value).translate(_TO_PERSIAN)


def to_latin_digits(text: str) -> str:
    """Write Persian and Arabic-Indic digits as Latin digits."""
    return text.translate(_TO_LATIN)


def number_in_words(number: int) -> str:
    """Persian cardinal in words for 0–999 («صد و بیست و سه»)."""
    if not 0 <= number <= 999:
        raise ValueError(f"number out of range: {number}")
    if number == 0:
        return "صفر"
    hundreds_words = ["", "صد", "دویست", "سیصد", "چهارصد", "پانصد", "ششصد", "هفتصد", "هشتصد", "نهصد"]
    parts: list[str] = []
    hundreds, rest = divmod(number, 100)
    if hundreds:
        parts.append(hundreds_words[hundreds])
    if 10 <= rest <= 19:
        parts.append(_TEENS[rest - 10])
    else:
        tens, ones = divmod(rest, 10)
        if tens:
            parts.append(_TENS[tens])
        if ones:
            parts.append(_ONES[ones])
    return " و ".join(parts)


def ordinal_in_words(number: int) -> str:
    """Persian ordinal adjective: 1 → «اول», 2 → «دوم», 3 → «سوم», 21 → «بیست و یکم»."""
    if number == 1:
        return "اول"
    words = number_in_words(number)
    if words.endswith("سه"):
        return words[:-2] + "سوم"
    if words.endswith("سی"):
        return words + "\u200cام"
    return words + "م"


def parse_jalali_date(value: object) -> jdatetime.date:
    """Parse ``YYYY/MM/DD`` (Latin or Persian digits, ``/`` or ``-``) as a Jalali date.

    Raises ``ValueError`` with a reader-facing message when the text is not a date.
    """
    if isinstance(value, jdatetime.date):
        return value
    text = to_latin_digits(str(value).strip())
    match = re.fullmatch(r"(\d{4})[/-](\d{1,2})[/-](\d{1,2})", text)
    if not match:
        raise ValueError(f"'{value}' is not a Jalali date written YYYY/MM/DD")
    year, month, day = (int(part) for part in match.groups())
    try:
        return jdatetime.date(year, month, day)
    except ValueError:
        raise ValueError(f"'{value}' is not a valid Jalali date") from None


def short_jalali_date(date: jdatetime.date) -> str:
    """«1403/09/20»: the short form, in Latin digits, as YAML, manifests and the terminal write it."""
    return f"{date.year:04d}/{date.month:02d}/{date.day:02d}"


def format_jalali_date(date: jdatetime.date, *, long: bool = True) -> str:
    """«۲۰ آذر ۱۴۰۳» (long) or «۱۴۰۳/۰۹/۲۰» (short), in Persian digits, as print shows it."""
    if long:
        return to_persian_digits(f"{date.day} {MONTHS[date.month - 1]} {date.year}")
    return to_persian_digits(short_jalali_date(date))


def jalali_month_year(date: jdatetime.date) -> str:
    """«آذر ۱۴۰۳», as a title page prints it."""
    return f"{MONTHS[date.month - 1]} {to_persian_digits(date.year)}"


_ARABIC_SCRIPT = re.compile(r"[\u0600-\u06ff\ufb50-\ufdff\ufe70-\ufeff]")
_LATIN_LETTER = re.compile(r"[A-Za-z]")
_MIRRORED = {"(": ")", ")": "(", "[": "]", "]": "[", "{": "}", "}": "{", "«": "»", "»": "«", "<": ">", ">": "<"}
_HEH_HAMZA = "\u0647\u0654"
"""«هٔ» (heh + hamza above, as in «آیندهٔ»): unshaped, the mark is drawn alone on a dotted circle."""
_HEH_YEH = "\u06c0"
"""«ۀ», the one letter the font has initial, medial and final shapes for."""


@cache
def _reshaper() -> Any:
    import arabic_reshaper  # only SVG text needs it

    # Diacritics (harakat) are part of the text: the default configuration deletes them.
    return arabic_reshaper.ArabicReshaper(configuration={"delete_harakat": False, "support_ligatures": True})


def _strong(text: str, start: int, step: int) -> str:
    """The nearest letter from ``start`` going ``step`` (digits, spaces and punctuation are passed over)."""
    index = start
    while 0 <= index < len(text):
        if text[index].isalpha():
            return text[index]
        index += step
    return ""


def _mirror_brackets(display: str) -> str:
    """Mirror each paired bracket that runs right to left (any not between two Latin letters).

    python-bidi reorders but does not mirror (Unicode rule L4 is the renderer's job, and SVG
    text is drawn glyph by glyph, unmirrored).
    """
    characters = list(display)
    for index, character in enumerate(display):
        if character in _MIRRORED:
            left, right = _strong(display, index - 1, -1), _strong(display, index + 1, 1)
            if not (_LATIN_LETTER.match(left) and _LATIN_LETTER.match(right)):
                characters[index] = _MIRRORED[character]
    return "".join(characters)


def visual(text: str) -> str:
    """Logical Persian text as shaped glyphs in left-to-right visual order, for SVG ``<text>``.

    WeasyPrint draws SVG text glyph by glyph, without Arabic shaping or bidi.
    The base direction is right to left; text without Arabic-script letters is
    returned as it is. Diacritics are kept; «هٔ» becomes the one letter «ۀ»
    (the font's isolated form is the letter itself); brackets are mirrored.
    HTML never goes through this: WeasyPrint shapes and orders the logical text.
    One function for every SVG figure and chart, so that they all draw a label alike.
    """
    if not _ARABIC_SCRIPT.search(text):
        return text
    from bidi import get_display

    shaped = _reshaper().reshape(text.replace(_HEH_HAMZA, _HEH_YEH))
    display = str(get_display(shaped, base_dir="R")).replace("\ufba4", _HEH_YEH)  # the font has no U+FBA4
    return _mirror_brackets(display)
