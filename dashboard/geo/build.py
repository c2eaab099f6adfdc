"""Build the simplified display layers from the full beat polygons.

    python -m dashboard.geo_build

Divisions are not taken from the city's division file (it is in State Plane feet and drawn
"for graphical representation only"); they are the beats dissolved by DIVISION, so the
divisions on the map agree exactly with the lookup that assigns cameras and incidents.
"""

from __future__ import annotations

import json

import shapely
from shapely.geometry import mapping

from dashboard.geo.geography import DATA_DIR, DallasGeography

SIMPLIFY_DEG = 0.00015  # about 15 m: invisible at city zoom, a tenth of the bytes
PRECISION = 5           # decimal places: about 1 m


def _round(geom):
    return shapely.set_precision(geom, 10 ** -PRECISION)


def dissolve_divisions(geo: DallasGeography) -> dict[str, object]:
    out = {}
    for division in geo.divisions:
        parts = [g for g, d in zip(geo.beat_shapes_lonlat, geo.beat_divisions, strict=True) if d == division]
        out[division] = shapely.union_all([shapely.make_valid(p) for p in parts])
    return out


def build() -> None:
    geo = DallasGeography()
    beats = {
        "type": "FeatureCollection",
        "features": [
            {"type": "Feature", "properties": {"beat": b, "division": d},
             "geometry": mapping(_round(g.simplify(SIMPLIFY_DEG, preserve_topology=True)))}
            for b, d, g in zip(geo.beat_ids, geo.beat_divisions, geo.beat_shapes_lonlat, strict=True)
        ],
    }
    divisions = {
        "type": "FeatureCollection",
        "features": [
            {"type": "Feature", "properties": {"division": name},
             "geometry": mapping(_round(g.simplify(SIMPLIFY_DEG, preserve_topology=True)))}
            for name, g in dissolve_divisions(geo).items()
        ],
    }
    city = {"type": "FeatureCollection", "features": [
        {"type": "Feature", "properties": {"city": "Dallas"},
         "geometry": mapping(_round(geo.city_lonlat.simplify(SIMPLIFY_DEG, preserve_topology=True)))}]}
    for name, layer in (("dpd_beats_display", beats), ("dpd_divisions_display", divisions),
                        ("dallas_city_limits_display", city)):
        (DATA_DIR / f"{name}.geojson").write_text(json.dumps(layer, separators=(",", ":")))
        print(f"wrote {name}.geojson ({len(layer['features'])} features)")


if __name__ == "__main__":
    build()
