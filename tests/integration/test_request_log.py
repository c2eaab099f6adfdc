"""Request ids: every response says X-Request-ID, and every log line of that request carries it."""

from __future__ import annotations

import io
import logging
import re

from dashboard.logs import RequestIdFilter, configure_logging, logging_config


def test_every_response_has_a_request_id(client):
    first, second = client.get("/healthz"), client.get("/login")
    ids = [first.headers.get("X-Request-ID"), second.headers.get("X-Request-ID")]
    assert all(re.fullmatch(r"[0-9a-f]{32}", i or "") for i in ids) and ids[0] != ids[1]
    refused = client.get("/api/v1/incidents")  # the gate answers 401 before any view: still an id
    assert refused.status_code == 401 and refused.headers.get("X-Request-ID")


def test_a_proxys_request_id_is_kept_only_when_it_looks_like_one(client):
    assert client.get("/healthz", headers={"X-Request-ID": "lb-7f3a9c21"}).headers["X-Request-ID"] == "lb-7f3a9c21"
    for forged in ("<script>alert(1)</script>", "a" * 200, "short"):
        answer = client.get("/healthz", headers={"X-Request-ID": forged}).headers["X-Request-ID"]
        assert re.fullmatch(r"[0-9a-f]{32}", answer)


def test_log_lines_of_a_request_carry_its_id(app, login_as):
    stream = io.StringIO()
    handler = logging.StreamHandler(stream)
    handler.addFilter(RequestIdFilter())
    handler.setFormatter(logging.Formatter(logging_config()["formatters"]["plain"]["format"]))
    log = logging.getLogger("tests.request_log")
    log.addHandler(handler)
    log.setLevel(logging.INFO)

    @app.server.get("/log-something")  # a throwaway route on a real app: the hooks are the real ones
    def log_something():
        log.info("inside the request")
        return "ok"

    client = login_as("analyst")
    try:
        response = client.get("/log-something", headers={"X-Request-ID": "trace-12345678"})
        log.info("outside any request")
    finally:
        log.removeHandler(handler)
    assert response.status_code == 200
    lines = stream.getvalue().splitlines()
    assert lines[0].endswith("[trace-12345678] tests.request_log: inside the request")
    assert lines[1].endswith("[-] tests.request_log: outside any request")


def test_configure_logging_is_the_one_place(capsys):
    configure_logging("INFO")
    try:
        logging.getLogger("dashboard.anything").info("hello")
        err = capsys.readouterr().err
        assert re.search(r" INFO \[-\] dashboard\.anything: hello$", err.strip())
    finally:
        logging.getLogger().handlers.clear()
