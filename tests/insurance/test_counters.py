"""Counters hand out numbers without repeats when callers collide: threads with their own
PostgreSQL sessions, and processes on the embedded SQLite default."""

import subprocess
import sys
import threading

import pytest
from django.db import connection

from insurance.services.counters import counter_next
from tests.processes import PROJECT_DIR, embedded_env

CALLS = 15


@pytest.mark.django_db(transaction=True)
def test_callers_at_once_on_postgresql_get_every_number_once():
    numbers: list[int] = []
    start = threading.Barrier(4)

    def take() -> None:
        try:
            start.wait()
            for _ in range(CALLS):
                numbers.append(counter_next(name="deposit:1:2026"))
        finally:
            connection.close()

    threads = [threading.Thread(target=take) for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)

    assert sorted(numbers) == list(range(1, 4 * CALLS + 1))
    assert counter_next(name="deposit:2:2026") == 1  # another counter starts afresh


TAKE = f"""
from insurance.services.counters import counter_next
print(*(counter_next(name="deposit:1:2026") for _ in range({CALLS})))
"""


@pytest.mark.slow
def test_processes_at_once_on_the_embedded_sqlite_get_every_number_once(tmp_path):
    env = embedded_env(tmp_path)
    manage = [sys.executable, "manage.py"]
    subprocess.run([*manage, "migrate", "--noinput", "-v0"], cwd=PROJECT_DIR, env=env, check=True)

    processes = [
        subprocess.Popen(
            [*manage, "shell", "-c", TAKE],
            cwd=PROJECT_DIR,
            env=env,
            stdout=subprocess.PIPE,
            text=True,
        )
        for _ in range(3)
    ]
    outputs = [process.communicate(timeout=120)[0] for process in processes]

    assert [process.returncode for process in processes] == [0, 0, 0]
    numbers = [int(n) for output in outputs for n in output.splitlines()[-1].split()]
    assert sorted(numbers) == list(range(1, 3 * CALLS + 1))
