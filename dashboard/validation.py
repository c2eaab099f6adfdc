"""Input validation shared by every entry point: pydantic errors as one plain message per field,
and the text type that refuses what a database cannot store.

Models declare their limits once (`Field(max_length=..., ge=..., le=...)`); pydantic enforces
them and writes them into the JSON schema the OpenAPI document is built from, and
`field_errors` turns pydantic's errors into the `{"field": "message"}` the API answers with,
worded from the same limits. A field may override the wording of an error type with a `Say`
in its `Annotated` metadata.
"""

from __future__ import annotations

import math
import re
import unicodedata
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

import annotated_types
from pydantic import BaseModel, ValidationError
from pydantic_core import PydanticCustomError

# No C0/C1 control characters and no DEL: PostgreSQL refuses NUL in text, and the others break
# CSV cells, log lines and browsers. Tabs and line breaks never reach this check: `clean_text`
# folds every run of whitespace into one space first.
NO_CONTROL_CHARACTERS = r"^[^\x00-\x1f\x7f-\x9f]*$"
CONTROL_CHARACTER = re.compile(r"[\x00-\x1f\x7f-\x9f]")  # one, anywhere: the same set


@dataclass(frozen=True)
class Say:
    """Per-field wording: error type (or group, see _GROUPS) -> message template. Templates may
    use {shown} (the bad value, shortened), {num} (it as a number), {kind}, {lo}, {hi}, {low}
    (e.g. "from 1" or "greater than 0"), {max_length}, {length}."""

    messages: Mapping[str, str] = field(default_factory=dict)

    def __init__(self, **messages: str):
        object.__setattr__(self, "messages", messages)


def show(value: Any) -> str:
    """A short, safe rendering of a bad value for an error message."""
    text = repr(value)
    return text if len(text) <= 40 else text[:37] + "..."


def kind(value: Any) -> str:
    return {bool: "true/false", dict: "an object", list: "an array", str: "a string",
            int: "a number", float: "a number"}.get(type(value), type(value).__name__)


def clean_text(value: Any, *, allow_number: bool = False) -> str | None:
    """A `BeforeValidator`: whitespace folded and trimmed, empty as absent; numbers only where
    CAD is known to send them (a beat or block as 134). Control characters are left for the
    field's NO_CONTROL_CHARACTERS pattern to refuse with a clear message."""
    if value is None:
        return None
    if isinstance(value, bool) or not (isinstance(value, str) or (allow_number and isinstance(value, int))):
        raise PydanticCustomError("string_type", "must be a string (got {kind})", {"kind": kind(value)})
    return " ".join(str(value).split()) or None


def clean_number_text(value: Any) -> Any:
    return clean_text(value, allow_number=True)


# error types that share one wording
_GROUPS = {
    "int_parsing": "whole", "int_parsing_size": "whole", "int_from_float": "whole", "int_type": "whole",
    "float_parsing": "number", "float_type": "number", "finite_number": "number",
    "greater_than": "range", "greater_than_equal": "range", "less_than": "range", "less_than_equal": "range",
}
_DEFAULTS = {
    "missing": "is required",
    "string_type": "must be a string (got {kind})",
    "string_too_long": "is too long: at most {max_length} characters (got {length})",
    "string_too_short": "is required",
    "string_unicode": "is not valid text (it holds a lone surrogate code point)",
    "string_pattern_mismatch": "holds characters that are not allowed (got {shown})",
    "control": "must not contain control characters (found {control})",
    "whole": "must be a whole number from {lo} to {hi} (got {shown})",
    "number": "must be a number {low} up to {hi} (got {shown})",
    "range": "must be from {lo} to {hi} (got {num})",
    "literal_error": "must be one of {expected} (got {shown})",
    "bool_parsing": "must be 1 or 0 (got {shown})",
    "bool_type": "must be 1 or 0 (got {shown})",
}


def _bound(value: Any) -> str:
    return f"{value:g}" if isinstance(value, float) else str(value)


def _limits(metadata: list) -> dict[str, Any]:
    out: dict[str, Any] = {"lo": "-inf", "hi": "inf", "low": "from -inf"}
    for item in metadata:
        if isinstance(item, annotated_types.Ge):
            out["lo"], out["low"] = _bound(item.ge), f"from {_bound(item.ge)}"
        elif isinstance(item, annotated_types.Gt):
            out["lo"], out["low"] = _bound(item.gt), f"greater than {_bound(item.gt)}"
        elif isinstance(item, annotated_types.Le):
            out["hi"] = _bound(item.le)
        elif isinstance(item, annotated_types.Lt):
            out["hi"] = _bound(item.lt)
        elif isinstance(item, annotated_types.MaxLen):
            out["max_length"] = item.max_length
    return out


def _number(value: Any) -> str:
    """A number as typed: query strings arrive as text, JSON numbers as numbers."""
    if isinstance(value, str):
        text = repr(value)[1:-1]
        return text if len(text) <= 40 else text[:37] + "..."
    return f"{value:g}" if isinstance(value, float) and math.isfinite(value) else show(value)


def message(error: Mapping[str, Any], metadata: list) -> str:
    """One pydantic error as a plain message, worded from the field's own limits."""
    kind_ = error["type"]
    value = error.get("input")
    ctx = dict(error.get("ctx") or {})
    if kind_ == "string_pattern_mismatch" and isinstance(value, str) and (found := CONTROL_CHARACTER.search(value)):
        kind_, ctx["control"] = "control", f"U+{ord(found.group()):04X} {unicodedata.name(found.group(), '')}".strip()
    if kind_ in ("string_type", "int_type", "float_type") and value is None:
        kind_ = "missing"
    says: Mapping[str, str] = next((m.messages for m in metadata if isinstance(m, Say)), {})
    group = _GROUPS.get(kind_, kind_)
    template = says.get(kind_) or says.get(group) or _DEFAULTS.get(kind_) or _DEFAULTS.get(group)
    if template is None:  # our own PydanticCustomError, or a type we have not worded
        return error["msg"]
    fill = {"shown": show(value), "num": _number(value), "kind": kind(value),
            "length": len(value) if isinstance(value, str) else 0, **_limits(metadata), **ctx}
    return template.format(**fill)


def field_errors(exc: ValidationError, model: type[BaseModel]) -> dict[str, str]:
    """{field: message}, the first problem of each field. An error of the whole model names its
    field in ctx["field"] (see `model_error`)."""
    errors: dict[str, str] = {}
    for error in exc.errors(include_url=False):
        loc = error["loc"]
        name = str(loc[0]) if loc else str((error.get("ctx") or {}).get("field", "input"))
        info = model.model_fields.get(name)
        errors.setdefault(name, message(error, info.metadata if info else []))
    return errors


def model_error(field_name: str, text: str) -> PydanticCustomError:
    """Raise from a model validator to file `text` under `field_name`."""
    return PydanticCustomError("field", text, {"field": field_name})
