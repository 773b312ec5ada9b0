"""The page a login refused by the login throttle (django-axes) shows."""

from django.conf import settings
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render


def lockout_response(
    request: HttpRequest, original_response: HttpResponse | None, credentials: dict | None
) -> HttpResponse:
    """Status 429 with a plain message: too many failed logins, try again in so many
    minutes. It says nothing about whether the username exists or the password was right."""
    return render(
        request,
        "core/lockout.html",
        {"minutes": settings.LERNSTATT_LOGIN_COOLOFF_MINUTES},
        status=429,
    )
