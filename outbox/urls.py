"""The probes (outbox.health), at the root: /livez and /readyz."""

from django.urls import path

from outbox.health import livez, readyz

urlpatterns = [
    path("livez", livez, name="livez"),
    path("readyz", readyz, name="readyz"),
]
