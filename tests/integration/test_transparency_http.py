"""GET /transparency and /transparency.json: public, English and Spanish, suppressed small
counts, rate limited, and nothing in them that points at an owner or a camera."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
from sqlalchemy import func, select

from dashboard.audit import chain as audit
from dashboard.config_schema import PurposesSection
from dashboard.models import Camera, CameraSite, Owner, utcnow
from dashboard.tools.seed import seed_demo
from tests.transparency_data import publish_report, seed_history


@pytest.fixture
def publish(app):
    """Run what the transparency-report job runs; the routes then serve that report."""
    return lambda: publish_report(app)


def _reveals(db, n: int, category: str, days_ago: float = 1) -> None:
    with db.session() as s:
        for i in range(n):
            audit.record(s, "owner_reveal", username="detective1", object_type="camera", object_id=i + 1,
                         case_number=f"26-00{i:05d}", reason="canvass", category=category,
                         at=utcnow() - timedelta(days=days_ago))


def test_both_routes_are_public(client, publish):
    publish()
    page = client.get("/transparency")
    assert page.status_code == 200 and page.mimetype == "text/html"
    assert "How the camera registry is used" in page.get_data(as_text=True)
    data = client.get("/transparency.json")
    assert data.status_code == 200 and data.is_json
    assert set(data.get_json()) >= {"registry", "activity", "purposes", "retention", "audit_chain"}
    css = client.get("/transparency/static/transparency.css")
    assert css.status_code == 200 and "text/css" in css.content_type


def test_only_those_routes_are_public(client):
    response = client.get("/transparency/anything")
    assert response.status_code == 302 and "/login" in response.headers["Location"]


def test_the_page_has_no_script_and_no_inline_style(client, publish):
    publish()
    html = client.get("/transparency").get_data(as_text=True)
    assert "<script" not in html and "style=" not in html and "<style" not in html
    assert "<svg" in html and html.count('class="bar') == 7 * 12


@pytest.mark.parametrize("how", ["query", "header"])
def test_spanish(client, how, publish):
    publish()
    response = client.get("/transparency?lang=es") if how == "query" else \
        client.get("/transparency", headers={"Accept-Language": "es-MX,es;q=0.9,en;q=0.5"})
    html = response.get_data(as_text=True)
    assert '<html lang="es">' in html
    assert "Cómo se usa el registro de cámaras" in html and "Usos prohibidos" in html
    assert "How the camera registry is used" not in html
    assert "Accept-Language" in response.headers["Vary"]


def test_english_by_default_and_when_asked(client, publish):
    publish()
    assert '<html lang="en">' in client.get("/transparency").get_data(as_text=True)
    html = client.get("/transparency?lang=en", headers={"Accept-Language": "es"}).get_data(as_text=True)
    assert '<html lang="en">' in html and "Prohibited uses" in html


def _row(html: str, metric: str) -> str:
    match = re.search(rf'<tr data-metric="{metric}">(.*?)</tr>', html, re.S)
    assert match, metric
    return match.group(1)


def test_small_counts_are_published_as_fewer_than_five(db, client, publish):
    _reveals(db, 3, "burglary")
    with db.session() as s:
        for _ in range(7):
            audit.record(s, "canvass_export", username="detective1", object_type="incident", object_id="260000001",
                         case_number="26-0000001", category="theft", detail={"with_owner": False},
                         at=utcnow() - timedelta(days=2))
    publish()
    data = client.get("/transparency.json").get_json()
    recent = data["activity"]["last_30_days"]
    assert recent["owner_contact_reveals"]["total"] == {"count": None, "suppressed": True}
    assert recent["owner_contact_reveals"]["by_category"]["burglary"] == {"count": None, "suppressed": True}
    assert recent["exports"]["total"] == {"count": 7, "suppressed": False}
    assert recent["live_views"]["total"] == {"count": 0, "suppressed": False}

    html = client.get("/transparency").get_data(as_text=True)
    reveals, exports = _row(html, "owner_contact_reveals"), _row(html, "exports")
    assert reveals.count("fewer than 5") == 2 and ">3<" not in reveals
    assert '<td data-window="last_30_days">7</td>' in exports
    es = client.get("/transparency?lang=es").get_data(as_text=True)
    assert _row(es, "owner_contact_reveals").count("menos de 5") == 2


def test_figures_are_cached(db, client, publish):
    _reveals(db, 6, "robbery")
    publish()
    first = client.get("/transparency.json").get_json()
    _reveals(db, 6, "robbery")  # not visible until the job runs again (every cache_seconds, default 300 s)
    assert client.get("/transparency.json").get_json() == first
    assert first["activity"]["last_30_days"]["owner_contact_reveals"]["total"]["count"] == 6
    assert client.get("/transparency").headers["Cache-Control"] == "public, max-age=300"
    publish()
    assert client.get("/transparency.json").get_json()["activity"]["last_30_days"]["owner_contact_reveals"][
        "total"]["count"] == 12


def test_before_the_first_report_the_routes_say_it_is_being_prepared(client):
    page = client.get("/transparency?lang=es")
    assert page.status_code == 503 and page.headers["Retry-After"] == "60"
    assert "Las cifras se están preparando" in page.get_data(as_text=True)
    data = client.get("/transparency.json")
    assert data.status_code == 503 and data.get_json()["error"] == "unavailable"


def test_a_public_request_never_computes_the_report(db, client, publish):
    """With a report stored, the routes read neither the audit log nor the registry."""
    from sqlalchemy import event

    _reveals(db, 6, "robbery")
    publish()
    assert client.get("/transparency.json").status_code == 200  # loaded into the process
    statements: list[str] = []
    listener = lambda *args: statements.append(args[2])  # noqa: E731
    engine = client.application.extensions["connect_dallas"].db.engine
    event.listen(engine, "before_cursor_execute", listener)
    try:
        for path in ("/transparency", "/transparency.json", "/transparency?lang=es") * 5:
            assert client.get(path).status_code == 200
    finally:
        event.remove(engine, "before_cursor_execute", listener)
    assert not [q for q in statements if "audit_events" in q or "cameras" in q], statements[:3]


@pytest.mark.parametrize("settings_overrides", [{"extra": {"transparency": {"rate_limit": "3 per minute"}}}])
def test_rate_limited(client, publish):
    publish()
    codes = [client.get("/transparency.json").status_code for _ in range(4)]
    assert codes == [200, 200, 200, 429]
    limited = client.get("/transparency.json")
    assert limited.status_code == 429 and limited.get_json()["error"] == "rate_limited"
    assert client.get("/transparency").status_code == 429  # one budget for the page and the JSON
    assert client.get("/healthz").status_code == 200


@pytest.mark.parametrize("settings_overrides", [{"purposes": PurposesSection(
    offense_categories=("Burglary", "Arson"), prohibited_uses={"en": ("No drones.",), "es": ("Sin drones.",)})}])
def test_configured_purposes_are_published(client, publish):
    publish()
    data = client.get("/transparency.json").get_json()
    assert data["purposes"]["offense_categories"] == ["burglary", "arson"]
    assert data["purposes"]["prohibited_uses"] == {"en": ["No drones."], "es": ["Sin drones."]}
    assert "Sin drones." in client.get("/transparency?lang=es").get_data(as_text=True)


def _personal_data(db) -> set[str]:
    values: set[str] = set()
    with db.session() as s:
        for owner in s.scalars(select(Owner)):
            values |= {v for v in (owner.name, owner.contact_person, owner.email, owner.phone, owner.address) if v}
        for site in s.scalars(select(CameraSite)):
            if site.address:
                values.add(site.address)
            for lat_lon in (site.latitude, site.longitude):
                values |= {repr(lat_lon), f"{lat_lon:.5f}", f"{lat_lon:.4f}"}
        values |= {c.label for c in s.scalars(select(Camera)) if len(c.label) > 12}  # owners' own words
    return values


def test_no_personal_data_or_positions_anywhere(db, client, make_user, publish):
    seed_demo(db, cameras=150, incidents=5, seed=21, demo_users=False)
    now = utcnow()
    seed_history(db, now, events=120, requests=20)
    case_numbers = {f"26-{i:05d}" for i in range(120)} | {f"26-F{i:04d}" for i in range(1, 21)}
    secrets = _personal_data(db) | case_numbers | {f"officer{i}" for i in range(7)}
    assert len(secrets) > 500
    publish()
    pages = [client.get("/transparency").get_data(as_text=True), client.get("/transparency?lang=es").get_data(
        as_text=True), client.get("/transparency.json").get_data(as_text=True)]
    data = client.get("/transparency.json").get_json()
    with db.session() as s:  # the registry is really there
        active = s.scalar(select(func.count()).select_from(Camera).where(Camera.status == "active"))
    assert data["registry"]["cameras"]["total"]["count"] == active > 100
    for text in pages:
        found = sorted(v for v in secrets if v in text)
        assert found == [], found[:5]
        # no coordinate in the Dallas area at all (times' seconds, e.g. 07:31:32.554884Z, are not positions)
        assert not re.search(r"-?\b(32|33|96|97)\.\d{4,}", re.sub(r"\d\d:\d\d:\d\d\.\d+", "", text))
        assert not re.search(r"@example\.(com|org|net)", text)


def test_the_worker_job_publishes_the_report(app, client, db):
    from dashboard.jobs.registry import JOBS
    from dashboard.jobs.worker import Worker

    assert client.get("/transparency.json").status_code == 503
    _reveals(db, 5, "homicide")
    services = app.server.extensions["connect_dallas"]
    worker = Worker(services, jobs=tuple(job for job in JOBS if job.name == "transparency-report"))
    assert worker.run_job(worker.jobs[0]) is True
    app.server.extensions["transparency_report"].invalidate()  # else within RELOAD_SECONDS
    data = client.get("/transparency.json").get_json()
    assert data["activity"]["last_30_days"]["owner_contact_reveals"]["by_category"]["homicide"]["count"] == 5
