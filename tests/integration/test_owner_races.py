"""Issue 15 item 4 in the owners' area, with real concurrency: threads posting through the app
at once against the real database (the PostgreSQL leg is the one that matters: there the
requests truly run side by side; SQLite serializes writers)."""

from __future__ import annotations

import threading
from concurrent.futures import ThreadPoolExecutor

import pytest
from sqlalchemy import func, select

from dashboard.models import Camera, CameraSite
from dashboard.models.registration import Registration
from tests.owner_support import csrf, last_link, open_link, registration_form

pytestmark = pytest.mark.slow


def _at_once(calls):
    """Run the callables in threads released together; their results in order."""
    barrier = threading.Barrier(len(calls))

    def run(call):
        barrier.wait()
        return call()

    with ThreadPoolExecutor(len(calls)) as pool:
        return list(pool.map(run, calls))


def _count(db, query) -> int:
    with db.session() as s:
        return s.scalar(query)


class TestConfirmOpenedFourTimes:
    @pytest.fixture
    def settings_overrides(self):
        return {"registration_auto_approve": True}

    def test_one_confirmation_acts(self, app, db):
        owner = app.server.test_client()
        response = owner.post("/register", data=registration_form(csrf(owner), cameras=2))
        assert response.status_code == 200
        link = last_link(db, "confirm")
        clients = [app.server.test_client() for _ in range(4)]
        # each opens the page (a GET changes nothing), then all four press its button at once
        tokens = [csrf(c, link) for c in clients]
        statuses = sorted(r.status_code for r in _at_once([lambda c=c, t=t: c.post(link, data={"csrf_token": t})
                                                           for c, t in zip(clients, tokens, strict=True)]))
        assert statuses == [200, 404, 404, 404]
        assert _count(db, select(func.count()).select_from(CameraSite)) == 1
        assert _count(db, select(func.count()).select_from(Camera).where(Camera.status == "active")) == 2


def test_same_registration_posted_six_times_at_once(app, db):
    clients = [app.server.test_client() for _ in range(6)]
    forms = [registration_form(csrf(c)) for c in clients]
    responses = _at_once([lambda c=c, f=f: c.post("/register", data=f) for c, f in zip(clients, forms, strict=True)])
    assert [r.status_code for r in responses] == [200] * 6, [r.get_data(as_text=True)[:300] for r in responses]
    assert all('id="check-email"' in r.get_data(as_text=True) for r in responses)
    assert _count(db, select(func.count()).select_from(Registration)) == 1
    # the newest link works once; the registration ends up with one site and one camera
    owner = app.server.test_client()
    assert open_link(owner, last_link(db, "confirm")).status_code == 200
    assert _count(db, select(func.count()).select_from(Camera)) == 1
