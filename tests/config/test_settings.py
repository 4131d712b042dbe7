"""Settings come from the environment and a bad value stops the process at start, by name."""

import secrets
import subprocess
import sys

import pytest

from tests.processes import PROJECT_DIR, child_env


def manage(*args: str, **env: str) -> subprocess.CompletedProcess:
    clean = {
        k: v
        for k, v in child_env().items()
        if k not in {"DATABASE_URL", "CELERY_BROKER_URL", "ENVIRONMENT", "DEBUG", "SECRET_KEY"}
    }
    return subprocess.run(
        [sys.executable, "manage.py", *args],
        cwd=PROJECT_DIR,
        env={**clean, **env},
        capture_output=True,
        text=True,
        timeout=60,
    )


@pytest.mark.parametrize(
    ("name", "value", "expected"),
    [
        ("DATABASE_URL", "mysql://root@localhost/shop", "DATABASE_URL has scheme 'mysql'"),
        ("DATABASE_URL", "localhost:5432/insurance", "DATABASE_URL has scheme"),
        ("DATABASE_URL", "postgres://localhost:5432", "DATABASE_URL names no database"),
        ("CELERY_BROKER_URL", "kafka://localhost:9092", "CELERY_BROKER_URL has scheme 'kafka'"),
        ("CELERY_DELIVERY_LIMIT", "0", "CELERY_DELIVERY_LIMIT=0 is below 1"),
        ("OUTBOX_MAX_ATTEMPTS", "0", "OUTBOX_MAX_ATTEMPTS=0 must be 1 or more"),
        ("CELERY_BROKER_CONNECT_TIMEOUT", "0", "CELERY_BROKER_CONNECT_TIMEOUT must be above 0"),
        ("DEBUG", "ture", "DEBUG='ture' is not a boolean"),
        ("ENVIRONMENT", "prod", "ENVIRONMENT='prod' is not known"),
        ("LOG_FORMAT", "xml", "LOG_FORMAT='xml'"),
        # The old README named a variable nothing read; setting it must not be silently ignored.
        ("TRUSTED_PROXY_COUNT", "-1", "TRUSTED_PROXY_COUNT=-1 is below 0"),
        ("LOGIN_LOCKOUT_MINUTES", "0", "LOGIN_LOCKOUT_MINUTES=0 must be 1 or more"),
        ("API_RATE_LIMIT", "6000/min", "API_RATE_LIMIT is not read: set API_RATE_LIMIT_PER_MINUTE"),
    ],
)
def test_a_bad_value_fails_at_start_with_a_message_that_names_it(tmp_path, name, value, expected):
    result = manage("check", DATA_DIR=str(tmp_path), **{name: value})

    assert result.returncode != 0
    assert "ImproperlyConfigured" in result.stderr
    assert expected in result.stderr


def test_production_refuses_a_missing_or_short_secret_key(tmp_path):
    result = manage("check", DATA_DIR=str(tmp_path), ENVIRONMENT="production", SECRET_KEY="short")

    assert result.returncode != 0
    assert "SECRET_KEY must be set" in result.stderr


def test_production_settings_pass_the_deploy_check(tmp_path):
    result = manage(
        "check",
        "--deploy",
        "--fail-level",
        "WARNING",
        DATA_DIR=str(tmp_path),
        ENVIRONMENT="production",
        SECRET_KEY=secrets.token_urlsafe(64),
        ALLOWED_HOSTS="insurance.example.com",
        DATABASE_URL="postgres://postgres@localhost:5432/insurance",
        CELERY_BROKER_URL="amqp://guest:guest@localhost:5672//",
        CACHE_URL="redis://localhost:6379/0",
    )

    assert result.returncode == 0, result.stderr
    assert "no issues" in result.stdout


def test_the_default_rate_limit_per_key_is_the_documented_6000_a_minute(settings):
    assert settings.API_RATE_LIMIT_PER_MINUTE == 6000
    assert "| `API_RATE_LIMIT_PER_MINUTE` | 6000 |" in (PROJECT_DIR / "README.md").read_text()
