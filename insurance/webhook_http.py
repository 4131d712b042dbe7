"""Where webhooks may go, and how they get there.

A merchant's URL must not turn our workers against our own network (SSRF): webhooks go to
public addresses only, unless WEBHOOK_ALLOW_PRIVATE_ADDRESSES is on (a developer's machine).
A host name is resolved once per delivery and every address it gives must be public; the
connection then goes to an address that was checked, so a name that answers differently a
moment later (DNS rebinding) cannot move it. The Host header, TLS SNI and the certificate
check still use the name.
"""

import ipaddress
import socket
from dataclasses import dataclass

import httpx
from django.conf import settings

IPAddress = ipaddress.IPv4Address | ipaddress.IPv6Address

NOT_PUBLIC = "refused: not a public address"
HAS_CREDENTIALS = "refused: the URL carries credentials"
# How much of a reply the merchant may read back in the delivery log.
EXCERPT_CHARS = 500

_NAT64 = ipaddress.ip_network("64:ff9b::/96")  # RFC 6052: the IPv4 address is the last 32 bits
_NAT64_LOCAL = ipaddress.ip_network("64:ff9b:1::/48")  # RFC 8215: local use only


class AddressRefused(Exception):
    """The URL leads where webhooks may not go; the message is what the merchant reads."""


def address_is_public(address: IPAddress) -> bool:
    """Globally reachable unicast, and so is any IPv4 address carried inside an IPv6 one."""
    if isinstance(address, ipaddress.IPv6Address):
        if address in _NAT64:
            return address_is_public(ipaddress.IPv4Address(int(address) & 0xFFFF_FFFF))
        if (
            address in _NAT64_LOCAL
            or address.ipv4_mapped is not None
            or address.teredo is not None
            or address.is_site_local
        ):
            return False
        if address.sixtofour is not None and not address_is_public(address.sixtofour):
            return False
    return address.is_global and not (
        address.is_private
        or address.is_loopback
        or address.is_link_local
        or address.is_multicast
        or address.is_reserved
        or address.is_unspecified
    )


def has_credentials(url: str) -> bool:
    return bool(httpx.URL(url).userinfo)


def resolve(url: str) -> list[IPAddress]:
    """The addresses of the URL's host, resolved once and checked.

    Raises AddressRefused when any of them may not be reached (or the URL carries a user name
    or password), socket.gaierror when the name has no address.
    """
    target = httpx.URL(url)
    if target.userinfo:
        raise AddressRefused(HAS_CREDENTIALS)
    port = target.port or (443 if target.scheme == "https" else 80)
    infos = socket.getaddrinfo(target.raw_host.decode("ascii"), port, type=socket.SOCK_STREAM)
    addresses = list(dict.fromkeys(ipaddress.ip_address(info[4][0]) for info in infos))
    if not settings.WEBHOOK_ALLOW_PRIVATE_ADDRESSES and not all(
        address_is_public(address) for address in addresses
    ):
        raise AddressRefused(NOT_PUBLIC)
    return addresses


@dataclass(frozen=True)
class Reply:
    status_code: int
    excerpt: str  # the start of the body; empty from a non-public address


def post(url: str, *, addresses: list[IPAddress], content: bytes, headers: dict[str, str]) -> Reply:
    """POST to `url` over a connection to the first of the checked `addresses` that accepts
    one. No redirects, no proxies from the environment, certificates checked for the name."""
    target = httpx.URL(url)
    request = {
        "content": content,
        "headers": {**headers, "Host": target.netloc.decode("ascii")},
        "extensions": {"sni_hostname": target.raw_host.decode("ascii")}
        if target.scheme == "https"
        else {},
    }
    with httpx.Client(
        # The CA bundle httpx uses by default (SSL_CERT_FILE, else certifi's), while
        # trust_env=False keeps proxy variables and .netrc out of the way.
        verify=httpx.create_ssl_context(),
        trust_env=False,
        timeout=settings.WEBHOOK_TIMEOUT_SECONDS,
        follow_redirects=False,
    ) as client:
        for address in addresses[:-1]:
            try:
                return _post_to(client, target, address, request)
            except httpx.ConnectError:
                continue
        return _post_to(client, target, addresses[-1], request)


def _post_to(client: httpx.Client, target: httpx.URL, address: IPAddress, request: dict) -> Reply:
    response = client.send(
        client.build_request("POST", target.copy_with(host=str(address)), **request), stream=True
    )
    try:
        return Reply(response.status_code, _excerpt(response) if address_is_public(address) else "")
    finally:
        response.close()


def _excerpt(response: httpx.Response) -> str:
    """The start of the body, reading no more of it than that."""
    start = b""
    for chunk in response.iter_bytes():
        start += chunk
        if len(start) >= EXCERPT_CHARS * 4:  # enough bytes for EXCERPT_CHARS characters
            break
    return start.decode("utf-8", errors="replace")[:EXCERPT_CHARS]
