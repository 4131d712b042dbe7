"""The front door: each kind of user lands on their own UI."""

from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render

from claims.views.review import is_reviewer
from insurance.selectors import merchant_for_user


def home(request: HttpRequest) -> HttpResponse:
    if request.user.is_authenticated:
        if merchant_for_user(user=request.user) is not None:
            return redirect("merchant:dashboard")
        if is_reviewer(request.user):
            return redirect("review:queue")
    return render(request, "home.html")
