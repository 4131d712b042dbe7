"""X-Request-ID: a client's short id is kept, echoed and logged; anything else is replaced by a
fresh id before it reaches a response header or a log line."""

import io
import logging
import re

import pytest
from django.conf import settings
from django_guid.log_filters import CorrelationId

pytestmark = pytest.mark.django_db

GENERATED = re.compile(r"[0-9a-f]{32}")


@pytest.fixture
def request_log():
    """The request log lines as the console handler writes them (text format)."""
    stream = io.StringIO()
    handler = logging.StreamHandler(stream)
    handler.addFilter(CorrelationId())
    handler.setFormatter(logging.Formatter(settings.LOGGING["formatters"]["text"]["format"]))
    logger = logging.getLogger("request")
    logger.addHandler(handler)
    yield stream
    logger.removeHandler(handler)


def test_a_short_token_from_the_client_is_echoed_and_logged(api, request_log):
    response = api.get("/api/v1/policies", HTTP_X_REQUEST_ID="checkout-7f3a.retry_2")

    assert response.status_code == 200
    assert response["X-Request-ID"] == "checkout-7f3a.retry_2"
    assert "[checkout-7f3a.retry_2] request: GET /api/v1/policies 200" in request_log.getvalue()


@pytest.mark.parametrize(
    "sent",
    [
        "<script>alert(document.cookie)</script>" + "A" * 4969,  # the finding: 5,008 characters
        "a" * 65,
        "id with spaces",
        "id\u200bwith-zero-width-space",
        "x;y",
    ],
    ids=["5008-chars-script", "65-chars", "spaces", "unicode", "semicolon"],
)
def test_any_other_request_id_is_replaced_by_a_fresh_one(api, request_log, sent):
    response = api.get("/api/v1/policies", HTTP_X_REQUEST_ID=sent)

    echoed = response["X-Request-ID"]
    assert GENERATED.fullmatch(echoed), echoed
    assert f"[{echoed}] request: GET /api/v1/policies 200" in request_log.getvalue()
    assert f"[{echoed}] request: X-Request-ID refused ({len(sent)} characters" in (
        request_log.getvalue()
    )
    assert sent not in request_log.getvalue()
    assert "<script>" not in request_log.getvalue()
