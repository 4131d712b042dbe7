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


class ThrowawayRabbitMQ:
    """A RabbitMQ node of the test's own on spare ports, its data in `data_dir` (kept across a
    stop and start, as a restarted broker keeps its durable queues), to kill at will. It never
    touches the machine's shared node: its own name, ports, data, logs and no plugins."""

    def __init__(self, data_dir: Path) -> None:
        self.data_dir = data_dir
        self.port = free_port()
        self.dist_port = free_port()
        self.name = f"claims-test-{self.port}@localhost"
        self.process: subprocess.Popen | None = None
        self.starts = 0
        (data_dir / "mnesia").mkdir(parents=True, exist_ok=True)
        (data_dir / "log").mkdir(exist_ok=True)
        (data_dir / "enabled_plugins").write_text("[].\n")

    @property
    def url(self) -> str:
        return f"amqp://guest:guest@127.0.0.1:{self.port}//"

    def start(self) -> None:
        self.starts += 1
        d = self.data_dir
        env = {
            **os.environ,
            "RABBITMQ_NODENAME": self.name,
            "RABBITMQ_NODE_IP_ADDRESS": "127.0.0.1",
            "RABBITMQ_NODE_PORT": str(self.port),
            "RABBITMQ_DIST_PORT": str(self.dist_port),
            "RABBITMQ_MNESIA_BASE": str(d / "mnesia"),
            "RABBITMQ_LOG_BASE": str(d / "log"),
            "RABBITMQ_ENABLED_PLUGINS_FILE": str(d / "enabled_plugins"),
            "RABBITMQ_PID_FILE": str(d / "pid"),
            "RABBITMQ_FEATURE_FLAGS_FILE": str(d / "feature_flags"),
            "RABBITMQ_CONFIG_FILE": str(d / "none"),
            "RABBITMQ_ADVANCED_CONFIG_FILE": str(d / "none-advanced.config"),
            "RABBITMQ_CONF_ENV_FILE": str(d / "none-env.conf"),
        }
        log = (d / f"server-{self.starts}.log").open("wb")
        # The script itself, not /usr/sbin's wrapper (which would switch to the rabbitmq user).
        self.process = subprocess.Popen(
            ["/usr/lib/rabbitmq/bin/rabbitmq-server"],
            env=env,
            stdout=log,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
        wait_for(self._answers, timeout=60, what=f"RabbitMQ {self.name}")

    def _answers(self) -> bool:
        assert self.process is not None and self.process.poll() is None, (
            self.data_dir / f"server-{self.starts}.log"
        ).read_text(errors="replace")[-3000:]
        try:
            with socket.create_connection(("127.0.0.1", self.port), timeout=0.5) as sock:
                sock.sendall(b"AMQP\x00\x00\x09\x01")
                return sock.recv(1) != b""
        except OSError:
            return False

    def kill(self) -> None:
        """SIGKILL the node's process group: a crash, not a shutdown."""
        if self.process is not None:
            stop_group(self.process, sig=signal.SIGKILL)
            self.process = None

    def __enter__(self) -> ThrowawayRabbitMQ:
        self.start()
        return self

    def __exit__(self, *exc) -> None:
        self.kill()


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
