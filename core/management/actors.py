"""Who a management command acts as."""

from django.core.management.base import CommandError
from django.utils.translation import gettext as _

from core.models import Role, User


def command_actor(username: str | None) -> User:
    """The user named with --user, or without one an unsaved IT admin who reaches every
    school: whoever runs manage.py has the server and its database already. Changes made
    without --user are recorded in the history with no user."""
    if not username:
        return User(username="manage.py", role=Role.IT_ADMIN, is_active=True)
    user = User.objects.filter(username=username).first()
    if user is None:
        raise CommandError(_("There is no user %(name)s.") % {"name": username})
    return user
