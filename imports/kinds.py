"""The kinds of import. Each app registers its kinds when it starts (AppConfig.ready):
what checks and writes a file, which permission it needs, and how its pages and summaries
word it. The job flow, its pages and its API name no kind."""

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from django.utils.functional import Promise
from django.utils.translation import gettext_lazy

from core.models import User
from core.permissions import Perm
from imports.models import ImportJob
from imports.running import Progress

Text = str | Promise


@dataclass(frozen=True)
class Outcome:
    """A row outcome of a kind: its word on a row and a tab (`label`), and in the count
    lines of a command's summary (`counted`). An `occasional` outcome (one only some files
    can have) is counted in a summary only when it happened."""

    key: str
    label: Text
    counted: Text
    occasional: bool = False


# The outcomes every kind has; each lists them among its own, in its order.
CREATE = Outcome("create", gettext_lazy("new"), gettext_lazy("new"))
UPDATE = Outcome("update", gettext_lazy("changed"), gettext_lazy("changed"))
UNCHANGED = Outcome("unchanged", gettext_lazy("unchanged"), gettext_lazy("unchanged"))
ERROR = Outcome("error", gettext_lazy("error"), gettext_lazy("with errors"))


@dataclass(frozen=True)
class ImportKind:
    """How the jobs of one kind are checked and carried out, and shown.

    - preview(job, actor, progress): every row's outcome, as the report's dict; writes
      nothing.
    - check(job, actor, progress, only_valid): what to write, prepared outside the
      transaction; raises ImportHasErrors when rows have errors that may not be left out.
    - write(prepared, job, actor, progress): writes, inside the transaction that marks the
      job applied, and returns the report's dict; raises ImportHasErrors (nothing written)
      like check.
    - prepare(actor=, school=, create_missing=, date_order=): the options of a job of
      this kind, checked against the actor (a school out of reach is not found); the
      upload (imports.services.import_job_start) and a command's run (import_file_run)
      both take them from here.
    - school(job): the school chosen for the whole import (with `number` and `name`), or
      None.
    - schools(actor): the schools the upload page offers for this kind, as (number, label).
    - viewed(job, actor, shown, via): records that the actor was shown these entries of
      the report (see import_job_viewed); None for a kind that names no one.
    - page(report parts): what the kind's part of the job page (`report_template`) shows,
      and the entries of the report it names (for `viewed`).
    - summary(report): the kind's own lines of a command's summary, after the counts and
      before the errors (what is created, the people missing from a roster, …).
    """

    perm: Perm
    label: Text  # on the upload page: what the file lists
    title: Text  # of a job's page, with %(name)s for the file name
    outcomes: tuple[Outcome, ...]
    preview: Callable[[ImportJob, User, Progress], dict[str, Any]]
    check: Callable[[ImportJob, User, Progress, bool], Any]
    write: Callable[[Any, ImportJob, User, Progress], dict[str, Any]]
    prepare: Callable[..., dict[str, Any]]
    school: Callable[[ImportJob], Any]
    schools: Callable[[User], list[tuple[str, str]]]
    # Whether a confirmation may leave out the rows with errors and import the others;
    # `whole` says why not, on the page, when it may not.
    allows_only_valid: bool
    whole: Text = ""
    # The file is always for one school, chosen on upload (else the rows may name theirs).
    needs_school: bool = False
    # Upload options besides the school that the kind reads (e.g. "create_missing").
    options: tuple[str, ...] = ()
    # The row table's columns besides row, outcome and details: (key of the row, header).
    columns: tuple[tuple[str, Text], ...] = ()
    # The parts of the report the job page reads besides its rows and counts, and those of
    # them that list people (shown whole by the API, and recorded as viewed).
    report_parts: tuple[str, ...] = ()
    listed: tuple[str, ...] = ()
    report_template: str = ""  # the kind's part of the job page, included above the rows
    result_template: str = ""  # links on the page of an applied job
    page: Callable[[dict[str, Any]], tuple[dict[str, Any], list[dict[str, Any]]]] | None = None
    viewed: Callable[[ImportJob, User, list[dict[str, Any]], str], None] | None = None
    summary: Callable[[dict[str, Any]], list[str]] | None = None
    # Counted in a command's summary besides the row outcomes (the people missing from a
    # roster), and the line a command ends with once the file is written (empty: "The
    # file was imported.").
    counted: tuple[Outcome, ...] = ()
    imported: Text = ""
    # What stays of an idle job's report after LERNSTATT_IMPORT_KEEP_DAYS (None: all of
    # it); a report that names people keeps only its summary.
    kept_after_days: tuple[str, ...] | None = None

    @property
    def labels(self) -> dict[str, Text]:
        """Each outcome's word on a row and a tab, by its key, in the kind's order."""
        return {each.key: each.label for each in self.outcomes}


_KINDS: dict[str, ImportKind] = {}


def import_kind_register(kind: str, services: ImportKind) -> None:
    """Make a kind of import job known under its key (ImportJob.kind)."""
    _KINDS[kind] = services


def import_kind(kind: str) -> ImportKind:
    """The services, the permission and the words of one kind of import job."""
    return _KINDS[kind]


def import_kinds() -> dict[str, ImportKind]:
    """Every registered kind by its key, in the order the apps registered them."""
    return dict(_KINDS)
