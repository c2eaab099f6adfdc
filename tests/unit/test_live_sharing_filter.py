"""The map's access filter by the owner's live-sharing choice, and the nearest cameras' live fields."""

from __future__ import annotations

from callbacks.map_view import build_filter, filters_to_search, search_to_filters
from dashboard.registry.cache import load_snapshot
from dashboard.registry.mapview import CameraFilter, FilterCache, count_matching
from tests.live_support import CAMERA_AT, add_camera


def test_live_sharing_filters_and_nearest_fields(db):
    ids = {sharing: add_camera(db, sharing=sharing, at=(CAMERA_AT[0] + 0.001 * i, CAMERA_AT[1]))
           for i, sharing in enumerate(("always", "emergency", "none"))}
    plain = add_camera(db, live_access=False, sharing="always", at=(CAMERA_AT[0] - 0.001, CAMERA_AT[1]))
    snap = load_snapshot(db)
    cache = FilterCache()

    def matching(access: str) -> set[int]:
        mask = CameraFilter(access=access).mask(snap)
        return set(snap.ids[mask].tolist())

    assert matching("live_always") == {ids["always"]}          # live access and shared always
    assert matching("live_emergency") == {ids["emergency"]}
    assert matching("live") == set(ids.values()) and plain not in matching("live_always")
    assert count_matching(snap, CameraFilter(access="live_always"), cache) == 1
    assert count_matching(snap, CameraFilter(access="live"), cache) == 3

    records = {r["camera_id"]: r for r in snap.nearest(*CAMERA_AT, k=10).records()}
    assert (records[ids["emergency"]]["live_access"], records[ids["emergency"]]["live_sharing"]) == (True, "emergency")
    assert records[plain]["live_access"] is False


def test_live_sharing_filter_round_trips_through_the_url():
    values = [[], [], [], "live_emergency", [], [], "any", None, []]
    search = filters_to_search(values)
    assert search == "?access=live_emergency"
    assert search_to_filters(search, set())[3] == "live_emergency"
    assert build_filter([], [], [], "live_always").access == "live_always"
    assert build_filter([], [], [], "live_bogus").access is None
