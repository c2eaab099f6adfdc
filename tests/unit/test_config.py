"""Configuration: defaults, environment overrides, and a message naming the bad key."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from dashboard.config import ConfigError, load_settings

SHIPPED = Path(__file__).resolve().parents[2] / "config.yaml"


def write(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "config.yaml"
    path.write_text(text)
    return path


def test_shipped_config_loads_with_documented_defaults():
    s = load_settings(SHIPPED, environ={})
    assert s.env == "demo"
    assert s.database_url.startswith("sqlite:///") and s.database_url.endswith("instance/connect_dallas.db")
    assert s.session_idle_minutes == 30 and s.lockout_threshold == 5
    assert s.poll_interval_seconds == 1 and s.service_area_margin_m == 2000
    assert s.api_tokens == ()


def test_every_key_in_shipped_config_is_commented():
    lines = SHIPPED.read_text().splitlines()
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
    ("registration:\n  rate_limit: 20 per fortnight\n", "registration.rate_limit"),
    # every rate-limit key goes through the same rule (this one was once free text)
    ("transparency:\n  rate_limit: lots\n", "transparency.rate_limit"),
    ("- just\n- a list\n", "mapping"),
    ("map: [unclosed\n", "not valid YAML"),
    ("mail:\n  smtp_port: [25]\n", "mail.smtp_port"),
    ("footage:\n  upload_types: [video]\n", "footage.upload_types"),
    ("footage:\n  reminder_days_before: 20\n", "footage.reminder_days_before"),
    ("map:\n  min_zoom: 15\n", "map.min_zoom"),
    ("registration:\n  auto_approve: 1\n", "registration.auto_approve"),
    ("server:\n  host: 8\n", "server.host"),
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
    assert "geocoder" not in load_settings(SHIPPED, environ={}).extra
    with pytest.raises(ConfigError, match="incidents.geocoder"):
        load_settings(write(tmp_path, "incidents:\n  geocoder: {provider: google}\n"), environ={})


@pytest.mark.parametrize(("text", "named"), [
    ("registration:\n  auto_aprove: true\n", "registration.auto_aprove (did you mean registration.auto_approve?)"),
    ("security:\n  lockout_treshold: 3\n", "security.lockout_treshold (did you mean security.lockout_threshold?)"),
    ("secruity:\n  mfa: true\n", "secruity (did you mean security?)"),
    ("map:\n  tiles:\n    atribution: x\n", "map.tiles.atribution (did you mean map.tiles.attribution?)"),
    ("incidents:\n  geocoder: {provider: table, path: b.csv, pth: c.csv}\n", "incidents.geocoder.pth"),
    ("colour: blue\n", "unknown key colour"),
])
def test_unknown_or_misspelt_keys_stop_start_up_naming_the_key(tmp_path, text, named):
    with pytest.raises(ConfigError) as raised:
        load_settings(write(tmp_path, text), environ={})
    assert named in str(raised.value)


def test_wrong_type_from_the_environment_names_the_variable(tmp_path):
    with pytest.raises(ConfigError, match=r"PORT \(environment, for server\.port\)"):
        load_settings(write(tmp_path, "env: demo\n"), environ={"PORT": "eighty"})


def test_every_problem_is_reported_at_once(tmp_path):
    with pytest.raises(ConfigError) as raised:
        load_settings(write(tmp_path, "map:\n  zoom: 40\nsecurity:\n  mfa: 'yes'\n"), environ={})
    assert "map.zoom" in str(raised.value) and "security.mfa" in str(raised.value)


def test_without_a_config_file_the_schema_defaults_apply(tmp_path, monkeypatch):
    """An installed app needs no config file; the shipped file only documents the defaults."""
    monkeypatch.chdir(tmp_path)
    bare = load_settings(environ={})
    shipped = load_settings(SHIPPED, environ={})
    assert bare.source_path == "" and bare.base_dir == str(tmp_path)
    assert bare.database_url == f"sqlite:///{tmp_path}/instance/connect_dallas.db"
    differs = {f for f in vars(bare) if getattr(bare, f) != getattr(shipped, f)}
    assert differs == {"source_path", "base_dir", "database_url", "footage_storage_dir"}


def test_cwd_config_file_is_read_when_present(tmp_path, monkeypatch):
    write(tmp_path, "map:\n  zoom: 12\n")
    monkeypatch.chdir(tmp_path)
    assert load_settings(environ={}).map_zoom == 12


def test_redis_url_is_optional_and_shares_rate_limits(tmp_path):
    path = write(tmp_path, "env: demo\n")
    assert load_settings(path, environ={}).redis_url == ""
    shared = load_settings(path, environ={"REDIS_URL": "redis://10.0.0.7:6379/0"})
    assert shared.redis_url == "redis://10.0.0.7:6379/0"
    assert shared.registration_rate_limit_storage == "redis://10.0.0.7:6379/0"
    with pytest.raises(ConfigError, match="REDIS_URL"):
        load_settings(path, environ={"REDIS_URL": "10.0.0.7:6379"})


def test_cli_prints_one_line_for_a_misspelt_key(tmp_path):
    path = write(tmp_path, "security:\n  lockout_treshold: 3\n")
    result = subprocess.run([sys.executable, "-m", "dashboard", "--config", str(path), "init-db"],
                            capture_output=True, text=True, timeout=60)
    assert result.returncode == 2
    assert result.stderr.strip().splitlines() == [
        "connect-dallas: configuration error: unknown key security.lockout_treshold "
        "(did you mean security.lockout_threshold?)"]


def test_shipped_config_documents_every_key_of_the_schema():
    """config.yaml is the schema's documentation: the same keys, no more, no fewer."""
    import yaml
    from pydantic import BaseModel

    from dashboard.config_schema import ConfigFile

    def schema_keys(model: type[BaseModel], prefix: str = "") -> set[str]:
        keys = set()
        for name, info in model.model_fields.items():
            if isinstance(info.annotation, type) and issubclass(info.annotation, BaseModel):
                keys |= schema_keys(info.annotation, f"{prefix}{name}.")
            else:
                keys.add(prefix + name)
        return keys

    def file_keys(tree: dict, prefix: str = "") -> set[str]:
        return {k for name, value in tree.items()
                for k in (file_keys(value, f"{prefix}{name}.") if isinstance(value, dict) else {prefix + name})}

    assert file_keys(yaml.safe_load(SHIPPED.read_text())) == schema_keys(ConfigFile)


def test_live_and_purposes_sections(tmp_path):
    s = load_settings(SHIPPED, environ={})
    assert s.live.view_minutes == 15 and s.live.emergency_radius_m == 300
    assert s.live.simulator_url == "http://127.0.0.1:8060" and "robbery" in s.purposes.offense_categories
    path = tmp_path / "config.yaml"
    path.write_text("live:\n  view_minutes: 0\n")
    with pytest.raises(ConfigError, match="live.view_minutes"):
        load_settings(path, environ={})
    path.write_text("purposes:\n  offense_categories: []\n")
    with pytest.raises(ConfigError, match="purposes.offense_categories"):
        load_settings(path, environ={})
    path.write_text("live:\n  simulator_url: ftp://x\n")
    with pytest.raises(ConfigError, match="live.simulator_url"):
        load_settings(path, environ={})
