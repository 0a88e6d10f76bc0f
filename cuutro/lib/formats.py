"""Number formatting in the Vietnamese way (1.500.000 ₫), independent of locale setup."""

from __future__ import annotations

from decimal import Decimal


def group_thousands(value: int | Decimal, *, sep: str = ".") -> str:
    quantized = Decimal(value).normalize()
    sign = "-" if quantized < 0 else ""
    whole, _, frac = f"{abs(quantized):f}".partition(".")
    groups: list[str] = []
    while len(whole) > 3:
        groups.insert(0, whole[-3:])
        whole = whole[:-3]
    groups.insert(0, whole)
    decimal_sep = "," if sep == "." else "."
    return sign + sep.join(groups) + (decimal_sep + frac if frac else "")
