"""The README's quick start really starts: `make serve` on the embedded default (SQLite + the
filesystem broker) migrates, loads demo data, and runs web, worker and beat; a policy issued
over HTTP has its return shipped, and the worker process opens, decides and pays the claim."""

import os
import re
import signal
import sys

import httpx
import pytest

from tests.processes import VENV_BIN, embedded_env, free_port, running, wait_for

pytestmark = pytest.mark.slow


def test_make_serve_runs_the_platform_on_sqlite_with_a_real_worker(tmp_path):
    port = free_port()
    base = f"http://127.0.0.1:{port}"
    env = embedded_env(tmp_path / "data")
    log_path = tmp_path / "make-serve.log"
    make = [
        "make",
        "--no-print-directory",
        "serve",
        f"WEB_ADDR=127.0.0.1:{port}",
        f"PY={sys.executable}",
        f"VENV={VENV_BIN.parent}",
    ]

    with running(make, env=env, log_path=log_path) as process:

        def log() -> str:
            return log_path.read_text(errors="replace")

        def healthy() -> bool:
            assert process.poll() is None, log()
            try:
                return httpx.get(f"{base}/readyz", timeout=2).status_code == 200
            except httpx.TransportError:
                return False

        wait_for(healthy, timeout=120, what="the quick start to answer /readyz")
        health = httpx.get(f"{base}/readyz").json()
        assert (health["database"], health["broker"]) == ("sqlite3", "filesystem")
        assert (tmp_path / "data" / "platform.sqlite3").exists()
        assert "Login (reviewer): reviewer / reviewer" in log()
        assert f"API docs: {base}/api/docs/" in log()
        wait_for(lambda: "beat: Starting" in log(), timeout=30, what="celery beat to start")

        raw_key = re.search(r"Demo API key .*: (ins_\S+)", log()).group(1)
        client = httpx.Client(base_url=base, headers={"Authorization": f"Bearer {raw_key}"})
        policy = client.post(
            "/api/v1/policies",
            json={
                "product": "shipping_return",
                "order_ref": "QS-1",
                "buyer_ref": "qs-buyer",
                "order_value": "59.00",
                "buyer_region": "CN-SH",
            },
        )
        assert policy.status_code == 201, policy.text
        delivered = client.post("/api/v1/orders/QS-1/events", json={"kind": "delivered"})
        assert delivered.status_code == 201, delivered.text
        shipped = client.post(
            "/api/v1/orders/QS-1/events",
            json={"kind": "return_shipped", "tracking_number": "SF0123456789"},
            headers={"X-Request-ID": "quickstart-request-1"},
        )
        assert shipped.status_code == 201, shipped.text

        def paid() -> dict | None:
            claims = client.get("/api/v1/claims", params={"policy_id": policy.json()["id"]})
            found = claims.json()["results"]
            return found[0] if found and found[0]["status"] == "paid" else None

        claim = wait_for(paid, timeout=60, what="the worker to open and pay the return's claim")
        body = client.get(f"/api/v1/claims/{claim['id']}").json()
        assert body["payout"]["amount"] == "12.00"  # the cross-province courier fee
        assert [e["to_status"] for e in body["events"]] == [
            "submitted",
            "screening",
            "approved",
            "paid",
        ]
        # The request id of the HTTP call is carried into the worker's log lines.
        worker_lines = [line for line in log().splitlines() if " worker.1 " in line]
        assert any("quickstart-request-1" in line for line in worker_lines), log()

        # Ctrl-C stops web, worker and beat together.
        os.killpg(process.pid, signal.SIGINT)
        assert process.wait(timeout=30) is not None
    assert "web.1 stopped" in log() or "web.1 exited" in log(), log()
