import pytest

from tests.insurance.webhook_world import Dns, Internet, Receiver


@pytest.fixture
def receiver():
    receiver = Receiver()
    yield receiver
    receiver.server.shutdown()


@pytest.fixture
def dns(monkeypatch) -> Dns:
    return Dns(monkeypatch)


@pytest.fixture
def internet(monkeypatch) -> Internet:
    return Internet(monkeypatch)
