"""The demo's CAD token: in `env: demo` with no CAD token configured, one random bearer token is
kept in the instance folder (like the demo's secret key), so a newcomer can post incidents to
/api/v1/incidents with the token `make run` prints. Production never gets one."""

from __future__ import annotations

import secrets
from dataclasses import replace
from pathlib import Path

from dashboard.config import Settings

TOKEN_FILE = ".demo_cad_token"  # noqa: S105 (a file name, not a secret)


def demo_cad_token(settings: Settings) -> str:
    path = Path(settings.instance_dir) / TOKEN_FILE
    if path.exists():
        return path.read_text().strip()
    path.parent.mkdir(parents=True, exist_ok=True)
    token = "demo-" + secrets.token_urlsafe(24)
    path.write_text(token)
    path.chmod(0o600)
    return token


def with_demo_cad_token(settings: Settings) -> Settings:
    """`settings` accepting the demo CAD token when in demo mode without a configured token."""
    if not settings.is_demo or settings.api_tokens:
        return settings
    return replace(settings, api_tokens=(demo_cad_token(settings),))
