import os

from celery import Celery

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")

app = Celery("insurance_platform")
# Every Celery setting lives in Django settings under the CELERY_ prefix.
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()


@app.task(name="platform.ping", ignore_result=False)
def ping() -> str:
    """Does nothing: its round trip through the broker is the baseline the claims benchmark
    compares against (it needs CELERY_RESULT_BACKEND set to return its answer)."""
    return "pong"
