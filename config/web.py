"""What every web page shares, whichever app owns it."""

from django.http import HttpRequest


def web_actor(request: HttpRequest) -> str:
    """Who did it, as the event rows and audit log name a person on a web page."""
    return f"user:{request.user.get_username()}"
