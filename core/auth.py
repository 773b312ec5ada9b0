"""API authentication: the browser session (with CSRF) or a personal Bearer token."""

from django.http import HttpRequest
from django.utils import timezone
from ninja.security import HttpBearer, SessionAuth

from core.models import ApiToken


class TokenAuth(HttpBearer):
    def authenticate(self, request: HttpRequest, token: str):
        found = (
            ApiToken.objects.select_related("user")
            .filter(key_hash=ApiToken.hash_key(token), revoked_at__isnull=True)
            .first()
        )
        if found is None or not found.user.is_active:
            return None
        now = timezone.now()
        # Record use at most once a minute: a script making many calls does not write each time.
        if found.last_used_at is None or (now - found.last_used_at).total_seconds() > 60:
            ApiToken.objects.filter(pk=found.pk).update(last_used_at=now)
        request.user = found.user
        return found.user


class BrowserSessionAuth(SessionAuth):
    """The browser session. Without a logged-in session there is nothing for CSRF to
    protect, so such a request ends as 401 (not logged in), not as a CSRF error."""

    def __call__(self, request: HttpRequest):
        if not request.user.is_authenticated:
            return None
        return super().__call__(request)


API_AUTH = [TokenAuth(), BrowserSessionAuth()]
