"""Real processes for tests: a free port, a Celery worker on the test database, a wait loop."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path

from django.conf import settings

PROJECT_DIR = Path(__file__).resolve().parent.parent
VENV_BIN = Path(sys.executable).parent


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def wait_for(condition: Callable[[], object], *, timeout: float, what: str) -> object:
    """Poll until condition() is truthy; fail with `what` if it never is."""
    deadline = time.monotonic() + timeout
    while True:
        result = condition()
        if result:
            return result
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out after {timeout}s waiting for {what}")
        time.sleep(0.1)


def test_database_url() -> str:
    """The URL of the database pytest-django created, for processes started by a test."""
    db = settings.DATABASES["default"]
    user = db.get("USER") or ""
    password = f":{db['PASSWORD']}" if db.get("PASSWORD") else ""
    auth = f"{user}{password}@" if user else ""
    return f"postgres://{auth}{db.get('HOST') or 'localhost'}:{db.get('PORT') or 5432}/{db['NAME']}"


def child_env(**overrides: str) -> dict[str, str]:
    env = {**os.environ, "PATH": f"{VENV_BIN}{os.pathsep}{os.environ.get('PATH', '')}"}
    env.update(overrides)
    return env


# What makes a process run on the servers the tests use; without them it runs on the embedded
# default (SQLite and the filesystem broker under DATA_DIR), like `make run`.
EMBEDDED_UNSET = (
    "DATABASE_URL",
    "CELERY_BROKER_URL",
    "CELERY_BROKER_KEY_PREFIX",
    "CACHE_URL",
    "ENVIRONMENT",
)


def embedded_env(data_dir: Path, **overrides: str) -> dict[str, str]:
    """A child process's environment for the embedded default, its data in `data_dir`."""
    env = child_env(DATA_DIR=str(data_dir), **overrides)
    return {name: value for name, value in env.items() if name not in EMBEDDED_UNSET}


def server_env(data_dir: Path | None, **overrides: str) -> dict[str, str]:
    """On the test database and broker, or (with `data_dir`) on the embedded default there."""
    if data_dir is not None:
        return embedded_env(data_dir, **overrides)
    return child_env(DATABASE_URL=test_database_url(), **overrides)


@contextmanager
def running(args: list[str], *, env: dict[str, str], log_path: Path) -> Iterator[subprocess.Popen]:
    """Start a process in its own process group, logging to a file; stop the group on exit."""
    with log_path.open("wb") as log:
        process = subprocess.Popen(
            args,
            cwd=PROJECT_DIR,
            env=env,
            stdout=log,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
        try:
            yield process
        finally:
            stop_group(process)


def stop_group(process: subprocess.Popen, sig: int = signal.SIGTERM, timeout: float = 15) -> None:
    if process.poll() is not None:
        return
    try:
        os.killpg(process.pid, sig)
        process.wait(timeout=timeout)
    except subprocess.TimeoutExpired:
        os.killpg(process.pid, signal.SIGKILL)
        process.wait()
    except ProcessLookupError:
        pass


def celery_worker_args(*, concurrency: int = 2) -> list[str]:
    return [
        str(VENV_BIN / "celery"),
        "-A",
        "config",
        "--quiet",
        "worker",
        "--loglevel=INFO",
        f"--concurrency={concurrency}",
        "--without-gossip",
        "--without-mingle",
        "--without-heartbeat",
    ]


@contextmanager
def throwaway_redis(port: int, log_path: Path) -> Iterator[subprocess.Popen]:
    """A Redis of the test's own on a spare port, keeping nothing on disk, to kill at will."""
    args = [
        "redis-server",
        "--port",
        str(port),
        "--bind",
        "127.0.0.1",
        "--save",
        "",
        "--appendonly",
        "no",
        "--daemonize",
        "no",
    ]
    with running(args, env=dict(os.environ), log_path=log_path) as process:
        wait_for(lambda: _answers(port), timeout=10, what=f"redis on port {port}")
        yield process


def _answers(port: int) -> bool:
    try:
        with socket.create_connection(("127.0.0.1", port), timeout=0.5) as sock:
            sock.sendall(b"PING\r\n")
            return sock.recv(16).startswith(b"+PONG")
    except OSError:
        return False


def lock_waiters() -> int:
    """How many sessions of the test database wait for a lock now (PostgreSQL). Safe to poll
    from inside a transaction: the statistics snapshot is cleared first."""
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_stat_clear_snapshot()")
        cursor.execute(
            "SELECT count(*) FROM pg_stat_activity"
            " WHERE datname = current_database() AND wait_event_type = 'Lock'"
        )
        return cursor.fetchone()[0]
