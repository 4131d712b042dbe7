"""Web logins lock out after repeated failures (django-axes): the portal and dashboard login
(/accounts/login/) and the admin's, both of which authenticate through Django with the request.

Two limits, each counted over the cool-off period (LOGIN_LOCKOUT_MINUTES) in the database:
- per username from one address (LOGIN_FAILURE_LIMIT, axes' own count): an attacker guessing a
  merchant's password is stopped without locking the merchant out from everywhere else;
- per address, whatever the usernames (LOGIN_FAILURE_LIMIT_PER_ADDRESS): one address spraying
  many usernames is stopped too.
Locked out, even the right password is refused, with a 429 page in the user's language and
Retry-After; staff can lift a lockout early by deleting the access attempts in the admin (or
`manage.py axes_reset_username NAME`).

The address is config.clients.client_ip, which reads X-Forwarded-For only as far as
TRUSTED_PROXY_COUNT proxies wrote it.
"""

import math

from axes.attempts import get_cool_off_threshold
from axes.backends import AxesStandaloneBackend
from axes.handlers.database import AxesDatabaseHandler
from axes.helpers import get_cool_off, get_failure_limit
from axes.models import AccessAttempt
from django.conf import settings
from django.db.models import Sum
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render


class LoginLockoutBackend(AxesStandaloneBackend):
    """Refuses a locked-out login before the password is checked (first in
    AUTHENTICATION_BACKENDS; ModelBackend then checks the password).

    Every web door passes its request. A call without one (Django's test client's login(), a
    management command) has no address to count, and is left to the next backend instead of
    failing as axes' own backend does.
    """

    def authenticate(self, request: HttpRequest | None, username=None, password=None, **kwargs):
        if request is None:
            return None
        return super().authenticate(request, username, password, **kwargs)


class LoginAttemptHandler(AxesDatabaseHandler):
    """axes' database handler, counting the address's failures under all usernames too."""

    def get_failures(self, request: HttpRequest, credentials: dict | None = None) -> int:
        failures = super().get_failures(request, credentials)  # this username, this address
        from_address = (
            AccessAttempt.objects.filter(
                ip_address=request.axes_ip_address,
                attempt_time__gte=get_cool_off_threshold(request),
            ).aggregate(total=Sum("failures_since_start"))["total"]
            or 0
        )
        if from_address >= settings.LOGIN_FAILURE_LIMIT_PER_ADDRESS:
            return max(failures, get_failure_limit(request, credentials))
        return failures


def lockout_response(
    request: HttpRequest, original_response: HttpResponse | None, credentials: dict | None
) -> HttpResponse:
    """The page a locked-out login gets (AXES_LOCKOUT_CALLABLE): 429, with Retry-After."""
    seconds = int(get_cool_off(request).total_seconds())
    response = render(
        request,
        "registration/locked_out.html",
        {"minutes": math.ceil(seconds / 60)},
        status=429,
    )
    response["Retry-After"] = str(seconds)
    return response
