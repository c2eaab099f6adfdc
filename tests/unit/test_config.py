"""Configuration: defaults, environment overrides, and a message naming the bad key."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from dashboard.config import DEFAULT_CONFIG_PATH, ConfigError, load_settings


def write(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "config.yaml"
    path.write_text(text)
    return path


def test_shipped_config_loads_with_documented_defaults():
    s = load_settings(DEFAULT_CONFIG_PATH, environ={})
    assert s.env == "demo"
    assert s.database_url.startswith("sqlite:///") and s.database_url.endswith("instance/connect_dallas.db")
    assert s.session_idle_minutes == 30 and s.lockout_threshold == 5
    assert s.poll_interval_seconds == 5 and s.service_area_margin_m == 2000
    assert s.api_tokens == ()


def test_every_key_in_shipped_config_is_commented():
    lines = DEFAULT_CONFIG_PATH.read_text().splitlines()
    for i, line in enumerate(lines):
        stripped = line.strip()
        if stripped and not stripped.startswith("#") and stripped.endswith(":") is False and ":" in stripped:
            has_comment = "#" in line or (i > 0 and lines[i - 1].strip().startswith("#"))
            assert has_comment, f"config.yaml line {i + 1} has no comment: {line!r}"


def test_environment_overrides(tmp_path):
    path = write(tmp_path, "env: demo\n")
    s = load_settings(path, environ={"DATABASE_URL": "postgresql+psycopg://u@h/db", "PORT": "9000",
                                     "HOST": "0.0.0.0",  # noqa: S104
                                     "CAD_API_TOKENS": "a1, b2,,", "SECRET_KEY": "k"})
    assert s.database_url == "postgresql+psycopg://u@h/db"
    assert s.port == 9000 and s.host == "0.0.0.0"  # noqa: S104
    assert s.api_tokens == ("a1", "b2")
    assert s.secret_key == "k"


def test_rate_limit_storage_from_file_or_environment(tmp_path):
    assert load_settings(write(tmp_path, "env: demo\n"), environ={}).registration_rate_limit_storage == "memory://"
    path = write(tmp_path, "registration:\n  rate_limit_storage: redis://10.0.0.5:6379/2\n")
    assert load_settings(path, environ={}).registration_rate_limit_storage == "redis://10.0.0.5:6379/2"
    shared = load_settings(path, environ={"RATE_LIMIT_STORAGE": "memcached://cache:11211"})
    assert shared.registration_rate_limit_storage == "memcached://cache:11211"


def test_config_tokens_and_env_tokens_add_up(tmp_path):
    path = write(tmp_path, "api:\n  tokens: [from-config]\n")
    assert load_settings(path, environ={"CAD_API_TOKENS": "from-env"}).api_tokens == ("from-config", "from-env")


def test_config_env_var_selects_file(tmp_path):
    path = write(tmp_path, "map:\n  zoom: 13\n")
    assert load_settings(environ={"CONNECT_DALLAS_CONFIG": str(path)}).map_zoom == 13


def test_relative_sqlite_path_resolves_against_config_folder(tmp_path):
    path = write(tmp_path, "database:\n  url: sqlite:///data/x.db\n")
    assert load_settings(path, environ={}).database_url == f"sqlite:///{tmp_path}/data/x.db"


@pytest.mark.parametrize(("text", "key"), [
    ("env: staging\n", "env"),
    ("map:\n  zoom: 'abc'\n", "map.zoom"),
    ("map:\n  zoom: 40\n", "map.zoom"),
    ("map:\n  center: [32.7]\n", "map.center"),
    ("map:\n  center: [132.7, -96.8]\n", "latitude"),
    ("incidents:\n  poll_interval_seconds: 0\n", "incidents.poll_interval_seconds"),
    ("security:\n  lockout_threshold: 2.5\n", "security.lockout_threshold"),
    ("security:\n  mfa: 'yes'\n", "security.mfa"),
    ("database:\n  url: mysql://x\n", "database.url"),
    ("api:\n  tokens: token\n", "api.tokens"),
    ("map:\n  cluster_cell_px: 48\n", "map.cluster_cell_px"),
    ("footage:\n  unneeded_clip_days: -1\n", "footage.unneeded_clip_days"),
    ("registration:\n  rate_limit_storage: localhost:6379\n", "registration.rate_limit_storage"),
    ("registration:\n  rate_limit_storage: postgres://x\n", "registration.rate_limit_storage"),
    ("- just\n- a list\n", "mapping"),
    ("map: [unclosed\n", "not valid YAML"),
])
def test_bad_values_name_the_key(tmp_path, text, key):
    with pytest.raises(ConfigError, match=key.replace(".", r"\.").replace("[", r"\[")):
        load_settings(write(tmp_path, text), environ={})


def test_production_requires_secret_key(tmp_path):
    path = write(tmp_path, "env: production\n")
    with pytest.raises(ConfigError, match="SECRET_KEY"):
        load_settings(path, environ={})
    assert load_settings(path, environ={"SECRET_KEY": "s" * 40}).env == "production"


def test_cli_reports_bad_config_without_traceback(tmp_path):
    path = write(tmp_path, "map:\n  zoom: 'abc'\n")
    result = subprocess.run([sys.executable, "-m", "dashboard", "--config", str(path), "init-db"],
                            capture_output=True, text=True, timeout=60)
    assert result.returncode == 2
    assert "map.zoom" in result.stderr and "Traceback" not in result.stderr


def test_geocoder_setting(tmp_path):
    path = write(tmp_path, "incidents:\n  geocoder: {provider: table, path: blocks.csv}\n")
    s = load_settings(path, environ={})
    assert s.extra["geocoder"] == {"provider": "table", "path": str(tmp_path / "blocks.csv")}
    assert load_settings(DEFAULT_CONFIG_PATH, environ={}).extra == {}
    with pytest.raises(ConfigError, match="incidents.geocoder"):
        load_settings(write(tmp_path, "incidents:\n  geocoder: {provider: google}\n"), environ={})
