"""Deterministic synthetic demo registry: owners, camera sites, cameras, incidents, demo users.

Everything here is fake except the geography (real Dallas city limits and DPD beats) and the
demo incidents (real, public DPD calls from the bundled sample, moved in time to "now").
Contact details are safe by construction: e-mail only at the reserved example.com/org/net
domains (RFC 2606) and phone numbers only in the fictional 555-0100..0199 range.

Generation is vectorised with numpy (no Python loop per camera) so a million cameras fit in
a few minutes on SQLite; the same `seed` and size always give the same rows.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Collection, Iterator, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

import numpy as np
import pandas as pd
from faker import Faker
from sqlalchemy import func, insert, select
from sqlalchemy.orm import Session

from auth.users import add_or_update_user
from dashboard.db import Database, bump_registry_version, sync_id_sequences
from dashboard.geo.geography import DATA_DIR, LAT0, LON0, DallasGeography, get_geography, to_metric
from dashboard.models import Camera, CameraSite, Incident, Owner, utcnow
from dashboard.vocabulary import CAMERA_TYPES, OWNER_TYPES

Progress = Callable[[str], None]

INCIDENTS_CSV = DATA_DIR / "dpd_incidents_2024-01_northeast.csv"
CHUNK_ROWS = 50_000
SEED_ACTOR = "seed-demo"  # who the audit trail names for the demo users

# (username, role, full_name, division, password): demo mode only. `make run` prints these.
DEMO_USERS: list[tuple[str, str, str, str | None, str]] = [
    ("analyst", "analyst", "Avery Analyst (demo)", None, "demo-analyst-2026"),
    ("detective", "detective", "Dana Detective (demo)", None, "demo-detective-2026"),
    ("supervisor", "supervisor", "Sam Supervisor (demo)", "CENTRAL", "demo-supervisor-2026"),
    ("admin", "admin", "Alex Admin (demo)", None, "demo-admin-2026"),
]


@dataclass(frozen=True)
class SeedReport:
    owners: int
    sites: int
    cameras: int
    incidents: int
    users: list[tuple[str, str, str]]  # (username, role, password) of the demo users created


# -- where cameras are ---------------------------------------------------------------------
DOWNTOWN = (32.7801, -96.8005)  # lat, lon
DOWNTOWN_SIGMA_M = 1_300.0
CORRIDOR_SIGMA_M = 300.0  # spread either side of the road's centre line
# Share of candidate positions per component; rejection keeps only those inside the city.
MIX_DOWNTOWN, MIX_CORRIDOR = 0.10, 0.40  # the rest: uniform over the city's bounding box

# Rough centre lines (lat, lon) of real Dallas business corridors; a few hundred metres off
# is fine, they only shape the density. Stretches outside the city are rejected later.
CORRIDORS: dict[str, tuple[tuple[float, float], ...]] = {
    "I-35E": ((32.985, -96.905), (32.925, -96.893), (32.835, -96.855), (32.790, -96.815),
              (32.765, -96.815), (32.716, -96.829), (32.670, -96.840), (32.640, -96.850)),
    "I-30": ((32.760, -96.980), (32.755, -96.900), (32.770, -96.830), (32.775, -96.790),
             (32.785, -96.750), (32.800, -96.700), (32.810, -96.650), (32.830, -96.600)),
    "US-75": ((32.790, -96.795), (32.810, -96.790), (32.840, -96.775), (32.865, -96.770),
              (32.910, -96.770), (32.940, -96.765), (32.990, -96.760)),
    "I-635": ((32.920, -96.990), (32.925, -96.900), (32.925, -96.820), (32.920, -96.770),
              (32.910, -96.720), (32.880, -96.680), (32.840, -96.640), (32.790, -96.620)),
    "Northwest Hwy": ((32.865, -96.920), (32.860, -96.850), (32.866, -96.800), (32.865, -96.770),
                      (32.860, -96.730), (32.850, -96.680)),
    "Belt Line Rd": ((32.954, -96.900), (32.953, -96.830), (32.953, -96.770), (32.955, -96.720)),
    "Preston Rd": ((32.830, -96.805), (32.870, -96.805), (32.920, -96.805), (32.980, -96.805),
                   (33.000, -96.805)),
    "I-45": ((32.775, -96.790), (32.750, -96.770), (32.700, -96.740), (32.660, -96.720),
             (32.620, -96.690)),
    "Loop 12": ((32.860, -96.890), (32.757, -96.890), (32.700, -96.900), (32.670, -96.880),
                (32.668, -96.820), (32.670, -96.760), (32.690, -96.720), (32.720, -96.700),
                (32.780, -96.680), (32.830, -96.690), (32.860, -96.720)),
}

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


# == positions =================================================================================
def _metres_per_degree() -> tuple[float, float]:
    kx, ky = to_metric(LON0 + 1.0, LAT0 + 1.0)  # the same projection geo.py measures with
    return float(kx), float(ky)


def _to_lonlat(x: np.ndarray, y: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    kx, ky = _metres_per_degree()
    return x / kx + LON0, y / ky + LAT0


def _corridor_segments() -> tuple[np.ndarray, np.ndarray]:
    """All corridor segments as (start xy, end xy) arrays in metres."""
    starts, ends = [], []
    for line in CORRIDORS.values():
        lat, lon = np.array(line).T
        x, y = to_metric(lon, lat)
        xy = np.column_stack([x, y])
        starts.append(xy[:-1])
        ends.append(xy[1:])
    return np.vstack(starts), np.vstack(ends)


def _corridor_points(rng: np.random.Generator, m: int) -> tuple[np.ndarray, np.ndarray]:
    """Uniform along the corridors (per metre of road), Gaussian across them."""
    start, end = _corridor_segments()
    vec = end - start
    length = np.hypot(vec[:, 0], vec[:, 1])
    seg = rng.choice(len(length), size=m, p=length / length.sum())
    t = rng.random(m)
    normal = np.column_stack([-vec[seg, 1], vec[seg, 0]]) / length[seg, None]
    offset = rng.normal(0.0, CORRIDOR_SIGMA_M, m)
    xy = start[seg] + vec[seg] * t[:, None] + normal * offset[:, None]
    return xy[:, 0], xy[:, 1]


def _candidate_positions(rng: np.random.Generator, m: int,
                         bounds: Sequence[float]) -> tuple[np.ndarray, np.ndarray]:
    """m candidate points (lat, lon) from the downtown / corridor / background mixture."""
    component = rng.choice(3, size=m, p=[MIX_DOWNTOWN, MIX_CORRIDOR, 1 - MIX_DOWNTOWN - MIX_CORRIDOR])
    x = np.empty(m)
    y = np.empty(m)
    down = component == 0
    cx, cy = to_metric(DOWNTOWN[1], DOWNTOWN[0])
    x[down] = cx + rng.normal(0.0, DOWNTOWN_SIGMA_M, down.sum())
    y[down] = cy + rng.normal(0.0, DOWNTOWN_SIGMA_M, down.sum())
    corr = component == 1
    x[corr], y[corr] = _corridor_points(rng, int(corr.sum()))
    lon, lat = _to_lonlat(x, y)
    back = component == 2
    min_lon, min_lat, max_lon, max_lat = bounds
    lon[back] = rng.uniform(min_lon, max_lon, back.sum())
    lat[back] = rng.uniform(min_lat, max_lat, back.sum())
    return lat, lon


def sample_positions(rng: np.random.Generator, m: int, geo: DallasGeography) -> tuple[np.ndarray, np.ndarray]:
    """m points inside the Dallas city limits: vectorised rejection sampling in rounds."""
    lats, lons, have = [np.zeros(0)], [np.zeros(0)], 0
    while have < m:
        need = m - have
        lat, lon = _candidate_positions(rng, int(need * 1.6) + 16, geo.city_lonlat.bounds)
        lat, lon = np.round(lat, 6), np.round(lon, 6)  # round first: the stored point is the tested one
        keep = geo.in_city(lat, lon)
        lat, lon = lat[keep][:need], lon[keep][:need]
        lats.append(lat)
        lons.append(lon)
        have += len(lat)
    return np.concatenate(lats), np.concatenate(lons)


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
    block = (number // 100 * 100).astype(str).astype(object)
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


# == writing ===================================================================================
def _py(values: pd.Series | np.ndarray) -> list:
    """Plain Python values for the driver, NaN/NaT -> None."""
    values = pd.Series(values)
    out = values.tolist()
    missing = values.isna().to_numpy()
    if missing.any():
        out = [None if gone else v for v, gone in zip(out, missing, strict=True)]
    return out


def _times(now: datetime, age_s: pd.Series | np.ndarray) -> list[datetime | None]:
    stamps = pd.Timestamp(now) - pd.to_timedelta(np.asarray(age_s, dtype=float), unit="s")
    return _py(pd.Series(stamps.to_pydatetime(), dtype=object).where(~stamps.isna(), None))


def _max_id(session: Session, model: type) -> int:
    return session.scalar(select(func.max(model.id))) or 0


def _rows(columns: dict[str, list]) -> list[dict]:
    keys = list(columns)
    return [dict(zip(keys, values, strict=True)) for values in zip(*columns.values(), strict=True)]


def _owner_rows(owners: pd.DataFrame, first_id: int, now: datetime) -> list[dict]:
    created = _times(now, owners["registered_age_s"])
    return _rows({
        "id": _py(owners["owner_key"] + first_id), "owner_type": _py(owners["owner_type"]),
        "name": _py(owners["name"]), "contact_person": _py(owners["contact_person"]),
        "email": _py(owners["email"]), "phone": _py(owners["phone"]), "address": _py(owners["address"]),
        "created_at": created, "updated_at": created,
    })


def _site_rows(sites: pd.DataFrame, first_id: int, first_owner_id: int, now: datetime) -> list[dict]:
    return _rows({
        "id": _py(sites["site_key"] + first_id), "owner_id": _py(sites["owner_key"] + first_owner_id),
        "address": _py(sites["address"]), "latitude": _py(sites["latitude"]),
        "longitude": _py(sites["longitude"]), "division": _py(sites["division"]), "beat": _py(sites["beat"]),
        "created_at": _times(now, sites["registered_age_s"]),
    })


def _camera_rows(cams: pd.DataFrame, first_id: int, first_site_id: int, now: datetime) -> list[dict]:
    ids = cams["camera_key"].to_numpy() + first_id
    live = cams["live_access"].to_numpy()
    stream = np.where(live, "rtsp://stream.example.net/cam/" + ids.astype(str).astype(object), None)
    registered = _times(now, cams["registered_age_s"])
    verified = _times(now, cams["verified_age_s"])
    return _rows({
        "id": ids.tolist(), "site_id": _py(cams["site_key"] + first_site_id), "label": _py(cams["label"]),
        "camera_type": _py(cams["camera_type"]), "placement": _py(cams["placement"]),
        "direction_deg": _py(cams["direction_deg"]), "fov_deg": _py(cams["fov_deg"]),
        "range_m": _py(cams["range_m"]), "retention_days": _py(cams["retention_days"]),
        "live_access": live.tolist(), "stream_url": stream.tolist(), "status": _py(cams["status"]),
        "registered_at": registered, "verified_at": verified,
        "updated_at": [v or r for v, r in zip(verified, registered, strict=True)],
    })


def _chunks(frame: pd.DataFrame, size: int = CHUNK_ROWS) -> Iterator[pd.DataFrame]:
    for start in range(0, len(frame), size):
        yield frame.iloc[start:start + size]


def _write(session: Session, table, frame: pd.DataFrame, to_rows: Callable[[pd.DataFrame], list[dict]],
           name: str, progress: Progress | None) -> None:
    """Core executemany in chunks: a dict per row is cheap next to the ORM's unit of work."""
    done, reported = 0, 0
    for chunk in _chunks(frame):
        session.execute(insert(table), to_rows(chunk))
        done += len(chunk)
        if progress and (done - reported >= 200_000 or done == len(frame)):
            progress(f"{name} {done}/{len(frame)}")
            reported = done


def _write_registry(session: Session, reg: DemoRegistry, now: datetime, progress: Progress | None) -> None:
    # Ids continue after the current maximum, so seeding a filled database cannot collide.
    owner0 = _max_id(session, Owner) + 1
    site0 = _max_id(session, CameraSite) + 1
    camera0 = _max_id(session, Camera) + 1
    _write(session, Owner.__table__, reg.owners, lambda c: _owner_rows(c, owner0, now), "owners", progress)
    _write(session, CameraSite.__table__, reg.sites, lambda c: _site_rows(c, site0, owner0, now), "sites",
           progress)
    _write(session, Camera.__table__, reg.cameras, lambda c: _camera_rows(c, camera0, site0, now), "cameras",
           progress)
    bump_registry_version(session)


# == demo incidents ============================================================================
# Priority from the call type, first matching rule wins (1 = most urgent), calibrated on the
# live DPD feed: anything in progress or violent -> 1; "PSE/" calls are reports taken by the
# phone unit -> 4; disturbances, robbery, major accidents -> 2; property crime -> 3; else 4.
PRIORITY_RULES: tuple[tuple[int, tuple[str, ...]], ...] = (
    (1, ("IN PROGRESS", "SHOOT", "STAB", "ARMED", "ASSIST OFFICER", "FREEWAY")),
    (4, ("PSE/",)),
    (2, ("DIST", "ROBBERY", "HOLD UP", "MAJOR ACCIDENT", "SUSPICIOUS", "INJURED", "ROAD RAGE",
         "HANG UP", "40/01", "REQUESTED BY FIRE")),
    (3, ("BURG", "UUMV", "THEFT", "MISCHIEF", "ACCIDENT", "ALARM", "BLOCKAGE", "40 - OTHER")),
)
INCIDENT_STATUSES = ("Dispatched", "At Scene", "Cleared")
INCIDENT_STATUS_P = (0.35, 0.45, 0.20)
INCIDENT_WINDOW_S = 6 * 3600
_KEEP_UPPER = {"PSE", "UUMV", "BMV", "LPR", "PD", "DASV", "DASF", "DAEF", "II"}
_KEEP_LOWER = {"of", "in", "and", "or", "to", "by", "at"}


def incident_priority(call_problem: str) -> int:
    text = call_problem.upper()
    for priority, needles in PRIORITY_RULES:
        if any(needle in text for needle in needles):
            return priority
    return 4


def nature_of_call(call_problem: str) -> str:
    """"41/11R - BURG RES IN PROGRESS" -> "41/11R - Burg Res in Progress", as the live feed writes it."""
    code, sep, desc = call_problem.strip().partition(" - ")
    if not sep:
        return call_problem.strip()
    words = []
    for i, word in enumerate(desc.split()):
        bare = word.strip("()").upper()
        if bare in _KEEP_UPPER:
            words.append(word.upper())
        elif i > 0 and bare.lower() in _KEEP_LOWER:
            words.append(word.lower())
        else:
            words.append(word.capitalize() if not word.startswith("(") else "(" + word[1:].capitalize())
    return f"{code.strip()} - {' '.join(words)}"


def split_address(address: str | None) -> tuple[str | None, str | None]:
    """"7545 E NORTHWEST HWY" -> ("7500", "E NORTHWEST HWY"); no number -> (None, address)."""
    if not address or not address.strip():
        return None, None
    match = re.match(r"^(\d+)\s+(.+)$", address.strip())
    if not match:
        return None, address.strip()
    return str(int(match.group(1)) // 100 * 100), match.group(2)


def _incident_sample(csv_path: Path) -> pd.DataFrame:
    df = pd.read_csv(csv_path, dtype=str, keep_default_na=True)
    df["latitude"] = pd.to_numeric(df["latitude"], errors="coerce")
    df["longitude"] = pd.to_numeric(df["longitude"], errors="coerce")
    df["received"] = pd.to_datetime(df["call_received"], format="ISO8601", errors="coerce")
    usable = df["latitude"].notna() & df["longitude"].notna() & df["received"].notna() & df["call_problem"].notna()
    # The export has one row per offence: keep an incident's first row (the number is unique).
    return df[usable].drop_duplicates("incident_number").reset_index(drop=True)


def demo_incident_rows(limit: int, now: datetime, seed: int, *, exclude: Collection[str] = frozenset(),
                       first_id: int = 1, csv_path: Path = INCIDENTS_CSV) -> list[dict]:
    """Up to `limit` real sample calls moved into the last six hours before `now`, in their
    original order. Calls whose number is in `exclude` are skipped.

    The sample spans months with most calls in one week, so a linear squeeze would bunch
    them; instead the k-th oldest call gets the k-th of `limit` equal slots (random within it)."""
    df = _incident_sample(csv_path)
    df = df[~df["incident_number"].isin(exclude)].head(limit)
    if df.empty:
        return []
    df = df.sort_values(["received", "incident_number"], kind="stable").reset_index(drop=True)
    rng = np.random.default_rng(seed)
    usable_s = INCIDENT_WINDOW_S - 120  # the newest call is two minutes old, not in the future
    slot = usable_s / len(df)
    offsets = np.round((np.arange(len(df)) + rng.random(len(df)) * 0.9) * slot)
    start = pd.Timestamp(now) - pd.Timedelta(seconds=INCIDENT_WINDOW_S)
    received = [start + pd.Timedelta(seconds=float(s)) for s in offsets]
    status = rng.choice(len(INCIDENT_STATUSES), size=len(df), p=INCIDENT_STATUS_P)
    rows = []
    for i, rec in enumerate(df.itertuples(index=False)):
        block, location = split_address(rec.address if isinstance(rec.address, str) else None)
        at = received[i].to_pydatetime()
        rows.append({
            "id": first_id + i, "incident_number": rec.incident_number,
            "nature_of_call": nature_of_call(rec.call_problem), "priority": incident_priority(rec.call_problem),
            "status": INCIDENT_STATUSES[status[i]], "received_at": at, "updated_at": at,
            "latitude": float(rec.latitude), "longitude": float(rec.longitude), "block": block,
            "location": location, "beat": rec.beat, "division": str(rec.division).upper(), "source": "demo",
        })
    return rows


def _write_incidents(session: Session, limit: int, now: datetime, seed: int) -> int:
    if limit <= 0:
        return 0
    sample = _incident_sample(INCIDENTS_CSV)["incident_number"].tolist()
    # The same real call must not appear twice: skip numbers already stored (unique column).
    taken = set(session.scalars(select(Incident.incident_number).where(Incident.incident_number.in_(sample))))
    rows = demo_incident_rows(limit, now, seed, exclude=taken, first_id=_max_id(session, Incident) + 1)
    if rows:
        session.execute(insert(Incident.__table__), rows)
    return len(rows)


# == users and the entry point =================================================================
def _write_demo_users(session: Session) -> list[tuple[str, str, str]]:
    created = []
    for username, role, full_name, division, password in DEMO_USERS:
        add_or_update_user(session, username, role=role, full_name=full_name, division=division,
                           password=password, actor=SEED_ACTOR)
        created.append((username, role, password))
    return created


def _aware(now: datetime | None) -> datetime:
    if now is None:
        return utcnow()
    return now.replace(tzinfo=UTC) if now.tzinfo is None else now.astimezone(UTC)  # naive = UTC


def seed_demo(db: Database, *, cameras: int = 5000, incidents: int = 200, seed: int = 7,
              demo_users: bool = True, now: datetime | None = None,
              progress: Progress | None = None) -> SeedReport:
    """Write a synthetic registry (and demo incidents/users) in one transaction.

    Adds to whatever is there (ids continue after the current maximum); deciding to seed only
    an empty database is the caller's job."""
    now = _aware(now)
    if progress:
        progress(f"generating {cameras} cameras (seed {seed})")
    reg = generate_registry(cameras, seed)
    with db.session() as session:
        _write_registry(session, reg, now, progress)
        n_incidents = _write_incidents(session, incidents, now, seed)
        if progress:
            progress(f"incidents {n_incidents}")
        users = _write_demo_users(session) if demo_users else []
        sync_id_sequences(session, "owners", "camera_sites", "cameras", "incidents")
    return SeedReport(owners=len(reg.owners), sites=len(reg.sites), cameras=len(reg.cameras),
                      incidents=n_incidents, users=users)

