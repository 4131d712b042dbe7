"""What the benchmarks share: a scratch PostgreSQL database, the production processes, pgbench
and wrk runs, and the one-line result format.

Everything a benchmark starts is stopped when it ends; the machine's PostgreSQL, RabbitMQ and
Redis are only used, never restarted.
"""

from __future__ import annotations

import os
import re
import secrets
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

import httpx
import psycopg

PROJECT_DIR = Path(__file__).resolve().parent.parent
BIN = Path(sys.executable).parent
DATABASE_URL = os.environ.get(
    "BENCH_DATABASE_URL", "postgres://postgres@localhost:5432/insurance_bench"
)
# RabbitMQ, the production broker; Redis is the cache (and the no-op round trip's results).
BROKER_URL = os.environ.get("BENCH_BROKER_URL", "amqp://guest:guest@localhost:5672//")
CACHE_URL = os.environ.get("BENCH_CACHE_URL", "redis://localhost:6379/0")


def bench_line(name: str, **figures) -> str:
    """The line runs are compared by: `BENCH <name> key=value ...`."""
    values = " ".join(f"{key}={value}" for key, value in figures.items())
    line = f"BENCH {name} {values}"
    print(line, flush=True)
    return line


def need(command: str, debian_package: str) -> str:
    """A load tool from Debian's packages, installed on first use."""
    path = shutil.which(command)
    if path is None:
        print(f"installing {debian_package} (apt-get)...", flush=True)
        subprocess.run(["apt-get", "update", "-qq"], check=True, stdout=subprocess.DEVNULL)
        subprocess.run(
            ["apt-get", "install", "-y", "-qq", debian_package],
            check=True,
            stdout=subprocess.DEVNULL,
        )
        path = shutil.which(command)
    return path


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _admin_url(url: str) -> str:
    parts = urlsplit(url)
    return urlunsplit(parts._replace(path="/postgres"))


def fresh_database(url: str = DATABASE_URL) -> str:
    """Drop and create the benchmark's own database; returns its URL."""
    name = urlsplit(url).path.lstrip("/")
    with psycopg.connect(_admin_url(url), autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        conn.execute(f'CREATE DATABASE "{name}"')
    return url


def platform_env(data_dir: Path, **extra: str) -> dict[str, str]:
    """The production configuration, pointed at the benchmark's database and broker."""
    env = {
        **os.environ,
        "PATH": f"{BIN}{os.pathsep}{os.environ.get('PATH', '')}",
        "ENVIRONMENT": "production",
        "SECRET_KEY": secrets.token_urlsafe(64),
        "ALLOWED_HOSTS": "127.0.0.1,localhost",
        "SECURE_SSL_REDIRECT": "false",  # TLS ends at the load balancer in front
        "DATABASE_URL": DATABASE_URL,
        "CELERY_BROKER_URL": BROKER_URL,
        "CACHE_URL": CACHE_URL,
        "CELERY_BROKER_KEY_PREFIX": f"bench-{secrets.token_hex(4)}:",
        "DATA_DIR": str(data_dir),
        "LOG_LEVEL": "WARNING",
    }
    env.update(extra)
    return env


def manage(env: dict[str, str], *args: str) -> str:
    result = subprocess.run(
        [sys.executable, "manage.py", *args],
        cwd=PROJECT_DIR,
        env=env,
        capture_output=True,
        text=True,
        check=False,
    )
    if result.returncode != 0:
        raise RuntimeError(f"manage.py {' '.join(args)} failed:\n{result.stderr}")
    return result.stdout


@dataclass
class Process:
    name: str
    popen: subprocess.Popen
    log: Path

    def stop(self) -> None:
        if self.popen.poll() is None:
            os.killpg(self.popen.pid, signal.SIGTERM)
            try:
                self.popen.wait(timeout=20)
            except subprocess.TimeoutExpired:
                os.killpg(self.popen.pid, signal.SIGKILL)
                self.popen.wait()


def start(name: str, args: list[str], env: dict[str, str], log_dir: Path) -> Process:
    log = log_dir / f"{name}.log"
    popen = subprocess.Popen(
        args,
        cwd=PROJECT_DIR,
        env=env,
        stdout=log.open("wb"),
        stderr=subprocess.STDOUT,
        start_new_session=True,
    )
    return Process(name, popen, log)


def wait_healthy(
    base_url: str, process: Process, timeout: float = 60, path: str = "/readyz"
) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if process.popen.poll() is not None:
            raise RuntimeError(f"{process.name} exited:\n{process.log.read_text()[-3000:]}")
        try:
            if httpx.get(f"{base_url}{path}", timeout=2).status_code == 200:
                return
        except httpx.TransportError:
            pass
        time.sleep(0.2)
    raise RuntimeError(f"{process.name} did not become healthy")


def web_server_args() -> list[str]:
    """The platform's web server, started as production starts it (the Procfile's web line)."""
    return [str(BIN / "python"), "-m", "config.server"]


@contextmanager
def profiled(process: Process, output: str | None, seconds: int):
    """Sample `process` and its children with py-spy while the block runs (raw stacks)."""
    if output is None:
        yield
        return
    spy = subprocess.Popen(
        [
            str(BIN / "py-spy"),
            "record",
            "--pid",
            str(process.popen.pid),
            "--subprocesses",
            "--nonblocking",
            "--rate",
            "250",
            "--duration",
            str(seconds),
            "--format",
            "raw",
            "--output",
            output,
        ],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        yield
    finally:
        spy.wait(timeout=seconds + 60)


@contextmanager
def scratch_dir():
    with tempfile.TemporaryDirectory(prefix="bench-") as path:
        yield Path(path)


# --- pgbench ---------------------------------------------------------------------------------
POLICY_LIKE_TABLE = """
CREATE TABLE IF NOT EXISTS bench_policy_like (
    id bigserial PRIMARY KEY, merchant_id bigint NOT NULL, order_ref varchar(100) NOT NULL,
    product_id bigint NOT NULL, premium numeric(14, 2) NOT NULL, cover numeric(14, 2) NOT NULL,
    status varchar(20) NOT NULL, issued_at timestamptz NOT NULL DEFAULT now(),
    UNIQUE (merchant_id, order_ref, product_id))
"""
POLICY_LIKE_INSERT = """\\set m random(1, 1000)
INSERT INTO bench_policy_like (merchant_id, order_ref, product_id, premium, cover, status)
VALUES (:m, md5(random()::text || :client_id), 1, 1.80, 12.00, 'active');
"""


def pgbench_inserts(*, clients: int, seconds: int, scratch: Path) -> float:
    """Transactions per second of pgbench inserting one policy-like row per transaction."""
    pgbench = need("pgbench", "postgresql-client")
    with psycopg.connect(DATABASE_URL, autocommit=True) as conn:
        conn.execute(POLICY_LIKE_TABLE)
    script = scratch / "policy_like_insert.sql"
    script.write_text(POLICY_LIKE_INSERT)
    parts = urlsplit(DATABASE_URL)
    args = [
        pgbench,
        "-n",
        "-c",
        str(clients),
        "-j",
        "2",
        "-T",
        str(seconds),
        "-f",
        str(script),
        "-h",
        parts.hostname or "localhost",
        "-p",
        str(parts.port or 5432),
        "-U",
        parts.username or "postgres",
        parts.path.lstrip("/"),
    ]
    env = {**os.environ, **({"PGPASSWORD": parts.password} if parts.password else {})}
    out = subprocess.run(args, capture_output=True, text=True, env=env, check=True).stdout
    return float(re.search(r"tps = ([\d.]+)", out).group(1))


# --- wrk -------------------------------------------------------------------------------------
@dataclass(frozen=True)
class WrkResult:
    requests_per_s: float
    ok_requests: int
    failed_requests: int
    seconds: float
    p50_ms: float
    p99_ms: float
    socket_errors: int
    # Counted by bench/wrk/issue.lua in overload runs only.
    accepted: int = 0
    shed: int = 0
    other: int = 0
    accepted_p99_ms: float = 0.0


def _ms(text: str) -> float:
    value, unit = re.match(r"([\d.]+)(us|ms|s|m)", text).groups()
    return float(value) * {"us": 0.001, "ms": 1.0, "s": 1000.0, "m": 60000.0}[unit]


def wrk(
    *, url: str, script: Path, connections: int, seconds: int, env: dict[str, str]
) -> WrkResult:
    binary = need("wrk", "wrk")
    args = [binary, "-t2", f"-c{connections}", f"-d{seconds}s", "--latency", "-s", str(script), url]
    out = subprocess.run(
        args, capture_output=True, text=True, env={**os.environ, **env}, check=True
    ).stdout
    total = int(re.search(r"(\d+) requests in ([\d.]+\w+)", out).group(1))
    duration = _ms(re.search(r"requests in ([\d.]+\w+)", out).group(1)) / 1000
    failed = int(m.group(1)) if (m := re.search(r"Non-2xx or 3xx responses: (\d+)", out)) else 0
    errors = re.search(r"Socket errors: connect (\d+), read (\d+), write (\d+), timeout (\d+)", out)
    socket_errors = sum(int(n) for n in errors.groups()) if errors else 0
    overload = re.search(
        r"OVERLOAD accepted=(\d+) shed=(\d+) other=(\d+) accepted_p99_us=(\d+)", out
    )
    counted = {}
    if overload:
        accepted, shed, other, p99_us = (int(n) for n in overload.groups())
        counted = {"accepted": accepted, "shed": shed, "other": other}
        counted["accepted_p99_ms"] = p99_us / 1000
    return WrkResult(
        requests_per_s=float(re.search(r"Requests/sec:\s+([\d.]+)", out).group(1)),
        ok_requests=total - failed,
        failed_requests=failed + socket_errors,
        seconds=duration,
        p50_ms=_ms(re.search(r"50%\s+(\S+)", out).group(1)),
        p99_ms=_ms(re.search(r"99%\s+(\S+)", out).group(1)),
        socket_errors=socket_errors,
        **counted,
    )
