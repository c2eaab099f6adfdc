"""The one CSV formula guard, for every CSV the product hands out (the audit log, the canvass).

A spreadsheet runs a cell that starts with = + - @ (OWASP adds tab and CR) as a formula: such a
text cell gets a leading single quote, so Excel, LibreOffice and Sheets show it as text.
"""

from __future__ import annotations

from typing import Any

FORMULA_PREFIXES = ("=", "+", "-", "@", "\t", "\r")


def safe_cell(value: Any) -> Any:
    """None -> ""; text starting like a formula -> quoted; anything else unchanged (numbers
    stay numbers: a negative number is data, not a formula)."""
    if value is None:
        return ""
    if isinstance(value, str) and value.startswith(FORMULA_PREFIXES):
        return "'" + value
    return value
