"""The production front door: Django's ASGI application behind the lean issuance path
(insurance.api.fastpath), served by uvicorn (config.server)."""

import os

from django.core.asgi import get_asgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
django_application = get_asgi_application()

from insurance.api.fastpath import FrontDoor  # noqa: E402 - needs the apps loaded above

application = FrontDoor(django_application)
