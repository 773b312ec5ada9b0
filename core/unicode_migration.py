"""Text stored before every import and form wrote Unicode's composed form (NFC), made
composed, for the data migrations of the apps that store such text."""

import unicodedata

from django.db import IntegrityError, transaction


def stored_text_composed(model, fields: tuple[str, ...]) -> list[str]:
    """Write the `fields` of every row of `model` (a migration's historical model) in NFC
    where they are not. A row that would then equal another under a unique constraint
    (two devices "Gerät-1", once typed on a Mac) keeps its text, and is named in the
    answer, for a person to decide; every other row is written."""
    kept = []
    rows = model.objects.only("pk", *fields).order_by("pk")
    for row in rows.iterator(chunk_size=2000):
        changed = {}
        for name in fields:
            value = getattr(row, name)
            if value and not unicodedata.is_normalized("NFC", value):
                changed[name] = unicodedata.normalize("NFC", value)
        if not changed:
            continue
        try:
            with transaction.atomic():
                model.objects.filter(pk=row.pk).update(**changed)
        except IntegrityError:
            kept.append(f"{model._meta.label} {row.pk}: {', '.join(changed.values())}")
    return kept


def report_kept(kept: list[str]) -> None:
    """Say which rows kept their text (a migration's output is all a person sees)."""
    for line in kept:
        print(f"  not composed, it would equal another row: {line}")
