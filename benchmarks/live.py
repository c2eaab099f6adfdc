"""Benchmark 7: live video (issue 12). `python -m benchmarks --only live`.

The real server (`connect-dallas serve`, waitress) in its own process on a private copy of the
seeded 10k SQLite database, the real camera simulator (HLS, 1 s segments) in a process of its own, and
9 live cameras (`always`) around one open incident.

1. Ten video walls of those 9 cameras, watched at once: ten analyst sessions, each holding a grant
   per camera and playing each one as hls.js does (the playlist every second, each new segment
   once; in a process of their own, so that the process timing the polls is not slowed by their
   threads). Measured: upstream requests per camera and per segment (target: one stream per camera,
   i.e. every segment fetched from the device once however many viewers, the playlist at most
   once a second), and the server process's CPU (from /proc) while it relays.
2. The dashboard's incident poll (the real `poll_incidents` callback, ten sessions, 1 s) p95,
   first with no video (baseline, same server, same sessions), then while the walls play.
   Target: <= 1.5x.
3. Click to first frame in Chromium (when installed): from the click on "Video wall for the
   selected incident" to the first tile's `playing` event, in-page clock. Target <= 1.5 s.
   Baseline: the same relay playlist loaded by hls.js directly, no dashboard round trip.
"""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
import tempfile
import threading
import time
from dataclasses import dataclass

from .common import Report, table
from .incidents import PASSWORD, USERNAME, Dashboard, _percentile

TOKEN = "bench-cad-token-0123456789abcdef"
CAMERAS = 9
WALLS = 10
WATCH_S = 12.0
POLL_S = 1.0
POLL_SAMPLES_S = 10.0
INCIDENT = "BENCH-LIVE-0001"
AT = (32.7790, -96.8050)
CASE = {"kind": "case", "case_number": "25-0280079", "offense_category": "robbery",
        "reason": "benchmark: ten walls watching the same nine cameras"}
SEGMENT = re.compile(r"^(?!#)(\S+)$", re.M)


@dataclass
class LiveFigures:
    segments_served: int
    upstream_segments: int
    upstream_playlists_per_camera_s: float
    server_cpu_share: float
    idle_cpu_share: float
    client_cpu_share: float  # the ten players' HTTP and the simulator's encoding (the "devices"), own processes
    poll_p95_video_s: float
    poll_p95_plain_s: float
    first_frame_s: float | None
    direct_first_frame_s: float | None


def _cpu_seconds(pid: int) -> float:
    fields = open(f"/proc/{pid}/stat").read().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def _add_cameras(url: str, sim_base: str) -> list[int]:
    from datetime import UTC, datetime

    from dashboard.db import Database
    from dashboard.models import Camera, CameraSite, Incident, Owner

    db = Database(url)
    ids = []
    with db.session() as s:
        for i in range(CAMERAS):
            owner = Owner(owner_type="business", name=f"Bench owner {i}", email=f"bench{i}@example.org")
            site = CameraSite(owner=owner, address=f"{100 + i} Bench St", latitude=AT[0] + 0.0002 * (i - 4),
                              longitude=AT[1], division="CENTRAL", beat="131")
            camera = Camera(site=site, label=f"Bench {i}", camera_type="dome", status="active", live_access=True,
                            live_sharing="always", stream_url=f"{sim_base}/cam/bench{i}/index.m3u8")
            s.add_all([owner, site, camera])
            s.flush()
            ids.append(camera.id)
        now = datetime.now(UTC)
        s.add(Incident(incident_number=INCIDENT, nature_of_call="19 - Shooting", priority=3, status="Dispatched",
                       received_at=now, updated_at=now, latitude=AT[0], longitude=AT[1]))
    db.dispose()
    return ids


def _serve(url: str, port: int) -> subprocess.Popen:
    env = {k: v for k, v in os.environ.items() if k != "CONNECT_DALLAS_CONFIG"}  # the schema's defaults
    env.update(DATABASE_URL=url, SECRET_KEY="l" * 48, CAD_API_TOKENS=TOKEN)
    return subprocess.Popen([sys.executable, "-c", "from dashboard.cli import main; main()", "serve",
                             "--host", "127.0.0.1", "--port", str(port)], env=env, cwd=tempfile.gettempdir(),
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)


class Wall:
    """One analyst's wall: a grant per camera, each played like hls.js plays a live stream."""

    def __init__(self, base: str, board: Dashboard):
        self.base, self.board, self.players = base, board, []
        self.http = board.http
        self.segments = 0
        self.errors = 0

    def open(self, camera_ids: list[int]) -> None:
        for camera_id in camera_ids:
            r = self.board.http.post(self.base + "/live/grants", headers=self.board.headers, timeout=10,
                                     data=json.dumps({"camera_id": camera_id, "purpose": CASE}))
            assert r.status_code == 201, r.text[:300]
            self.players.append((r.json()["player_url"], set()))

    def play(self, stop: threading.Event) -> None:
        while not stop.is_set():
            for playlist, seen in self.players:
                try:
                    text = self.http.get(self.base + playlist, timeout=10).text
                    for uri in SEGMENT.findall(text):
                        if uri not in seen:
                            seen.add(uri)
                            if self.http.get(self.base + uri, timeout=10).status_code == 200:
                                self.segments += 1
                except Exception:  # noqa: BLE001 - counted; a benchmark run must finish
                    self.errors += 1
            stop.wait(1.0)


def _fork():
    import multiprocessing

    return multiprocessing.get_context("fork")


class _Simulator:
    """The camera simulator in a process of its own: the devices' encoding must not share the GIL
    of the process that times the polls (it did until 2026-12-01: the poll p95 then included waiting
    for the players' and the encoder's threads)."""

    def __init__(self):
        receive, send = _fork().Pipe(duplex=False)
        self.process = _fork().Process(target=_simulate, args=(send,), daemon=True)
        self.process.start()
        self.base_url = receive.recv()

    def stats(self) -> dict:
        import requests

        return requests.get(self.base_url + "/stats", timeout=10).json()

    def stop(self) -> None:
        self.process.terminate()
        self.process.join(10)


def _simulate(send) -> None:
    from dashboard.live.simulator import CameraSimulator, StreamSpec

    sim = CameraSimulator("127.0.0.1", 0, StreamSpec(fps=10, segment_seconds=1)).start()
    send.send(sim.base_url)
    threading.Event().wait()


def _play_walls(walls: list[Wall], seconds: float, send) -> None:
    """In a forked process: every wall plays for `seconds` on sessions of its own (the parent's
    keep-alive sockets stay the parent's); sends (segments, errors, CPU seconds)."""
    import requests

    for w in walls:
        w.http = requests.Session()
        w.http.cookies = w.board.http.cookies.copy()
    stop = threading.Event()
    threads = [threading.Thread(target=w.play, args=(stop,), daemon=True) for w in walls]
    for t in threads:
        t.start()
    time.sleep(seconds)
    stop.set()
    for t in threads:
        t.join(timeout=15)
    send.send((sum(w.segments for w in walls), sum(w.errors for w in walls), _cpu_seconds(os.getpid())))


MEDIANS: list[float] = []


def _poll_p95(boards: list[Dashboard], seconds: float) -> float:
    for b in boards:
        b.poll_times.clear()
    stop = threading.Event()

    def run(b: Dashboard) -> None:
        while not stop.wait(POLL_S):
            b.poll()

    threads = [threading.Thread(target=run, args=(b,), daemon=True) for b in boards]
    for t in threads:
        t.start()
    time.sleep(seconds)
    stop.set()
    for t in threads:
        t.join(timeout=15)
    times = [x for b in boards for x in b.poll_times]
    MEDIANS.append(_percentile(times, 0.5))  # printed beside the p95s: the p95 of ~100 polls is noisy
    return _percentile(times, 0.95)


def run(report: Report) -> LiveFigures:
    import requests

    from dashboard.app import create_app
    from dashboard.config import load_settings

    from .common import copy_of_seeded
    from .incidents import _poll_spec

    sim = _Simulator()
    with tempfile.TemporaryDirectory(prefix="connect_dallas_bench_live_") as workdir:
        url, _seed_s = copy_of_seeded(10_000, workdir)
        camera_ids = _add_cameras(url, sim.base_url)
        settings = load_settings(overrides={"database_url": url, "secret_key": "l" * 48, "env": "demo"}, environ={})
        spec = _poll_spec(create_app(settings))
        port = _free_port()
        server = _serve(url, port)
        base = f"http://127.0.0.1:{port}"
        try:
            _wait_up(base, requests)
            boards = [Dashboard(base, spec) for _ in range(WALLS)]
            for b in boards:
                b.login()
                b.poll()
            idle_cpu = _cpu_share(server.pid, 3.0)
            plain = _poll_p95(boards, POLL_SAMPLES_S)
            walls = [Wall(base, b) for b in boards]
            for w in walls:
                w.open(camera_ids)
            before = dict(sim.stats()["requests"])
            receive, send = _fork().Pipe(duplex=False)
            players = _fork().Process(target=_play_walls, args=(walls, WATCH_S, send), daemon=True)
            started = time.perf_counter()
            cpu0, sim0 = _cpu_seconds(server.pid), _cpu_seconds(sim.process.pid)
            players.start()
            with_video = _poll_p95(boards, WATCH_S)
            watched = time.perf_counter() - started
            cpu_share = (_cpu_seconds(server.pid) - cpu0) / watched
            sim_cpu = _cpu_seconds(sim.process.pid) - sim0
            served, errors, player_cpu = receive.recv()
            players.join(timeout=15)
            client_share = (sim_cpu + player_cpu) / watched
            elapsed = time.perf_counter() - started
            after = sim.stats()["requests"]
            first, direct = _first_frame(base, camera_ids[0])
        finally:
            server.terminate()
            server.wait(timeout=15)
            sim.stop()
    delta = {k: v - before.get(k, 0) for k, v in after.items() if v - before.get(k, 0) and k.startswith("/cam/")}
    upstream_segments = sum(v for k, v in delta.items() if k.endswith(".ts"))
    upstream_playlists = sum(v for k, v in delta.items() if k.endswith("index.m3u8"))
    figs = LiveFigures(served, upstream_segments, upstream_playlists / CAMERAS / elapsed, cpu_share, idle_cpu,
                       client_share, with_video, plain, first, direct)
    _print(figs, delta, errors)
    _verdicts(figs, report)
    return figs


def _free_port() -> int:
    import socket

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _wait_up(base: str, requests) -> None:
    for _ in range(300):
        try:
            if requests.get(base + "/healthz", timeout=1).status_code == 200:
                return
        except requests.RequestException:
            pass
        time.sleep(0.2)
    raise RuntimeError("the server did not start")


def _cpu_share(pid: int, seconds: float) -> float:
    c0, t0 = _cpu_seconds(pid), time.perf_counter()
    time.sleep(seconds)
    return (_cpu_seconds(pid) - c0) / (time.perf_counter() - t0)


def _first_frame(base: str, camera_id: int) -> tuple[float | None, float | None]:
    from . import browser

    if not browser.available():
        return None, None
    from .live_browser import click_to_first_frame

    return click_to_first_frame(base, USERNAME, PASSWORD, INCIDENT, camera_id, CASE)


def _print(f: LiveFigures, delta: dict, errors: int) -> None:
    per_camera = {}
    for path, count in delta.items():
        camera = path.split("/")[2]
        per_camera.setdefault(camera, [0, 0])[0 if path.endswith(".ts") else 1] += count
    rows = [(cam, seg, pl) for cam, (seg, pl) in sorted(per_camera.items())]
    print(table(("camera", "upstream segment requests", "upstream playlist requests"), rows,
                f"== Live: {WALLS} walls x {CAMERAS} cameras, {WATCH_S:g} s (relay errors {errors}) =="))
    print(f"segments served to viewers {f.segments_served}, fetched upstream {f.upstream_segments}; server CPU "
          f"{f.server_cpu_share:.0%} of a core while relaying (idle {f.idle_cpu_share:.0%}; players and simulator "
          f"{f.client_cpu_share:.0%}, same host); poll p95 "
          f"{f.poll_p95_video_s * 1000:.1f} ms with video, {f.poll_p95_plain_s * 1000:.1f} ms without (median "
          + " / ".join(f"{m * 1000:.1f}" for m in MEDIANS[-2:][::-1]) + " ms)", flush=True)


def _verdicts(f: LiveFigures, report: Report) -> None:
    viewers_per_segment = f.segments_served / max(f.upstream_segments, 1)
    one_stream = f.upstream_segments * WALLS <= f.segments_served + CAMERAS * WALLS \
        and f.upstream_playlists_per_camera_s <= 1.2
    report.add(f"live: upstream per camera, {WALLS} walls x {CAMERAS} cameras",
               f"{viewers_per_segment:.1f} viewers per device segment; playlist "
               f"{f.upstream_playlists_per_camera_s:.2f}/s per camera", "one stream per camera", one_stream)
    report.add("live: server CPU relaying 90 views (share of one core; no target)",
               f"{f.server_cpu_share:.0%} (idle {f.idle_cpu_share:.0%})", "-", None)
    ratio = f.poll_p95_video_s / max(f.poll_p95_plain_s, 1e-9)
    report.add("live: incident poll p95 with 10 walls playing / without video",
               f"{ratio:.2f}x ({f.poll_p95_video_s * 1000:.1f} / {f.poll_p95_plain_s * 1000:.1f} ms)", "<= 1.5x",
               ratio <= 1.5)
    if f.first_frame_s is None:
        report.add("live: click to first frame (Chromium not installed)", "-", "<= 1.5 s", None)
    else:
        report.add("live: click to first frame / hls.js on the relay URL directly",
                   f"{f.first_frame_s:.2f} s / {f.direct_first_frame_s:.2f} s", "<= 1.5 s", f.first_frame_s <= 1.5)
