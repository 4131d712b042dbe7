"""Probes, here because readiness is whether work can be written and sent.

/livez: the process is up and serving (nothing else is asked, so a database or broker outage
never gets a healthy process restarted). /readyz: it can do its work now, its database and its
broker answer; it also counts the outbox rows given up (dead)."""

import time

from django.conf import settings
from django.db import connection
from django.http import HttpRequest, JsonResponse
from django.views.decorators.http import require_GET

from config.celery import app as celery_app
from outbox.services import outbox_dead_count

# A probe answers within about this long whatever is down.
BROKER_CHECK_TIMEOUT_SECONDS = 1.0


def _timed(check) -> dict:
    started = time.perf_counter()
    try:
        result = check()
    except Exception as exc:  # noqa: BLE001 - any failure means "not ready", reported as text
        return {"ok": False, "error": f"{type(exc).__name__}: {exc}"}
    return {"ok": True, "ms": round((time.perf_counter() - started) * 1000, 1), **(result or {})}


def _database() -> dict:
    with connection.cursor() as cursor:
        cursor.execute("SELECT 1")
        cursor.fetchone()
    return {"outbox_dead": outbox_dead_count()}


def _broker() -> None:
    with celery_app.connection_for_write() as conn:
        conn.ensure_connection(max_retries=0, timeout=BROKER_CHECK_TIMEOUT_SECONDS)


@require_GET
def livez(request: HttpRequest) -> JsonResponse:
    return JsonResponse({"status": "ok"})


@require_GET
def readyz(request: HttpRequest) -> JsonResponse:
    checks = {"database": _timed(_database), "broker": _timed(_broker)}
    ready = all(check["ok"] for check in checks.values())
    body = {
        "status": "ok" if ready else "unavailable",
        "database": settings.DATABASES["default"]["ENGINE"].rsplit(".", 1)[-1],
        "broker": settings.BROKER_KIND,
        "checks": checks,
        # Outbox rows given up after OUTBOX_MAX_ATTEMPTS (admin: Outbox, status dead): work an
        # operator must look at. They do not make the process unready.
        "outbox_dead": checks["database"].get("outbox_dead"),
    }
    return JsonResponse(body, status=200 if ready else 503)
