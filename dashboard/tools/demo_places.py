"""Where the synthetic demo cameras stand: downtown, along real business corridors, and spread
over the city, always inside the real Dallas city limits. Pure numpy, no database."""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from dashboard.geo.geography import LAT0, LON0, DallasGeography, metres_per_degree, to_metric

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


def _to_lonlat(x: np.ndarray, y: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    kx, ky = metres_per_degree(LAT0)  # the inverse of geography.to_metric
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
