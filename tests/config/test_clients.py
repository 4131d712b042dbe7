"""Which address a request is counted under: X-Forwarded-For is believed only as far as the
configured proxies wrote it."""

import pytest
from django.test import RequestFactory

from config.clients import client_ip


def request_from(remote: str, forwarded_for: str | None = None):
    extra = {"REMOTE_ADDR": remote}
    if forwarded_for is not None:
        extra["HTTP_X_FORWARDED_FOR"] = forwarded_for
    return RequestFactory().get("/", **extra)


@pytest.mark.parametrize(
    ("proxies", "remote", "forwarded_for", "expected"),
    [
        # No proxy configured: the header is anyone's to write, so it is not read.
        (0, "203.0.113.7", "198.51.100.1", "203.0.113.7"),
        # One proxy: it appended the address it saw; the client's own entries are ignored.
        (1, "10.0.0.2", "1.2.3.4, 198.51.100.1", "198.51.100.1"),
        # Two proxies (load balancer, then nginx): the second appended the first's address.
        (2, "10.0.0.3", "1.2.3.4, 198.51.100.1, 10.0.0.2", "198.51.100.1"),
        (1, "10.0.0.2", "2001:db8::1", "2001:db8::1"),
        # Fewer entries than proxies: the request skipped a proxy; believe only the peer.
        (2, "10.0.0.3", "198.51.100.1", "10.0.0.3"),
        (1, "10.0.0.2", None, "10.0.0.2"),
        # Not an address (a port, a name, garbage): not believed.
        (1, "10.0.0.2", "198.51.100.1:443", "10.0.0.2"),
        (1, "10.0.0.2", "<script>", "10.0.0.2"),
    ],
)
def test_client_ip(settings, proxies, remote, forwarded_for, expected):
    settings.TRUSTED_PROXY_COUNT = proxies

    assert client_ip(request_from(remote, forwarded_for)) == expected
