"""What the inventory tells the apps above it (it never imports them): events sent after
the commit of the change they announce, whose receivers only enqueue a task."""

from django.db import transaction
from django.dispatch import Signal

# Devices may now serve a waiting loan request: a device became lendable, or a lendable
# one is back in stock (from repair, from a loan, by an import). No arguments. Sent on
# commit; the loans allocate (the loans' receivers).
device_became_available = Signal()


def device_became_available_on_commit() -> None:
    """Send device_became_available once the current transaction commits (at once outside
    one)."""
    transaction.on_commit(lambda: device_became_available.send(sender=None))
