"""The ranked cameras of the selected incident on the map: a numbered marker per row of
#nearest-cameras (1, 2, 3...: the same numbers as the list), above the clusters and unlike the
incident pins (assets/ranked.js draws them). Ranked cameras are duck-typed
(dashboard.incidents.canvass.RankedCamera)."""

from __future__ import annotations

import dash_leaflet as dl

EMPTY_FC = {"type": "FeatureCollection", "features": []}


def ranked_geojson(shown: list) -> dict:
    """The rows the list shows -> the numbered markers' GeoJSON (camera id, rank, whether it
    faces the scene; positions as the registry snapshot has them, no owner data)."""
    return {"type": "FeatureCollection", "features": [
        {"type": "Feature", "geometry": {"type": "Point", "coordinates": [r.longitude, r.latitude]},
         "properties": {"ranked": True, "rank": int(r.rank), "camera_id": int(r.camera_id),
                        "faces": r.faces, "overwritten": bool(r.overwritten)}}
        for r in shown]}


def ranked_layer() -> dl.GeoJSON:
    """A child of the map (not in the layer control: it follows the selection)."""
    return dl.GeoJSON(id="ranked-layer", data=EMPTY_FC,
                      pointToLayer={"variable": "connectDallas.ranked.toLayer"})
