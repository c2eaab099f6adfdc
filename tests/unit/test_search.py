"""The search box's query: places and camera numbers only, active cameras only, literal text."""

from __future__ import annotations

import pytest

from dashboard.models import Camera, CameraSite, Owner
from dashboard.registry.search import SearchQueryError, search_sites, site_hit


def _site(s, owner, address, lat, lon, statuses=("active",), division="CENTRAL"):
    site = CameraSite(owner=owner, address=address, latitude=lat, longitude=lon, division=division, beat="131")
    s.add(site)
    cams = [Camera(site=site, label=f"Cam {i}", camera_type="dome", status=st, retention_days=7)
            for i, st in enumerate(statuses)]
    s.add_all(cams)
    return site, cams


@pytest.fixture
def places(db):
    with db.session() as s:
        jane = Owner(owner_type="resident", name="Jane Elmwood", email="jane.elm@example.com", phone="214-555-0100")
        shop = Owner(owner_type="business", name="100% Donuts_Co", email="donuts@example.com")
        s.add_all([jane, shop])
        elm, elm_cams = _site(s, jane, "1234 Elm St, Dallas, TX 75201", 32.7810, -96.7990,
                              ("active", "active", "pending"))
        pct, _ = _site(s, shop, "500 Main St 100% Plaza_B", 32.7800, -96.8000)
        pct_decoy, _ = _site(s, shop, "500 Main St 1000 Plaza-B", 32.7801, -96.8001)
        gone, gone_cams = _site(s, jane, "77 Gone Ave", 32.79, -96.81, ("withdrawn",))
        pending, _ = _site(s, shop, "88 Pending Rd", 32.80, -96.82, ("pending", "rejected"))
        s.flush()
        ids = {"elm": elm.id, "elm_cam": elm_cams[0].id, "elm_pending_cam": elm_cams[2].id, "pct": pct.id,
               "pct_decoy": pct_decoy.id, "gone": gone.id, "gone_cam": gone_cams[0].id, "pending": pending.id}
    return ids


def test_address_match_is_case_insensitive_and_labelled_by_block(db, places):
    with db.session() as s:
        hits = search_sites(s, "  ELM   st ")
    assert [h.site_id for h in hits] == [places["elm"]]
    hit = hits[0]
    assert hit.label == "1200 block of Elm St" and "1234" not in hit.label
    assert hit.cameras == 2 and hit.division == "CENTRAL"
    assert (hit.latitude, hit.longitude) == (32.7810, -96.7990)


def test_percent_and_underscore_are_literal(db, places):
    with db.session() as s:
        assert [h.site_id for h in search_sites(s, "100% plaza_b")] == [places["pct"]]
        assert [h.site_id for h in search_sites(s, "100%")] == [places["pct"]]
        assert [h.site_id for h in search_sites(s, "plaza_")] == [places["pct"]]
        assert search_sites(s, "%%") == [] and search_sites(s, "__") == []
        assert search_sites(s, "\\%") == []


def test_sites_without_an_active_camera_are_not_found(db, places):
    with db.session() as s:
        assert search_sites(s, "Gone Ave") == []
        assert search_sites(s, "Pending") == []
        assert search_sites(s, f"#{places['gone_cam']}") == []
        assert search_sites(s, f"#{places['elm_pending_cam']}") == []  # a pending camera at an active site
        assert site_hit(s, places["gone"]) is None
        assert site_hit(s, places["elm"]).cameras == 2


@pytest.mark.parametrize("query", ["Jane", "Elmwood", "Jane Elmwood", "jane.elm@example.com", "example.com",
                                   "donuts", "Donuts_Co", "214-555-0100"])
def test_owner_names_emails_and_phones_find_nothing(db, places, query):
    with db.session() as s:
        assert search_sites(s, query) == []


def test_camera_number(db, places):
    with db.session() as s:
        by_hash = search_sites(s, f"#{places['elm_cam']}")
        by_number = search_sites(s, f"{places['elm_cam']:03d}")  # the bare number (2+ characters)
        assert search_sites(s, "#999999") == []
    assert [h.site_id for h in by_hash] == [places["elm"]]
    assert by_number and by_number[0].site_id == places["elm"]


def test_limit_and_only_active_sites_of_a_wider_match(db, places):
    with db.session() as s:
        hits = search_sites(s, "main st")
        assert {h.site_id for h in hits} == {places["pct"], places["pct_decoy"]}
        assert len(search_sites(s, "main st", limit=1)) == 1


@pytest.mark.parametrize("query", ["", " ", "a", "  b  ", "x" * 101])
def test_query_length_is_checked(db, query):
    with db.session() as s, pytest.raises(SearchQueryError) as err:
        search_sites(s, query)
    assert "characters" in str(err.value)


def test_hundred_characters_is_allowed(db, places):
    with db.session() as s:
        assert search_sites(s, "y" * 100) == []


@pytest.mark.parametrize(("query", "message"), [
    ({"$ne": ""}, "Type a street address"), (["main"], "Type a street address"), (123, "Type a street address"),
    ("main\x00st", "control characters"), ("elm\x1bst", "control characters"),
])
def test_crafted_queries_are_refused_with_a_message(db, places, query, message):
    """A callback payload can carry anything: it is refused before it reaches the database."""
    with db.session() as s, pytest.raises(SearchQueryError) as err:
        search_sites(s, query)
    assert message in str(err.value)


def test_roles_without_owner_details_search_by_hundred_block(db):
    """docs/precision.md: a typed house number never confirms one house; the position is the block's."""
    with db.session() as s:
        owner = Owner(owner_type="resident", name="R", email="r@example.com")
        s.add(owner)
        house, _ = _site(s, owner, "2012 Ross Ave, Dallas, TX 75201", 32.789412, -96.798765)
        _site(s, owner, "2150 Ross Ave, Dallas, TX 75201", 32.79, -96.79)
        s.flush()
        for query in ("2012 ross ave", "2000 ross ave", "2099 ross"):
            hits = search_sites(s, query)
            assert [h.site_id for h in hits] == [house.id], query
            assert (hits[0].latitude, hits[0].longitude) == (32.789, -96.799)
            assert hits[0].label == "2000 block of Ross Ave"
        assert search_sites(s, "2012") == []  # a bare house number is a camera number, not a substring
        assert search_sites(s, "1900 ross ave") == []
        precise = search_sites(s, "2012 ross", precise=True)
        assert [h.site_id for h in precise] == [house.id] and precise[0].latitude == 32.789412
        assert search_sites(s, "2000 ross", precise=True) == []  # an exact search matches what was typed
        assert site_hit(s, house.id).latitude == 32.789 and site_hit(s, house.id, precise=True).latitude == 32.789412
