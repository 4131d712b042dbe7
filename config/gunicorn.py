"""gunicorn's settings. Its own log lines go through Django's LOGGING, so in production they are
JSON objects like every other line; requests are logged by config.middleware.RequestLogMiddleware
(with the request id), so gunicorn's access log stays off."""

import os

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")

from django.conf import settings

bind = os.environ.get("WEB_ADDR", "127.0.0.1:8000")
workers = int(os.environ.get("WEB_CONCURRENCY", "2"))
threads = int(os.environ.get("WEB_THREADS", "4"))
# One fixed control-socket path would be fought over by every gunicorn on the machine.
control_socket_disable = True
logconfig_dict = {
    **settings.LOGGING,
    "loggers": {
        **settings.LOGGING["loggers"],
        # Configuring the logger here replaces the handler gunicorn gave it.
        "gunicorn.error": {"level": "INFO", "handlers": ["console"], "propagate": False},
    },
}
