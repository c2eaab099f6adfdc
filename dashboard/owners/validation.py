"""What the public registration form and the owner's manage form accept (no database).

Each refused field gets an i18n message key (owners/i18n.py) with its format parameters, so
the portal can say what is wrong next to the field, in the visitor's language.
"""

from __future__ import annotations

import hashlib
import math
import re
import unicodedata
from collections.abc import Mapping
from typing import Any
from urllib.parse import urlsplit

from dashboard.geo.geography import DallasGeography, get_geography
from dashboard.owners.contact import EMAIL_MAX, InvalidContact, is_valid_phone, normalize_email
from dashboard.vocabulary import CAMERA_TYPES, LIVE_SHARING, OWNER_TYPES, PLACEMENTS

# government cameras come through the admins' CSV import, never the public form
PORTAL_OWNER_TYPES = tuple(t for t in OWNER_TYPES if t != "government")
DIRECTIONS = {"N": 0.0, "NE": 45.0, "E": 90.0, "SE": 135.0, "S": 180.0, "SW": 225.0, "W": 270.0, "NW": 315.0}
LIMITS = {"name": 200, "business_name": 200, "email": EMAIL_MAX, "phone": 40, "address": 300, "label": 120,
          "reason": 2000, "stream_url": 500}
RETENTION_RANGE = (1, 3650)
# the addresses a live-access device may stream from (relayed by the server, never shown to a browser)
STREAM_SCHEMES = ("rtsp", "rtsps", "http", "https")

# a field's error: (i18n message key, format parameters)
FieldErrors = dict[str, tuple[str, dict[str, Any]]]


def has_control_chars(value: str) -> bool:
    return any(unicodedata.category(ch) in ("Cc", "Cs") for ch in value)


def stream_url_problem(url: str) -> str | None:
    """Why a device stream address cannot be stored (None when it can): the one rule for the
    portal, the manage page and the import. Only rtsp/rtsps/http/https with a host: never
    `javascript:`, `file:` or a bare path."""
    if len(url) > LIMITS["stream_url"]:
        return f"longer than {LIMITS['stream_url']} characters"
    if has_control_chars(url) or any(ch.isspace() for ch in url):
        return "it contains spaces or control characters"
    try:
        parts = urlsplit(url)
        host = parts.hostname
        parts.port  # noqa: B018 - a malformed port raises here
    except ValueError:
        return "it is not a valid address"
    if parts.scheme.lower() not in STREAM_SCHEMES or not host:
        return f"it must be an {', '.join(STREAM_SCHEMES)} address with a host"
    return None


def _text(form: Mapping[str, Any], key: str, errors: FieldErrors, *, limit: int, required: bool = False,
          error_key: str | None = None) -> str | None:
    value = str(form.get(key) or "").strip()
    name = error_key or key
    if not value:
        if required:
            errors[name] = ("err_required", {})
        return None
    if len(value) > limit:
        errors[name] = ("err_too_long", {"limit": limit})
        return None
    if has_control_chars(value):
        errors[name] = ("err_control_chars", {})
        return None
    return value


def _float(form: Mapping[str, Any], key: str, lo: float, hi: float) -> tuple[float | None, tuple | None]:
    raw = str(form.get(key) or "").strip().replace(",", ".") if key in form else ""
    if not raw:
        return None, ("err_pin", {})
    try:
        value = float(raw)
    except ValueError:
        return None, ("err_number", {})
    if not math.isfinite(value) or not lo <= value <= hi:
        return None, ("err_range", {"lo": lo, "hi": hi})
    return value, None


def is_checked(value: Any) -> bool:
    return str(value or "").strip().lower() in ("on", "1", "yes", "true", "y")


def camera_count_of(form: Mapping[str, Any], max_cameras: int) -> int:
    """How many camera fieldsets the form has (1 to max_cameras), whatever was typed."""
    try:
        count = int(str(form.get("camera_count") or "1").strip())
    except ValueError:
        return 1
    return max(1, min(count, max_cameras))


def validate_email_field(form: Mapping[str, Any], errors: FieldErrors, key: str = "email") -> str | None:
    """The form's email in its stored form (see owners/contact.py), or an error on the field."""
    raw = _text(form, key, errors, limit=LIMITS["email"], required=True)
    if raw is None:
        return None
    try:
        return normalize_email(raw)
    except InvalidContact:
        errors[key] = ("err_email", {})
        return None


def _direction(form: Mapping[str, Any], key: str, errors: FieldErrors) -> float | None:
    raw = str(form.get(key) or "").strip().upper()
    if raw in DIRECTIONS:
        return DIRECTIONS[raw]
    if not raw:
        return None
    try:
        direction = float(raw)
    except ValueError:
        direction = math.nan
    if not math.isfinite(direction) or not 0 <= direction <= 360:
        errors[key] = ("err_choice", {})
        return None
    return direction


def _retention(form: Mapping[str, Any], key: str, errors: FieldErrors) -> int | None:
    raw = str(form.get(key) or "").strip()
    if not raw:
        errors[key] = ("err_required", {})
        return None
    try:
        number = float(raw)
    except ValueError:
        errors[key] = ("err_number", {})
        return None
    if not math.isfinite(number) or not RETENTION_RANGE[0] <= number <= RETENTION_RANGE[1]:
        errors[key] = ("err_range", {"lo": RETENTION_RANGE[0], "hi": RETENTION_RANGE[1]})
        return None
    if not number.is_integer():
        errors[key] = ("err_whole", {})
        return None
    return int(number)


def _choice(form: Mapping[str, Any], key: str, choices: tuple[str, ...], default: str,
            errors: FieldErrors) -> str:
    value = str(form.get(key) or default).strip().lower()
    if value not in choices:
        errors[key] = ("err_choice", {})
    return value


def _stream_url(form: Mapping[str, Any], key: str, errors: FieldErrors) -> str | None:
    url = _text(form, key, errors, limit=LIMITS["stream_url"])
    if url is not None and stream_url_problem(url):
        errors[key] = ("err_stream", {"schemes": ", ".join(STREAM_SCHEMES)})
        return None
    return url


def validate_camera(form: Mapping[str, Any], prefix: str, errors: FieldErrors) -> dict[str, Any]:
    """One camera's fields `<prefix>label`, `type`, `placement`, `direction`, `retention`, `live`,
    `sharing` and `stream`. Without a live-access device there is nothing to share: sharing is
    `none` and a stream address is refused. An empty stream address is None (the manage page
    reads it as "keep the one on file", which it never shows)."""
    label = _text(form, f"{prefix}label", errors, limit=LIMITS["label"], required=True)
    live = is_checked(form.get(f"{prefix}live"))
    sharing = _choice(form, f"{prefix}sharing", LIVE_SHARING, LIVE_SHARING[0], errors)
    stream = _stream_url(form, f"{prefix}stream", errors)
    if stream and not live:
        errors[f"{prefix}stream"] = ("err_stream_needs_live", {})
    return {"label": label,
            "camera_type": _choice(form, f"{prefix}type", CAMERA_TYPES, "doorbell", errors),
            "placement": _choice(form, f"{prefix}placement", PLACEMENTS, "outdoor", errors),
            "direction_deg": _direction(form, f"{prefix}direction", errors),
            "retention_days": _retention(form, f"{prefix}retention", errors),
            "live_access": live, "live_sharing": sharing if live else LIVE_SHARING[0], "stream_url": stream}


def _location(form: Mapping[str, Any], errors: FieldErrors, geo: DallasGeography | None) -> tuple:
    lat, lat_err = _float(form, "latitude", -90, 90)
    lon, lon_err = _float(form, "longitude", -180, 180)
    if lat_err or lon_err:
        errors["location"] = lat_err or lon_err
    elif lat is not None and lon is not None:
        geo = geo or get_geography()
        if not bool(geo.in_city([lat], [lon])[0]):
            errors["location"] = ("err_outside_city", {})
    return lat, lon


def _cameras(form: Mapping[str, Any], errors: FieldErrors, max_cameras: int) -> list[dict[str, Any]]:
    raw_count = str(form.get("camera_count") or "1").strip()
    try:
        requested = int(raw_count)
    except ValueError:
        errors["camera_count"] = ("err_whole", {})
        return []
    if requested > max_cameras:
        errors["camera_count"] = ("err_max_cameras", {"limit": max_cameras})
        return []
    if requested < 1:
        errors["camera_count"] = ("err_range", {"lo": 1, "hi": max_cameras})
        return []
    return [validate_camera(form, f"cam-{i}-", errors) for i in range(camera_count_of(form, max_cameras))]


def validate_form(form: Mapping[str, Any], *, max_cameras: int = 100,
                  geo: DallasGeography | None = None) -> tuple[dict | None, FieldErrors]:
    """The whole public form -> (payload, {}) or (None, {field: (message key, params)})."""
    errors: FieldErrors = {}
    owner_type = str(form.get("owner_type") or "resident").strip().lower()
    if owner_type not in PORTAL_OWNER_TYPES:
        errors["owner_type"] = ("err_choice", {})
    name = _text(form, "name", errors, limit=LIMITS["name"], required=True)
    business_name = _text(form, "business_name", errors, limit=LIMITS["business_name"],
                          required=owner_type in ("business", "organization"))
    email = validate_email_field(form, errors)
    phone = _text(form, "phone", errors, limit=LIMITS["phone"])
    if phone is not None and not is_valid_phone(phone):
        errors["phone"] = ("err_phone", {})
    address = _text(form, "address", errors, limit=LIMITS["address"], required=True)
    lat, lon = _location(form, errors, geo)
    cameras = _cameras(form, errors, max_cameras)
    if not is_checked(form.get("consent")):
        errors["consent"] = ("err_consent", {})
    if errors:
        return None, errors
    return {
        "owner_type": owner_type, "name": name, "business_name": business_name if owner_type != "resident" else None,
        "email": email, "phone": phone, "address": address, "latitude": lat, "longitude": lon,
        "cameras": cameras,
    }, {}


_ABBREVIATIONS = {"street": "st", "avenue": "ave", "road": "rd", "drive": "dr", "boulevard": "blvd",
                  "lane": "ln", "court": "ct", "place": "pl", "parkway": "pkwy", "highway": "hwy",
                  "north": "n", "south": "s", "east": "e", "west": "w", "suite": "ste", "apartment": "apt"}


def normalize_address(address: str) -> str:
    """Case-, punctuation- and spacing-insensitive, with common street words abbreviated."""
    text = unicodedata.normalize("NFKC", address).casefold()
    words = re.sub(r"[^\w]+", " ", text).split()
    return " ".join(_ABBREVIATIONS.get(w, w) for w in words)


def lookup_key(email: str, address: str) -> str:
    """The registration's dedupe key: a digest of email and address, not a copy of them."""
    return hashlib.sha256(f"{email.strip().lower()}\n{normalize_address(address)}".encode()).hexdigest()
