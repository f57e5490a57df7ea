"""Numbers as Persian print writes them: Persian digits, «٬» between thousands, «٫» before decimals."""

from __future__ import annotations

from decimal import ROUND_HALF_UP, Decimal

from reportgen.text.persian import to_persian_digits

THOUSANDS = "\u066c"  # ٬ ARABIC THOUSANDS SEPARATOR
DECIMAL = "\u066b"  # ٫ ARABIC DECIMAL SEPARATOR
PERCENT = "\u066a"  # ٪ ARABIC PERCENT SIGN
MINUS = "\u2212"


def format_number(value: Decimal | float | int, places: int = 0, *, group: bool = True) -> str:
    """``Decimal('12345.678'), 1`` → «۱۲٬۳۴۵٫۷» (rounded half up, a true minus sign)."""
    number = Decimal(str(value)) if isinstance(value, float) else Decimal(value)
    number = number.quantize(Decimal(1).scaleb(-places), rounding=ROUND_HALF_UP)
    text = f"{abs(number):{',' if group else ''}.{places}f}"
    text = text.replace(",", THOUSANDS).replace(".", DECIMAL)
    return (MINUS if number < 0 else "") + to_persian_digits(text)


def format_percent(value: Decimal | float | int, places: int = 1) -> str:
    """«۴۵٫۲٪»."""
    return format_number(value, places) + PERCENT
