"""A newcomer's first screen: demo calls stand next to cameras, co-located cameras are drawn
apart at street zoom, a deep link's first draw is its own view, footage left reads in days,
and `make run`'s welcome names a CAD token that exists."""

from __future__ import annotations

from datetime import UTC, datetime

import pandas as pd
import pytest
from sqlalchemy import select

from callbacks.map_view import START_VIEW_PX, viewport_for
from dashboard.config import load_settings, public_base_url_for
from dashboard.db import Database
from dashboard.demo.cad_token import demo_cad_token, with_demo_cad_token
from dashboard.demo.mailbox import body_parts, links
from dashboard.demo.welcome import demo_welcome
from dashboard.geo.geography import get_geography, haversine_m
from dashboard.models import Base, Camera, CameraSite, Incident
from dashboard.registry.mapview import Viewport
from dashboard.registry.spread import spread_colocated
from dashboard.tools.demo_incidents import INCIDENTS_CSV, NEAR_SITE_M
from dashboard.tools.seed import seed_demo
from layouts.incidents import footage_left

NOW = datetime(2026, 3, 1, 12, 0, tzinfo=UTC)


@pytest.fixture
def db(tmp_path):
    database = Database(f"sqlite:///{tmp_path}/t.db")
    Base.metadata.create_all(database.engine)
    yield database
    database.dispose()


# -- demo incidents beside cameras ----------------------------------------------------------------
def test_every_demo_incident_has_an_active_camera_site_within_the_offset(db):
    seed_demo(db, cameras=1500, incidents=60, seed=5, demo_users=False, now=NOW)
    sample = pd.read_csv(INCIDENTS_CSV, dtype=str).drop_duplicates("incident_number")
    real_calls = set(sample["call_problem"].dropna().str.strip())
    with db.session() as s:
        sites = s.execute(select(CameraSite.latitude, CameraSite.longitude).where(CameraSite.id.in_(
            select(Camera.site_id).where(Camera.status == "active")))).all()
        incidents = s.scalars(select(Incident)).all()
    assert len(incidents) == 60
    geo = get_geography()
    for inc in incidents:
        nearest = min(haversine_m(inc.latitude, inc.longitude, la, lo) for la, lo in sites)
        assert nearest <= NEAR_SITE_M[1] + 1, (inc.incident_number, nearest)
        assert geo.locate(inc.latitude, inc.longitude).outside_city_m < 200
        assert inc.beat and inc.division and inc.location
    # real call types kept: the code before " - " is one of the sample's
    codes = {c.split(" - ")[0] for c in real_calls}
    assert all(inc.nature_of_call.split(" - ")[0] in codes for inc in incidents)


def test_placement_is_deterministic(tmp_path):
    positions = []
    for name in ("a", "b"):
        database = Database(f"sqlite:///{tmp_path}/{name}.db")
        Base.metadata.create_all(database.engine)
        seed_demo(database, cameras=400, incidents=20, seed=9, demo_users=False, now=NOW)
        with database.session() as s:
            positions.append(s.execute(select(Incident.incident_number, Incident.latitude, Incident.longitude)
                                       .order_by(Incident.id)).all())
        database.dispose()
    assert positions[0] == positions[1]


# -- co-located cameras -----------------------------------------------------------------------------
def _point(cid, lon, lat, **props):
    return {"type": "Feature", "geometry": {"type": "Point", "coordinates": [lon, lat]},
            "properties": {"id": cid, **props}}


def test_cameras_sharing_a_position_are_spread_on_a_circle_in_id_order():
    site = (-96.8, 32.78)
    layer = {"type": "FeatureCollection", "meta": {"total": 12},
             "features": [_point(i, *site) for i in (12, 3, 7, 9, 1, 4, 5, 6, 8, 10, 11, 2)]
             + [_point(99, -96.7, 32.7), {"type": "Feature", "geometry": {"type": "Point",
                                                                           "coordinates": [-96.9, 32.9]},
                                        "properties": {"cluster": True, "n": 40}}]}
    out = spread_colocated(layer, 18)
    assert out["meta"] == layer["meta"] and len(out["features"]) == len(layer["features"])
    moved = [f for f in out["features"] if f["properties"].get("site")]
    assert len(moved) == 12 and {f["properties"]["k"] for f in moved} == {12}
    positions = {tuple(f["geometry"]["coordinates"]) for f in moved}
    assert len(positions) == 12  # every camera has its own place
    distances = [haversine_m(lat, lon, site[1], site[0]) for lon, lat in positions]
    assert max(distances) - min(distances) < 0.5 and 5 < distances[0] < 30  # one circle, metres at z18
    by_id = {f["properties"]["id"]: tuple(f["geometry"]["coordinates"]) for f in moved}
    assert by_id[1][1] > site[1] and abs(by_id[1][0] - site[0]) < 1e-9  # the lowest id on top (north)
    assert spread_colocated(layer, 18) == out  # deterministic
    alone = [f for f in out["features"] if f["properties"].get("id") == 99][0]
    assert alone["geometry"]["coordinates"] == [-96.7, 32.7] and "site" not in alone["properties"]


def test_nothing_to_spread_returns_the_layer_itself():
    layer = {"type": "FeatureCollection", "features": [_point(1, -96.8, 32.78), _point(2, -96.81, 32.78)]}
    assert spread_colocated(layer, 18) is layer


# -- the first draw of a deep link -----------------------------------------------------------------
def test_missing_bounds_give_the_deep_links_own_view(settings):
    center = {"lat": 32.7801, "lng": -96.7990}
    vp = viewport_for(None, 18, center, settings)
    assert vp == Viewport.around((32.7801, -96.7990), 18, *START_VIEW_PX)
    assert vp.north - vp.south < 0.02  # a street, not the city


def test_the_start_views_bounds_reported_with_a_street_zoom_are_ignored(settings):
    city = [[32.61, -97.0], [33.02, -96.55]]
    vp = viewport_for(city, 18, [32.7801, -96.7990], settings)
    assert vp.zoom == 18 and vp.north - vp.south < 0.02


def test_real_bounds_are_used_when_they_fit_the_zoom(settings):
    bounds = [[32.775, -96.805], [32.785, -96.795]]
    vp = viewport_for(bounds, 17, [32.78, -96.80], settings)
    assert (vp.south, vp.west, vp.north, vp.east, vp.zoom) == (32.775, -96.805, 32.785, -96.795, 17)
    city = [[32.61, -97.0], [33.02, -96.55]]
    assert viewport_for(city, 11, None, settings).north == 33.02  # city-wide at city zoom: as reported


@pytest.mark.parametrize("bounds", [[[1, 2]], "x", [[33, -96], [32, -97]], [[None, 1], [2, 3]]])
def test_malformed_bounds_fall_back_to_the_computed_view(settings, bounds):
    assert viewport_for(bounds, 16, [32.78, -96.80], settings) == Viewport.around((32.78, -96.80), 16, *START_VIEW_PX)


# -- finishing touches ----------------------------------------------------------------------------
@pytest.mark.parametrize(("hours", "text"), [(2, "2 h"), (47.4, "47 h"), (48, "2 days"), (336, "14 days"),
                                             (167, "7 days")])
def test_footage_left_reads_in_days_beyond_two_days(hours, text):
    assert footage_left(hours) == text


# -- make run ------------------------------------------------------------------------------------
def test_public_base_url_follows_host_and_port():
    assert public_base_url_for("127.0.0.1", 8123) == "http://127.0.0.1:8123"
    assert public_base_url_for("0.0.0.0", 9000) == "http://127.0.0.1:9000"  # noqa: S104
    assert public_base_url_for("::1", 9000) == "http://[::1]:9000"
    assert load_settings(environ={"PORT": "8765"}).public_base_url == "http://127.0.0.1:8765"
    explicit = load_settings(environ={"PORT": "8765", "PUBLIC_BASE_URL": "https://cameras.example.gov/"})
    assert explicit.public_base_url == "https://cameras.example.gov"


def test_demo_token_is_kept_and_only_in_demo_mode_without_tokens(tmp_path):
    config = tmp_path / "config.yaml"
    config.write_text("env: demo\n")
    demo = load_settings(config, environ={})
    with_token = with_demo_cad_token(demo)
    token = with_token.api_tokens[0]
    assert token.startswith("demo-") and len(token) > 30 and demo_cad_token(demo) == token  # kept
    assert (tmp_path / "instance" / ".demo_cad_token").stat().st_mode & 0o077 == 0
    configured = load_settings(config, environ={"CAD_API_TOKENS": "mine"})
    assert with_demo_cad_token(configured).api_tokens == ("mine",)
    production = load_settings(config, environ={"SECRET_KEY": "x" * 40}, overrides={"env": "production"})
    assert with_demo_cad_token(production).api_tokens == ()
    text = demo_welcome(with_token, with_token.public_base_url)
    assert f"Demo CAD token: {token}" in text and "/demo/mail" in text
    assert f"curl -s -X POST {with_token.public_base_url}/api/v1/incidents -H 'Authorization: Bearer {token}'" in text
    assert "demo-admin-2026" in text


def test_mailbox_links_only_to_this_server():
    base = "http://127.0.0.1:8050"
    body = f"Open {base}/register/confirm/abc. Or http://evil.example/{base}/x and ({base}/register)"
    assert links(body, base) == [f"{base}/register/confirm/abc", f"{base}/register"]
    assert "".join(p.text for p in body_parts(body, base)) == body
    assert links("see http://127.0.0.1:80500/x", base) == []
