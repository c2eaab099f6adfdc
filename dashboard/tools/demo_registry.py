"""The synthetic demo registry: owners, one site each, and their cameras, as data frames.

Everything is fake except the geography. Contact details are safe by construction: e-mail only
at the reserved example.com/org/net domains (RFC 2606) and phone numbers only in the fictional
555-0100..0199 range. Generation is vectorised with numpy (no Python loop per camera) so a
million cameras take seconds; the same `seed` and size always give the same rows.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import pandas as pd
from faker import Faker

from dashboard.geo.address import hundred
from dashboard.geo.geography import get_geography, to_metric
from dashboard.tools.demo_places import DOWNTOWN, sample_positions
from dashboard.vocabulary import CAMERA_TYPES, OWNER_TYPES

# -- who owns them -----------------------------------------------------------------------------
# Index = position in OWNER_TYPES: resident, business, organization, government.
OWNER_SHARE = np.array([0.70, 0.20, 0.06, 0.04])
CAMS_PER_OWNER = np.array([[1, 2], [2, 8], [3, 12], [4, 16]])  # inclusive min, max
LIVE_ACCESS_SHARE = np.array([0.05, 0.10, 0.12, 0.30])  # ~10 % of all cameras overall
# P(camera type | owner type); columns follow CAMERA_TYPES (doorbell dome bullet ptz panoramic lpr).
CAMERA_TYPE_P = np.array([
    [0.47, 0.15, 0.26, 0.02, 0.09, 0.01],
    [0.05, 0.35, 0.35, 0.10, 0.10, 0.05],
    [0.05, 0.35, 0.30, 0.10, 0.12, 0.08],
    [0.00, 0.25, 0.20, 0.25, 0.10, 0.20],
])
INDOOR_P = np.array([0.0, 0.35, 0.05, 0.03, 0.25, 0.0])  # doorbells and LPR are always outside
FOV_RANGE = np.array([[140, 180], [80, 120], [60, 100], [60, 90], [360, 360], [60, 70]])
RANGE_M = np.array([[15, 25], [20, 40], [30, 60], [40, 60], [15, 30], [30, 60]])
RETENTION_DAYS = np.array([3, 7, 14, 30, 60, 90])
RETENTION_P = np.array([0.10, 0.30, 0.20, 0.25, 0.10, 0.05])
DIRECTION_UNKNOWN_P = 0.10
PENDING_P = 0.03
VERIFIED_P = 0.70  # of active cameras
REGISTRY_AGE_S = 3 * 365 * 86_400
PENDING_AGE_S = 14 * 86_400

AREA_CODES = np.array(["214", "469", "972"])
STREET_SUFFIXES = ("St", "Ave", "Dr", "Ln", "Rd", "Blvd", "Ct", "Way", "Trl", "Pkwy", "Pl", "Cir")
ORG_PATTERNS = ("{} Community Church", "{} Neighborhood Association", "{} Elementary PTA",
                "{} Family YMCA", "{} Apartments HOA", "{} Recreation League")
GOVERNMENT_AGENCIES = (
    "City of Dallas Parks and Recreation", "City of Dallas Public Library", "Dallas ISD",
    "Dallas Area Rapid Transit", "Dallas County", "City of Dallas Water Utilities",
    "City of Dallas Fire-Rescue", "Dallas College", "City of Dallas Sanitation",
    "City of Dallas Code Compliance",
)

# Camera labels per (owner type, placement); "*" labels get a compass suffix ("Parking lot NE").
OUTDOOR_LABELS = (
    ("Front door", "Driveway", "Back yard", "Side gate", "Garage", "Alley*", "Porch", "Street view*"),
    ("Parking lot*", "Entrance", "Rear entrance", "Loading dock", "Storefront", "Drive-thru",
     "Alley*", "Street view*"),
    ("Parking lot*", "Main entrance", "Playground", "Side entrance", "Courtyard", "Street view*"),
    ("Parking lot*", "Main entrance", "Intersection*", "Park trail", "Fleet yard", "Street view*"),
)
INDOOR_LABELS = (
    ("Living room", "Garage (inside)", "Hallway"),
    ("Register", "Lobby", "Stockroom", "Office", "Sales floor"),
    ("Lobby", "Hallway", "Gym", "Office"),
    ("Lobby", "Service counter", "Hallway"),
)
DOORBELL_LABELS = ("Front door", "Doorbell", "Side door")
LPR_LABELS = ("LPR entrance*", "LPR exit*", "LPR street*")
COMPASS = np.array(["N", "NE", "E", "SE", "S", "SW", "W", "NW"], dtype=object)


@dataclass(frozen=True)
class DemoRegistry:
    """The generated registry as frames keyed 0..n-1 (keys become ids when written)."""

    owners: pd.DataFrame
    sites: pd.DataFrame
    cameras: pd.DataFrame


# == owners ====================================================================================
def _plan_owners(rng: np.random.Generator, n: int) -> tuple[np.ndarray, np.ndarray]:
    """Owner types (codes into OWNER_TYPES) and their camera counts, summing to exactly n."""
    mean_cams = float(OWNER_SHARE @ CAMS_PER_OWNER.mean(axis=1))
    types_parts, count_parts, total = [], [], 0
    while total < n:
        k = int((n - total) / mean_cams * 1.1) + 8
        types = rng.choice(len(OWNER_TYPES), size=k, p=OWNER_SHARE)
        if not types_parts:
            types[: len(OWNER_TYPES)] = np.arange(len(OWNER_TYPES))  # so even a small demo shows every type
        counts = rng.integers(CAMS_PER_OWNER[types, 0], CAMS_PER_OWNER[types, 1] + 1)
        types_parts.append(types)
        count_parts.append(counts)
        total += int(counts.sum())
    types, counts = np.concatenate(types_parts), np.concatenate(count_parts)
    cum = np.cumsum(counts)
    last = int(np.searchsorted(cum, n))  # the owner whose cameras reach n
    types, counts = types[: last + 1], counts[: last + 1].copy()
    counts[-1] -= int(cum[last]) - n  # trim the last owner so the total is exactly n
    return types, counts


@dataclass(frozen=True)
class _NamePools:
    """Faker output generated once; owners combine pool entries by index (fast at 1M)."""

    first: np.ndarray
    last: np.ndarray
    companies: np.ndarray
    streets: np.ndarray


def _name_pools(seed: int) -> _NamePools:
    fake = Faker("en_US")
    fake.seed_instance(seed)
    first = np.array([fake.first_name() for _ in range(400)], dtype=object)
    last = np.array([fake.last_name() for _ in range(600)], dtype=object)
    companies = np.array([fake.company() for _ in range(300)], dtype=object)
    street_last = [fake.last_name() for _ in range(300)]
    suffix_idx = [fake.random_int(0, len(STREET_SUFFIXES) - 1) for _ in range(300)]
    streets = np.array([f"{name} {STREET_SUFFIXES[i]}" for name, i in zip(street_last, suffix_idx, strict=True)],
                       dtype=object)
    return _NamePools(first, last, companies, streets)


def _slug(text: str) -> str:
    return re.sub(r"[^a-z0-9]+", "", text.lower())


def _slugs(values: np.ndarray) -> np.ndarray:
    return np.array([_slug(v) for v in values], dtype=object)


def _owner_names(rng: np.random.Generator, pools: _NamePools, types: np.ndarray, keys: np.ndarray,
                 street: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """name, contact person, e-mail per owner (all vectorised over pool indices)."""
    n = len(types)
    fi, li = rng.integers(0, len(pools.first), n), rng.integers(0, len(pools.last), n)
    person = pools.first[fi] + " " + pools.last[li]
    person_mail = _slugs(pools.first)[fi] + "." + _slugs(pools.last)[li]
    cfi, cli = rng.integers(0, len(pools.first), n), rng.integers(0, len(pools.last), n)
    contact = pools.first[cfi] + " " + pools.last[cli]
    name = person.copy()
    local = person_mail.copy()
    domain = np.full(n, "example.com", dtype=object)
    key_s = keys.astype(str).astype(object)

    biz = types == 1
    company_i = rng.integers(0, len(pools.companies), n)
    name[biz] = pools.companies[company_i[biz]]
    local[biz] = _slugs(pools.companies)[company_i[biz]]
    domain[biz] = "example.net"

    org = types == 2
    pattern_i = rng.integers(0, len(ORG_PATTERNS), n)
    name[org] = [ORG_PATTERNS[p].format(s.rsplit(" ", 1)[0]) for p, s in zip(pattern_i[org], street[org],
                                                                              strict=True)]
    local[org] = _slugs(name[org])
    domain[org] = "example.org"

    gov = types == 3
    agency_i = rng.integers(0, len(GOVERNMENT_AGENCIES), n)
    agencies = np.array(GOVERNMENT_AGENCIES, dtype=object)
    name[gov] = agencies[agency_i[gov]]
    local[gov] = _slugs(agencies)[agency_i[gov]]
    domain[gov] = "example.org"

    contact = np.where(types == 0, person, contact)  # a resident is their own contact
    email = local + "." + key_s + "@" + domain  # the key keeps addresses distinct
    return name, contact, email


def _phones(rng: np.random.Generator, n: int) -> np.ndarray:
    """Only the fictional 555-0100..0199 range, so no demo number can ring a real phone."""
    area = AREA_CODES[rng.integers(0, len(AREA_CODES), n)].astype(object)
    line = np.array([f"{i:02d}" for i in range(100)], dtype=object)[rng.integers(0, 100, n)]
    return "(" + area + ") 555-01" + line


def _house_numbers(rng: np.random.Generator, lat: np.ndarray, lon: np.ndarray) -> np.ndarray:
    """Dallas numbers grow away from downtown; roughly 100 per 125 m is close enough."""
    x, y = to_metric(lon, lat)
    cx, cy = to_metric(DOWNTOWN[1], DOWNTOWN[0])
    dist = np.hypot(x - cx, y - cy)
    return 100 + (dist * 0.8).astype(np.int64) + rng.integers(0, 100, len(lat))


# == cameras ===================================================================================
def _flat_labels(pools: Sequence[Sequence[str]]) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    flat = np.array([label for pool in pools for label in pool], dtype=object)
    sizes = np.array([len(pool) for pool in pools])
    offsets = np.concatenate([[0], np.cumsum(sizes)[:-1]])
    return flat, offsets, sizes


def _pick(rng: np.random.Generator, group: np.ndarray, pools: Sequence[Sequence[str]]) -> np.ndarray:
    """One label per row from the pool of its group, without a Python loop."""
    flat, offsets, sizes = _flat_labels(pools)
    idx = offsets[group] + (rng.random(len(group)) * sizes[group]).astype(np.int64)
    return flat[idx]


def _labels(rng: np.random.Generator, owner_type: np.ndarray, camera_type: np.ndarray, indoor: np.ndarray,
            direction: np.ndarray) -> np.ndarray:
    labels = np.where(indoor, _pick(rng, owner_type, INDOOR_LABELS), _pick(rng, owner_type, OUTDOOR_LABELS))
    zeros = np.zeros(len(labels), dtype=np.int64)
    doorbell, lpr = camera_type == CAMERA_TYPES.index("doorbell"), camera_type == CAMERA_TYPES.index("lpr")
    labels[doorbell] = _pick(rng, zeros[doorbell], (DOORBELL_LABELS,))
    labels[lpr] = _pick(rng, zeros[lpr], (LPR_LABELS,))
    starred = np.array([label.endswith("*") for label in labels], dtype=bool)
    labels[starred] = np.array([label[:-1] for label in labels[starred]], dtype=object)
    # A known direction names the view ("Parking lot NE"); without one the label stays plain.
    compass = COMPASS[((np.nan_to_num(direction) + 22.5) // 45).astype(np.int64) % 8]
    suffix = starred & ~np.isnan(direction)
    labels[suffix] = labels[suffix] + " " + compass[suffix]
    return labels


def _camera_columns(rng: np.random.Generator, owner_type: np.ndarray, site_age_s: np.ndarray) -> dict:
    """Per-camera attributes, drawn per owner type where owners differ."""
    n = len(owner_type)
    u = rng.random(n)
    camera_type = (u[:, None] > np.cumsum(CAMERA_TYPE_P, axis=1)[owner_type]).sum(axis=1)
    camera_type = np.minimum(camera_type, len(CAMERA_TYPES) - 1)
    indoor = rng.random(n) < INDOOR_P[camera_type]
    direction = rng.integers(0, 360, n).astype(float)
    direction[rng.random(n) < DIRECTION_UNKNOWN_P] = np.nan
    fov = rng.integers(FOV_RANGE[camera_type, 0], FOV_RANGE[camera_type, 1] + 1).astype(float)
    range_lo = np.where(indoor, 15, RANGE_M[camera_type, 0])
    range_hi = np.where(indoor, 25, RANGE_M[camera_type, 1])  # walls stop an indoor view early
    range_m = rng.integers(range_lo, range_hi + 1).astype(float)
    retention = RETENTION_DAYS[rng.choice(len(RETENTION_DAYS), size=n, p=RETENTION_P)]
    live = rng.random(n) < LIVE_ACCESS_SHARE[owner_type]
    pending = rng.random(n) < PENDING_P
    # Cameras at a site arrive together, within a couple of days; pending ones are recent.
    registered = np.maximum(site_age_s - rng.integers(0, 2 * 86_400, n), 0)
    registered = np.where(pending, rng.integers(0, PENDING_AGE_S, n), registered)
    verify_delay = np.minimum(rng.integers(3_600, 14 * 86_400, n), registered * 0.9)
    verified = np.where(~pending & (rng.random(n) < VERIFIED_P), registered - verify_delay, np.nan)
    return {
        "label": _labels(rng, owner_type, camera_type, indoor, direction),
        "camera_type": np.array(CAMERA_TYPES, dtype=object)[camera_type],
        "placement": np.where(indoor, "indoor", "outdoor").astype(object),
        "direction_deg": direction,
        "fov_deg": fov,
        "range_m": range_m,
        "retention_days": retention,
        "live_access": live,
        "status": np.where(pending, "pending", "active").astype(object),
        "registered_age_s": registered.astype(np.int64),
        "verified_age_s": np.round(verified),
    }


# == the registry ==============================================================================
def generate_registry(n: int, seed: int) -> DemoRegistry:
    """n cameras with their owners and sites (one site per owner). Pure: no database."""
    owner_rng, place_rng, contact_rng, camera_rng = (
        np.random.default_rng(s) for s in np.random.SeedSequence(seed).spawn(4))
    geo = get_geography()
    types, counts = _plan_owners(owner_rng, n) if n > 0 else (np.zeros(0, np.int64), np.zeros(0, np.int64))
    m = len(types)
    keys = np.arange(m)
    lat, lon = sample_positions(place_rng, m, geo)
    beat, division, _inside = geo.locate_many(lat, lon)
    pools = _name_pools(seed)
    street = pools.streets[contact_rng.integers(0, len(pools.streets), m)]
    number = _house_numbers(contact_rng, lat, lon)
    name, contact, email = _owner_names(contact_rng, pools, types, keys, street)
    site_age = owner_rng.integers(0, REGISTRY_AGE_S, m)
    owner_type = np.array(OWNER_TYPES, dtype=object)[types]
    owners = pd.DataFrame({
        "owner_key": keys, "owner_type": owner_type, "name": name, "contact_person": contact,
        "email": email, "phone": _phones(contact_rng, m),
        "address": number.astype(str).astype(object) + " " + street + ", Dallas, TX",
        "registered_age_s": site_age,
    })
    # The site shows only the hundred block: the exact address stays with the owner.
    block = hundred(number).astype(str).astype(object)
    sites = pd.DataFrame({
        "site_key": keys, "owner_key": keys, "address": block + " block of " + street + ", Dallas, TX",
        "latitude": lat, "longitude": lon, "beat": beat, "division": division, "registered_age_s": site_age,
    })
    site_of_camera = np.repeat(keys, counts)
    cameras = pd.DataFrame({
        "camera_key": np.arange(n), "site_key": site_of_camera, "owner_key": site_of_camera,
        "owner_type": owner_type[site_of_camera], "latitude": lat[site_of_camera],
        "longitude": lon[site_of_camera], "beat": beat[site_of_camera], "division": division[site_of_camera],
        **_camera_columns(camera_rng, types[site_of_camera], site_age[site_of_camera]),
    })
    return DemoRegistry(owners, sites, cameras)


def generate_camera_frame(n: int, seed: int) -> pd.DataFrame:
    """One row per camera with its site/owner keys, position, beat and division (no DB)."""
    return generate_registry(n, seed).cameras
