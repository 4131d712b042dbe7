"""The address a request came from, as far as it can be believed.

REMOTE_ADDR is the peer of the web server: the client itself, or the nearest proxy when the
platform runs behind a load balancer or reverse proxy. A proxy appends the address of its own
peer to X-Forwarded-For; anything further left in that header was written by the client and
can say anything. So the header is read only when TRUSTED_PROXY_COUNT says how many proxies
stand in front: with N of them, the client is the N-th address from the right (the one the
outermost proxy saw). A request that carries fewer entries did not come through all of them,
and an entry that is not an IP address is not believed: both fall back to REMOTE_ADDR.

Used by the bad-key API throttle (insurance.authentication) and by the login lockout
(django-axes, AXES_CLIENT_IP_CALLABLE).
"""

import ipaddress

from django.conf import settings
from django.http import HttpRequest


def client_ip(request: HttpRequest) -> str:
    remote = request.META.get("REMOTE_ADDR", "")
    proxies = settings.TRUSTED_PROXY_COUNT
    if proxies > 0:
        hops = [hop.strip() for hop in request.META.get("HTTP_X_FORWARDED_FOR", "").split(",")]
        hops = [hop for hop in hops if hop]
        if len(hops) >= proxies:
            try:
                return str(ipaddress.ip_address(hops[-proxies]))
            except ValueError:
                pass
    return remote
