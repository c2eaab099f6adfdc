"""A database that cannot be reached answers 503 with Retry-After (JSON for the API and for
Dash callbacks), never a 500, and stores nothing; the same app answers again once it is back.

The outage is real: the app's database is pointed at a port where no server listens."""

from __future__ import annotations

import json

import pytest
from sqlalchemy import func, select

from dashboard.db import Database
from dashboard.models import Incident
from tests.conftest import CAD_TOKEN, dash_headers, free_port

BEARER = {"Authorization": f"Bearer {CAD_TOKEN}"}
INCIDENT = {"incident_number": "25-0990001", "nature_of_call": "41/11R - Burg Res", "priority": 2,
            "latitude": 32.7767, "longitude": -96.797}


@pytest.fixture
def outage(services):
    """Point the app at a database nobody answers (no server on that port; a SQLite file that
    cannot be opened); the real one is put back afterwards."""
    real = services.db
    down_url = (f"postgresql+psycopg://postgres@127.0.0.1:{free_port()}/gone?connect_timeout=2"
                if real.dialect == "postgresql" else "sqlite:///file:no-such-database?mode=ro&uri=true")
    down = Database(down_url)

    def begin() -> Database:
        services.db = down
        return down

    yield begin
    services.db = real
    down.dispose()


def _post_incident(client):
    return client.post("/api/v1/incidents", data=json.dumps(INCIDENT),
                       headers={**BEARER, "Content-Type": "application/json"})


def test_api_answers_503_with_retry_after_then_recovers(client, services, outage):
    outage()
    down = _post_incident(client)
    assert down.status_code == 503 and down.headers["Retry-After"].isdigit()
    assert down.get_json()["error"] == "database_unavailable"
    assert client.get("/api/v1/incidents", headers=BEARER).status_code == 503
    assert client.get("/healthz").status_code == 503


def test_nothing_failed_is_stored_and_the_app_recovers(app, client, services, outage):
    real = services.db
    outage()
    assert _post_incident(client).status_code == 503
    services.db = real  # the database is back; the same app, no restart
    with real.session() as s:
        assert s.scalar(select(func.count()).select_from(Incident)) == 0
    assert _post_incident(client).status_code in (200, 201)


def test_dash_callbacks_get_a_json_503(app, login_as, services, outage):
    client = login_as("analyst")
    outage()
    body = {"output": "incident-list.children", "outputs": {"id": "incident-list", "property": "children"},
            "inputs": [], "changedPropIds": [], "state": []}
    down = client.post("/_dash-update-component", data=json.dumps(body), headers=dash_headers(client))
    assert down.status_code == 503 and down.is_json and down.headers["Retry-After"]
    assert "<html" not in down.get_data(as_text=True).lower()
