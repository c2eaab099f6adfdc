"""/live/...: opening, renewing and ending live views, and the relayed streams (signed in only;
the login gate covers every path here). Thin: the grants service decides, the relay streams.

  POST /live/grants                      {"camera_id": 12, "purpose": {...}} -> 201 the grant and its URLs
  POST /live/grants/<token>/renew        -> 200 the new expiry
  POST /live/grants/<token>/end          -> 200
  GET  /live/s/<token>/status            -> 200 seconds left, or the reason it ended
  GET  /live/s/<token>/index.m3u8        HLS devices: the playlist, every URI pointing back here
  GET  /live/s/<token>/hls/<key>.<ext>   a variant playlist or a segment
  GET  /live/s/<token>/rtsp/<n>.ts       RTSP devices: segment n, remuxed from the device's H.264
  GET  /live/s/<token>/mjpeg             MJPEG devices: multipart/x-mixed-replace of JPEG frames
  GET  /live/s/<token>/frame.jpg         MJPEG devices: the latest frame (for tiles that poll)

Errors answer JSON {"error": code, "message": sentence}: 403/404/410/422 for refusals, 504
{"error": "camera_offline"} when the device does not answer within the timeouts (503 when the
relay is at its connection limit).
"""

from __future__ import annotations

from flask import Blueprint, Response, current_app, jsonify, request
from flask_login import current_user

from auth.views import client_addr
from dashboard.models import utcnow

from .grants import IssuedGrant, end_live_view, open_live_view, renew_live_view, run_audited
from .policy import LiveRefused
from .relay import LiveRelay
from .settings import live_settings
from .streams import PLAYLIST_KINDS
from .upstream import CameraOffline

bp = Blueprint("live", __name__, url_prefix="/live")
EXTENSION = "connect_dallas_live"


@bp.record_once
def _start_relay(state) -> None:
    services = state.app.extensions["connect_dallas"]
    state.app.extensions[EXTENSION] = LiveRelay(services.db, live_settings(state.app.config["SETTINGS"]))


def _relay() -> LiveRelay:
    return current_app.extensions[EXTENSION]


def _user():
    return current_user._get_current_object()  # a plain object: streams outlive the request context


@bp.after_request
def _private(response):
    # nosniff and no-referrer (relay URLs carry the grant's token): dashboard/security_headers.py
    response.headers["Cache-Control"] = "no-store"
    return response


@bp.errorhandler(LiveRefused)
def _refused(exc: LiveRefused):
    return jsonify({"error": exc.code, "message": exc.message}), exc.status


@bp.errorhandler(CameraOffline)
def _offline(exc: CameraOffline):
    code = "relay_busy" if exc.busy else "camera_offline"
    return jsonify({"error": code, "message": exc.message}), 503 if exc.busy else 504


def _grant_body(issued: IssuedGrant) -> dict:
    base = f"/live/s/{issued.token}"
    player = f"{base}/index.m3u8" if issued.stream_kind in PLAYLIST_KINDS else f"{base}/mjpeg"
    return {"grant_id": issued.grant_id, "camera_id": issued.camera_id, "kind": issued.stream_kind,
            "started_at": issued.started_at.isoformat(), "expires_at": issued.expires_at.isoformat(),
            "seconds_left": max(0, int((issued.expires_at - utcnow()).total_seconds())),
            "player_url": player, "status_url": f"{base}/status",
            "snapshot_url": f"{base}/frame.jpg" if issued.stream_kind == "mjpeg" else None,
            "renew_url": f"/live/grants/{issued.token}/renew", "end_url": f"/live/grants/{issued.token}/end"}


@bp.post("/grants")
def open_grant():
    body = request.get_json(silent=True)
    if not isinstance(body, dict):
        return jsonify({"error": "bad_request", "message": "Send a JSON object with camera_id and purpose."}), 400
    relay, user, addr = _relay(), _user(), client_addr()
    issued = run_audited(relay.db, lambda s: open_live_view(
        s, user, body.get("camera_id"), body.get("purpose"), relay.settings, client_addr=addr))
    return jsonify(_grant_body(issued)), 201


@bp.post("/grants/<token>/renew")
def renew_grant(token: str):
    relay, user, addr = _relay(), _user(), client_addr()
    issued = run_audited(relay.db, lambda s: renew_live_view(s, user, token, relay.settings, client_addr=addr))
    relay.forget(user, token)
    return jsonify(_grant_body(issued))


@bp.post("/grants/<token>/end")
def end_grant(token: str):
    relay, user = _relay(), _user()
    ended = run_audited(relay.db, lambda s: end_live_view(s, user, token))
    relay.forget(user, token)
    return jsonify({"ended": ended})


@bp.get("/s/<token>/status")
def status(token: str):
    active = _relay().grant(_user(), token)
    return jsonify({"camera_id": active.camera_id, "kind": active.stream_kind,
                    "expires_at": active.expires_at.isoformat(),
                    "seconds_left": max(0, int((active.expires_at - utcnow()).total_seconds()))})


@bp.get("/s/<token>/index.m3u8")
def playlist(token: str):
    relay = _relay()
    active = relay.grant(_user(), token)
    if active.stream_kind not in PLAYLIST_KINDS:
        raise LiveRefused("This camera streams MJPEG: open its /mjpeg address.", code="wrong_kind", status=404)
    if active.stream_kind == "rtsp":
        body = relay.rtsp.playlist(active.camera_id, active.stream_url, f"/live/s/{token}")
    else:
        body = relay.hls.playlist(active.camera_id, active.stream_url, f"/live/s/{token}")
    return Response(body, mimetype="application/vnd.apple.mpegurl")


@bp.get("/s/<token>/rtsp/<int:number>.ts")
def rtsp_segment(token: str, number: int):
    relay = _relay()
    active = relay.grant(_user(), token)
    if active.stream_kind != "rtsp":
        raise LiveRefused("This camera does not stream RTSP.", code="wrong_kind", status=404)
    return Response(relay.rtsp.segment(active.camera_id, number), mimetype="video/mp2t")


@bp.get("/s/<token>/hls/<key>.<ext>")
def hls_part(token: str, key: str, ext: str):
    relay = _relay()
    active = relay.grant(_user(), token)
    if active.stream_kind != "hls":
        raise LiveRefused("This camera does not stream HLS.", code="wrong_kind", status=404)
    if ext.lower() == "m3u8":
        body = relay.hls.playlist(active.camera_id, active.stream_url, f"/live/s/{token}", key=key)
        return Response(body, mimetype="application/vnd.apple.mpegurl")
    data, content_type = relay.hls.segment(active.camera_id, key)
    return Response(data, mimetype=content_type)


@bp.get("/s/<token>/mjpeg")
def mjpeg(token: str):
    relay, user = _relay(), _user()
    active = relay.grant(user, token)
    if active.stream_kind != "mjpeg":
        raise LiveRefused("This camera streams video: open its index.m3u8 address.", code="wrong_kind", status=404)
    frames = relay.mjpeg_stream(active, user, token)
    return Response(frames,
                    mimetype="multipart/x-mixed-replace; boundary=frame", direct_passthrough=True)


@bp.get("/s/<token>/frame.jpg")
def snapshot(token: str):
    relay = _relay()
    active = relay.grant(_user(), token)
    if active.stream_kind != "mjpeg":
        raise LiveRefused("This camera streams HLS: open its index.m3u8 address.", code="wrong_kind", status=404)
    return Response(relay.snapshot(active), mimetype="image/jpeg")
