"""`make wheel-check`: build the wheel, install it (not editable) into a fresh venv, and serve from it.

Honest and fast: the fresh venv gets our code only from the wheel (pip install --no-deps) and
borrows the third-party dependencies of the project's .venv through a .pth line (which adds that
site-packages folder but runs none of its .pth files, so the editable install's finder, which
points at the source tree, stays off). Everything runs from an empty working directory with no
config.yaml: the schema's defaults, the wheel's templates, assets, data and migrations.
"""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import sys
import sysconfig
import tempfile
import time
import urllib.error
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def run(*cmd: str | Path, **kw) -> subprocess.CompletedProcess:
    print("+", " ".join(map(str, cmd)), flush=True)
    return subprocess.run([str(c) for c in cmd], check=True, **kw)


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def fetch(url: str) -> tuple[int, str]:
    try:
        with urllib.request.urlopen(url, timeout=10) as response:  # noqa: S310 - our own local server
            return response.status, response.read().decode("utf-8", "replace")
    except urllib.error.HTTPError as exc:
        return exc.code, exc.read().decode("utf-8", "replace")


def main() -> int:
    # setuptools stages files in ./build and would package a stale file left there: start clean
    shutil.rmtree(ROOT / "build", ignore_errors=True)
    try:
        return check()
    finally:
        shutil.rmtree(ROOT / "build", ignore_errors=True)


def check() -> int:
    with tempfile.TemporaryDirectory(prefix="cd-wheel-") as tmp:
        tmp_path = Path(tmp)
        run(sys.executable, "-m", "build", "--wheel", "--outdir", tmp_path / "dist", ROOT,
            stdout=subprocess.DEVNULL)
        [wheel] = (tmp_path / "dist").glob("*.whl")
        venv = tmp_path / "venv"
        run(sys.executable, "-m", "venv", "--without-pip", venv)
        python = venv / "bin" / "python"
        site = Path(subprocess.check_output([python, "-c", "import sysconfig; print(sysconfig.get_paths()['purelib'])"],
                                            text=True).strip())
        (site / "project_dependencies.pth").write_text(sysconfig.get_paths()["purelib"] + "\n")
        run(sys.executable, "-m", "pip", "--python", python, "install", "--quiet", "--no-deps", wheel)

        work = tmp_path / "work"  # no config.yaml, no source tree: what an operator's server has
        work.mkdir()
        env = {**os.environ, "DATABASE_URL": f"sqlite:///{work / 'wheel.db'}"}
        env.pop("CONNECT_DALLAS_CONFIG", None)
        env.pop("PYTHONPATH", None)
        where = subprocess.check_output([python, "-c", "import dashboard, assets, auth; "
                                         "print(dashboard.__file__, assets.__file__, auth.__file__)"],
                                        cwd=work, env=env, text=True).split()
        outside = [w for w in where if not w.startswith(str(venv))]
        if outside:
            print(f"wheel-check: imported from outside the wheel's venv: {outside}", file=sys.stderr)
            return 1
        cli = venv / "bin" / "connect-dallas"
        run(cli, "init-db", cwd=work, env=env)
        port = free_port()
        server = subprocess.Popen([cli, "serve", "--host", "127.0.0.1", "--port", str(port)], cwd=work, env=env)
        try:
            base = f"http://127.0.0.1:{port}"
            deadline = time.monotonic() + 60
            while True:
                try:
                    status, body = fetch(f"{base}/healthz")
                    break
                except OSError:
                    if time.monotonic() > deadline or server.poll() is not None:
                        print("wheel-check: the server from the wheel did not start", file=sys.stderr)
                        return 1
                    time.sleep(0.25)
            checks = {
                "/healthz": (status, '"status":"ok"' in body.replace(" ", "")),
                "/login": (lambda r: (r[0], 'name="csrf_token"' in r[1]))(fetch(f"{base}/login")),
                "/assets/style.css": (lambda r: (r[0], len(r[1]) > 100))(fetch(f"{base}/assets/style.css")),
                "/register": (lambda r: (r[0], "<form" in r[1]))(fetch(f"{base}/register")),
            }
        finally:
            server.terminate()
            server.wait(timeout=20)
        failed = {path: result for path, result in checks.items() if result != (200, True)}
        for path, (code, ok) in checks.items():
            print(f"wheel-check: GET {path} -> {code}{'' if ok else ' (unexpected body)'}")
        if failed:
            print(f"wheel-check: FAILED {sorted(failed)}", file=sys.stderr)
            return 1
        print(f"wheel-check: {wheel.name} installs and serves")
        return 0


if __name__ == "__main__":
    sys.exit(main())
