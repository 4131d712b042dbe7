"""Group commit: issue requests that arrive together share one transaction.

A web process's event loop hands each issue request to the GroupWriter and awaits its answer.
The writer's thread takes every request waiting, writes them with policies_issue_group (one
INSERT per table, one commit, one WAL flush for all of them) and answers them all. While it
writes, the next requests gather, so the busier the process the bigger the groups and the
cheaper each bind: the per-request costs of a commit (a round trip per statement, the flush)
are shared by the group.
"""

import asyncio
import logging
import threading
import time
from collections import deque
from collections.abc import Callable

from django.conf import settings
from django.db import connection

from insurance.models import Policy
from insurance.services.policies import IssueRequest, policies_issue_group

logger = logging.getLogger(__name__)

# Policies in one transaction at most: a bound on how long one group's rows hold their locks
# and on the answers that wait for its commit.
MAX_GROUP_POLICIES = 1000


class GroupWriter:
    def __init__(self, answer: Callable[[IssueRequest, list[Policy]], dict]) -> None:
        self._answer = answer
        # (request, its future, when it was submitted), oldest first.
        self._waiting: deque[tuple[IssueRequest, asyncio.Future, float]] = deque()
        self._lock = threading.Lock()
        self._wake = threading.Event()
        self._loop: asyncio.AbstractEventLoop | None = None
        for number in range(settings.ISSUANCE_WRITER_THREADS):
            threading.Thread(target=self._run, name=f"group-commit-{number}", daemon=True).start()

    def submit(self, request: IssueRequest) -> asyncio.Future:
        """The request's answer body, or None when the group did not issue it (see
        policies_issue_group): then the one-request path must answer it."""
        self._loop = asyncio.get_running_loop()
        future = self._loop.create_future()
        with self._lock:
            self._waiting.append((request, future, time.monotonic()))
        if not self._wake.is_set():
            self._wake.set()
        return future

    def queued_seconds(self) -> float:
        """How long the oldest request not yet in a group has waited for one."""
        with self._lock:
            oldest = self._waiting[0][2] if self._waiting else None
        return 0.0 if oldest is None else time.monotonic() - oldest

    def _take(self) -> list[tuple[IssueRequest, asyncio.Future, float]]:
        taken, policies = [], 0
        with self._lock:
            while self._waiting and (
                not taken or policies + len(self._waiting[0][0].binds) <= MAX_GROUP_POLICIES
            ):
                taken.append(self._waiting.popleft())
                policies += len(taken[-1][0].binds)
            if not self._waiting:
                self._wake.clear()
        return taken

    def _run(self) -> None:
        while True:
            self._wake.wait()
            taken = self._take()
            if taken:
                answers = self._write([request for request, _, _ in taken])
                self._loop.call_soon_threadsafe(_resolve, taken, answers)

    def _write(self, requests: list[IssueRequest]) -> list[dict | None]:
        try:
            return policies_issue_group(requests=requests, answer=self._answer)
        except Exception:
            # Logged; each request then goes the one-request way, which answers it as ever.
            logger.exception("group commit of %d requests failed", len(requests))
            connection.close()  # a broken connection is opened anew for the next group
            return [None] * len(requests)


def _resolve(taken: list[tuple[IssueRequest, asyncio.Future, float]], answers: list) -> None:
    for (_, future, _), answer in zip(taken, answers, strict=True):
        if not future.done():
            future.set_result(answer)
