"""Settings: defaults, the ``HALL_`` environment, the resolved database URL, unsafe values."""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from pydantic import ValidationError

from hall.settings import Settings, get_settings


@pytest.fixture
def clean_env(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> Iterator[pytest.MonkeyPatch]:
    """No ``HALL_*`` variable, and a working folder without a ``.env`` file."""
    for name in list(os.environ):
        if name.upper().startswith("HALL_"):
            monkeypatch.delenv(name)
    monkeypatch.chdir(tmp_path)
    get_settings.cache_clear()
    yield monkeypatch
    get_settings.cache_clear()


def test_defaults(clean_env: pytest.MonkeyPatch) -> None:
    settings = Settings()
    assert settings.environment == "development"
    assert settings.data_dir == Path("var")
    assert settings.database_url is None
    assert settings.resolved_database_url == "sqlite:///var/hall.sqlite3"
    assert settings.database_echo is False
    assert (settings.host, settings.port) == ("127.0.0.1", 8000)
    assert settings.import_max_field_chars == 20_000
    assert settings.import_max_list_items == 500
    assert settings.import_max_file_bytes == 200 * 1024 * 1024


ENVIRONMENT = [
    pytest.param("HALL_ENVIRONMENT", "production", "environment", "production", id="environment"),
    pytest.param("HALL_DATA_DIR", "/srv/hall", "data_dir", Path("/srv/hall"), id="data-dir"),
    pytest.param(
        "HALL_DATABASE_URL",
        "postgresql+psycopg://hall@db/hall",
        "database_url",
        "postgresql+psycopg://hall@db/hall",
        id="database-url",
    ),
    pytest.param("HALL_DATABASE_ECHO", "true", "database_echo", True, id="echo-true"),
    pytest.param("HALL_DATABASE_ECHO", "0", "database_echo", False, id="echo-0"),
    pytest.param("HALL_HOST", "0.0.0.0", "host", "0.0.0.0", id="host"),
    pytest.param("HALL_PORT", "9000", "port", 9000, id="port"),
    pytest.param("hall_port", "9001", "port", 9001, id="name-case-insensitive"),
    pytest.param(
        "HALL_IMPORT_MAX_FIELD_CHARS",
        "500",
        "import_max_field_chars",
        500,
        id="import-max-field-chars",
    ),
    pytest.param("PORT", "9000", "port", 8000, id="unprefixed-ignored"),
    pytest.param("HALL_NO_SUCH_SETTING", "1", "port", 8000, id="unknown-ignored"),
]


@pytest.mark.parametrize(("name", "value", "field", "expected"), ENVIRONMENT)
def test_environment(
    clean_env: pytest.MonkeyPatch, name: str, value: str, field: str, expected: Any
) -> None:
    clean_env.setenv("HALL_CORS_ORIGINS", '["https://portal.example"]')  # production needs it
    clean_env.setenv(name, value)
    assert getattr(get_settings(), field) == expected


def test_get_settings_is_cached_until_cleared(clean_env: pytest.MonkeyPatch) -> None:
    first = get_settings()
    clean_env.setenv("HALL_PORT", "9000")
    assert get_settings() is first
    assert get_settings().port == 8000

    get_settings.cache_clear()

    assert get_settings().port == 9000


def test_dotenv_file_read_and_environment_wins(clean_env: pytest.MonkeyPatch) -> None:
    Path(".env").write_text("HALL_PORT=9100\nHALL_HOST=10.0.0.1\n", "utf-8")
    clean_env.setenv("HALL_HOST", "10.0.0.2")
    settings = Settings()
    assert settings.port == 9100
    assert settings.host == "10.0.0.2"


RESOLVED = [
    pytest.param({}, "sqlite:///var/hall.sqlite3", id="default"),
    pytest.param(
        {"data_dir": Path("/srv/hall")}, "sqlite:////srv/hall/hall.sqlite3", id="data-dir-absolute"
    ),
    pytest.param({"data_dir": Path("a/b")}, "sqlite:///a/b/hall.sqlite3", id="data-dir-relative"),
    pytest.param(
        {"database_url": "postgresql+psycopg://hall@db/hall", "data_dir": Path("/srv")},
        "postgresql+psycopg://hall@db/hall",
        id="explicit-wins",
    ),
    pytest.param({"database_url": ""}, "sqlite:///var/hall.sqlite3", id="empty-url-is-default"),
]


@pytest.mark.parametrize(("values", "expected"), RESOLVED)
def test_resolved_database_url(
    clean_env: pytest.MonkeyPatch, values: dict[str, Any], expected: str
) -> None:
    assert Settings(**values).resolved_database_url == expected


@pytest.mark.parametrize(
    ("environment", "echo", "allowed"),
    [
        pytest.param("production", True, False, id="production-echo"),
        pytest.param("production", False, True, id="production-quiet"),
        pytest.param("development", True, True, id="development-echo"),
        pytest.param("test", True, True, id="test-echo"),
    ],
)
def test_echo_refused_in_production(
    clean_env: pytest.MonkeyPatch, environment: str, echo: bool, allowed: bool
) -> None:
    portals = ["https://portal.example"]
    if allowed:
        settings = Settings(environment=environment, database_echo=echo, cors_origins=portals)
        assert settings.database_echo is echo
        return
    with pytest.raises(ValidationError, match="HALL_DATABASE_ECHO must be off in production"):
        Settings(environment=environment, database_echo=echo, cors_origins=portals)


def test_echo_refused_in_production_from_environment(clean_env: pytest.MonkeyPatch) -> None:
    clean_env.setenv("HALL_ENVIRONMENT", "production")
    clean_env.setenv("HALL_CORS_ORIGINS", '["https://portal.example"]')
    clean_env.setenv("HALL_DATABASE_ECHO", "1")
    with pytest.raises(ValidationError, match="HALL_DATABASE_ECHO"):
        get_settings()


INVALID = [
    pytest.param({"port": 0}, "port", id="port-0"),
    pytest.param({"port": -1}, "port", id="port-negative"),
    pytest.param({"port": 65536}, "port", id="port-over-65535"),
    pytest.param({"port": "http"}, "port", id="port-not-a-number"),
    pytest.param({"environment": "staging"}, "environment", id="unknown-environment"),
    pytest.param({"import_max_field_chars": 99}, "import_max_field_chars", id="field-chars"),
    pytest.param({"import_max_list_items": 0}, "import_max_list_items", id="list-items"),
    pytest.param({"import_max_file_bytes": 1023}, "import_max_file_bytes", id="file-bytes"),
    pytest.param({"rate_limit_chat": "often"}, "rate_limit_chat", id="rate-not-a-rate"),
    pytest.param({"rate_limit_speech": ""}, "rate_limit_speech", id="rate-empty"),
    pytest.param({"cors_origins": ["https://a.example/x"]}, "cors_origins", id="cors-a-path"),
    pytest.param({"cors_origins": ["a.example"]}, "cors_origins", id="cors-no-scheme"),
    pytest.param(
        {"frame_ancestors": ["'self'; script-src *"]}, "frame_ancestors", id="frame-injection"
    ),
    pytest.param({"frame_ancestors": []}, "frame_ancestors", id="frame-empty"),
    pytest.param({"max_body_bytes": 10}, "max_body_bytes", id="body-too-small"),
    pytest.param({"workers": 0}, "workers", id="workers-0"),
    pytest.param({"speech_queue": 0}, "speech_queue", id="speech-queue-0"),
]


@pytest.mark.parametrize(("values", "field"), INVALID)
def test_invalid_values_refused(
    clean_env: pytest.MonkeyPatch, values: dict[str, Any], field: str
) -> None:
    with pytest.raises(ValidationError) as caught:
        Settings(**values)
    assert [error["loc"] for error in caught.value.errors()] == [(field,)]


@pytest.mark.parametrize("port", ["0", "65536", "eighty"])
def test_invalid_port_from_environment_refused(clean_env: pytest.MonkeyPatch, port: str) -> None:
    clean_env.setenv("HALL_PORT", port)
    with pytest.raises(ValidationError, match="port"):
        get_settings()


@pytest.mark.parametrize("port", [1, 65535])
def test_port_bounds_accepted(clean_env: pytest.MonkeyPatch, port: int) -> None:
    assert Settings(port=port).port == port


@pytest.mark.parametrize(
    ("environment", "origins", "allowed"),
    [
        pytest.param("production", ["*"], False, id="production-any"),
        pytest.param("production", ["https://portal.example", "*"], False, id="production-mixed"),
        pytest.param("production", ["https://portal.example"], True, id="production-listed"),
        pytest.param("production", [], True, id="production-none"),
        pytest.param("development", ["*"], True, id="development-any"),
    ],
)
def test_any_origin_refused_in_production(
    clean_env: pytest.MonkeyPatch, environment: str, origins: list[str], allowed: bool
) -> None:
    if allowed:
        assert Settings(environment=environment, cors_origins=origins).cors_origins == origins
        return
    with pytest.raises(ValidationError, match="HALL_CORS_ORIGINS must list"):
        Settings(environment=environment, cors_origins=origins)


@pytest.mark.parametrize(
    ("explicit", "workers", "cores", "expected"),
    [
        pytest.param(None, 1, 2, 2, id="one-worker-all-cores"),
        pytest.param(None, 2, 2, 1, id="two-workers-share"),
        pytest.param(None, 4, 2, 1, id="at-least-one"),
        pytest.param(3, 2, 2, 3, id="explicit-wins"),
    ],
)
def test_encoder_threads_shared_among_workers(
    clean_env: pytest.MonkeyPatch, explicit: int | None, workers: int, cores: int, expected: int
) -> None:
    clean_env.setattr(os, "cpu_count", lambda: cores)
    settings = Settings(encoder_threads=explicit, workers=workers)
    assert settings.encoder_thread_count == expected
