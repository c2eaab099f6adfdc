"""The hundred block of an address: how CAD writes a place ("5900", "BELT LINE RD") and how the
product shows a camera site without its exact house number ("5900 block of BELT LINE RD")."""

from __future__ import annotations

import re

# an address already in block form ("5900 block of Elm St", as the demo sites store it) keeps it
_HOUSE_NUMBER = re.compile(r"^(\d+)\s+(?:block of\s+)?(.+)$", re.IGNORECASE)


def hundred(number):
    """The hundred block of a house number (an int or a NumPy array of them): 5943 -> 5900."""
    return number // 100 * 100


def split_block(street: str | None) -> tuple[str | None, str | None]:
    """"7545 E NORTHWEST HWY" -> ("7500", "E NORTHWEST HWY"); no house number -> (None, street);
    nothing -> (None, None)."""
    text = (street or "").strip()
    if not text:
        return None, None
    match = _HOUSE_NUMBER.match(text)
    if not match:
        return None, text
    return str(hundred(int(match.group(1)))), match.group(2).strip()


def block_of(address: str | None) -> str | None:
    """"5943 Belt Line Rd, Dallas, TX" -> "5900 block of Belt Line Rd" (the city is dropped)."""
    block, street = split_block((address or "").split(",")[0])
    return f"{block} block of {street}" if block else street

