"""What the accounts tell the apps above them (they never import those apps): events sent
after the commit of the change they announce, whose receivers only enqueue a task."""

from django.dispatch import Signal

# A roster import was applied in which students left the school (missing from the file, or
# with a leaver's status) while holding a loan device, or students came back. Arguments:
# `left` (person ids of those leaving with a loan device), `back` (person ids of those
# back again) and `left_on` (the day of the import). Sent on commit; the loans react
# (the loans' receivers).
students_left = Signal()
