from __future__ import annotations

import jdatetime
import pytest

from reportgen.text.persian import (
    format_jalali_date,
    jalali_month_year,
    number_in_words,
    ordinal_in_words,
    parse_jalali_date,
    to_latin_digits,
    to_persian_digits,
)


def test_digits_round_trip() -> None:
    assert to_persian_digits("فصل 12-3") == "فصل ۱۲-۳"
    assert to_latin_digits("۱۴۰۳/۰۹/۲۰") == "1403/09/20"
    assert to_latin_digits("٣٤") == "34"  # Arabic-Indic digits too


@pytest.mark.parametrize(
    ("number", "words"),
    [(1, "اول"), (2, "دوم"), (3, "سوم"), (4, "چهارم"), (10, "دهم"), (13, "سیزدهم"),
     (20, "بیستم"), (21, "بیست و یکم"), (23, "بیست و سوم"), (30, "سی\u200cام")],
)  # fmt: skip
def test_ordinals(number: int, words: str) -> None:
    assert ordinal_in_words(number) == words


def test_cardinals() -> None:
    assert number_in_words(0) == "صفر"
    assert number_in_words(125) == "صد و بیست و پنج"
    with pytest.raises(ValueError):
        number_in_words(1000)


def test_jalali_dates() -> None:
    date = parse_jalali_date("۱۴۰۳/۰۹/۲۰")
    assert date == jdatetime.date(1403, 9, 20)
    assert parse_jalali_date("1403-9-20") == date
    assert format_jalali_date(date) == "۲۰ آذر ۱۴۰۳"
    assert format_jalali_date(date, long=False) == "۱۴۰۳/۰۹/۲۰"
    assert jalali_month_year(date) == "آذر ۱۴۰۳"
    assert date.togregorian().isoformat() == "2024-12-10"


@pytest.mark.parametrize("text", ["1403/13/40", "1403/12/31", "1403/07/31", "14030920", "امروز"])
def test_invalid_jalali_dates(text: str) -> None:
    # No month has 31 days after Shahrivar, and none has 13 months.
    with pytest.raises(ValueError):
        parse_jalali_date(text)


def test_visual_shapes_orders_and_keeps_diacritics() -> None:
    from reportgen.text.persian import visual

    shaped = visual("شَهر همدان")
    assert "\u064e" in shaped  # the fatha survives
    assert all(not ("\u0621" <= ch <= "\u064a") for ch in shaped)  # letters in presentation forms
    assert shaped.split(" ")[0] == visual("همدان")  # right to left: the last word comes first
    assert visual("SWOT 2024") == "SWOT 2024"  # nothing to shape or reorder
