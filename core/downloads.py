"""Sending a file written for one download (an export) to the user."""

from pathlib import Path
from typing import Protocol

from django.http import FileResponse


class WrittenFile(Protocol):
    path: Path
    filename: str
    content_type: str


def file_download(written: WrittenFile) -> FileResponse:
    """The file as an attachment. The open handle keeps the data readable; the name goes
    now, so nothing is left behind however the response ends (FileResponse closes the
    handle when it has been sent)."""
    handle = written.path.open("rb")
    written.path.unlink()
    return FileResponse(
        handle, as_attachment=True, filename=written.filename, content_type=written.content_type
    )
