"""The README's webhook receiver, run exactly as the README shows it: it accepts the platform's
real signed deliveries (with either secret during a rotation) and refuses forged, stale and
unsigned ones. The doc cannot rot without this failing."""

import contextlib
import re
import socket
import sys
import time
from pathlib import Path

import pytest

from insurance.models import WebhookAttempt
from insurance.services.webhooks import webhook_signature
from tests.insurance.helpers import issue
from tests.insurance.webhook_world import deliver_pending, register, rotate
from tests.processes import PROJECT_DIR, child_env, free_port, running, wait_for

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def local_receivers(settings):
    """The README's receiver runs on 127.0.0.1."""
    settings.WEBHOOK_ALLOW_PRIVATE_ADDRESSES = True


def readme_receiver() -> str:
    """The Python block under "Verifying webhook signatures" in README.md, exactly."""
    readme = (PROJECT_DIR / "README.md").read_text()
    section = readme.split("### Verifying webhook signatures", 1)[1]
    return re.search(r"```python\n(.*?)```", section, re.DOTALL).group(1)


class ReadmeReceivers:
    """The README's receiver, each copy a real process holding one secret."""

    def __init__(self, stack: contextlib.ExitStack, tmp_path: Path) -> None:
        self.stack, self.tmp_path = stack, tmp_path
        self.script = tmp_path / "receiver.py"
        self.script.write_text(readme_receiver())

    def start(self, *, port: int, secret: str) -> None:
        log = self.tmp_path / f"receiver-{port}.log"
        process = self.stack.enter_context(
            running(
                [sys.executable, str(self.script)],
                env=child_env(WEBHOOK_SECRET=secret, PORT=str(port)),
                log_path=log,
            )
        )
        wait_for(
            lambda: process.poll() is not None or _listening(port),
            timeout=20,
            what="the README receiver to listen",
        )
        assert process.poll() is None, log.read_text()


def _listening(port: int) -> bool:
    with socket.socket() as sock:
        return sock.connect_ex(("127.0.0.1", port)) == 0


@pytest.fixture
def readme_receivers(tmp_path):
    with contextlib.ExitStack() as stack:
        yield ReadmeReceivers(stack, tmp_path)


def answers(endpoint: dict) -> list[int | None]:
    return list(
        WebhookAttempt.objects.filter(delivery__endpoint_id=endpoint["id"])
        .order_by("id")
        .values_list("status_code", flat=True)
    )


def test_the_readme_receiver_accepts_real_deliveries_and_refuses_forged_ones(api, readme_receivers):
    ports = {name: free_port() for name in ("right", "wrong", "old", "new")}
    endpoints = {name: register(api, f"http://127.0.0.1:{port}/") for name, port in ports.items()}
    readme_receivers.start(port=ports["right"], secret=endpoints["right"]["secret"])
    readme_receivers.start(port=ports["wrong"], secret="whsec_someone-else")
    issue(api, "README-1")
    deliver_pending()
    # Rotated: the receiver still holding the old secret, and one given the new one, both pass.
    rotate(api, endpoints["old"]["id"])
    new_secret = rotate(api, endpoints["new"]["id"]).json()["secret"]
    readme_receivers.start(port=ports["old"], secret=endpoints["old"]["secret"])
    readme_receivers.start(port=ports["new"], secret=new_secret)
    deliver_pending()

    assert answers(endpoints["right"]) == [204]
    assert answers(endpoints["wrong"]) == [400, 400]  # refused, so tried again
    assert answers(endpoints["old"]) == [None, 204]  # nobody listened before the rotation
    assert answers(endpoints["new"]) == [None, 204]


def test_the_readme_receiver_refuses_stale_unsigned_and_missigned_requests(monkeypatch):
    monkeypatch.setenv("WEBHOOK_SECRET", "whsec_ours")
    readme: dict = {"__name__": "readme_receiver"}
    exec(readme_receiver(), readme)  # noqa: S102 - the README's own code, run as documented
    verify_webhook = readme["verify_webhook"]
    body = b'{"id":"e-1","type":"policy.issued","data":{}}'
    now = int(time.time())

    def signed(timestamp: int, *secrets: str) -> str:
        return webhook_signature(signing_secrets=list(secrets), timestamp=timestamp, body=body)

    assert verify_webhook(body, signed(now, "whsec_ours"))["id"] == "e-1"
    assert verify_webhook(body, signed(now, "whsec_new", "whsec_ours"))["id"] == "e-1"
    for header in [
        signed(now - 600, "whsec_ours"),  # outside the tolerance: a replay
        signed(now + 600, "whsec_ours"),
        signed(now, "whsec_theirs"),
        signed(now, "whsec_ours").replace(f"t={now}", f"t={now - 1}"),
        f"v1={signed(now, 'whsec_ours').split('v1=')[1]}",  # no timestamp
        "",
        "t=abc,v1=00",
        f"t={now},v1=\u00e9",
    ]:
        with pytest.raises(ValueError):
            verify_webhook(body, header)
    with pytest.raises(ValueError):
        verify_webhook(body + b" ", signed(now, "whsec_ours"))
