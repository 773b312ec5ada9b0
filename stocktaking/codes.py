"""What a scan read, as an asset tag: a USB scanner types the tag itself (Code 128 on the
label), a camera reads the label's QR code, which holds the device's address
`<LERNSTATT_BASE_URL>/d/<asset tag>` (inventory.labels.printing.device_url)."""

from urllib.parse import unquote, urlsplit

from django.conf import settings

MAX_CODE_LENGTH = 500
LINK_PATH = "/d/"


def tag_from_code(code: str) -> str:
    """The asset tag in `code`: the part after /d/ of a label's address, unquoted, or the
    code itself. Control characters (a scanner's stray tab or CR) are dropped."""
    text = "".join(char for char in code if char.isprintable()).strip()
    base = settings.LERNSTATT_BASE_URL + LINK_PATH
    if text.startswith(base):
        return unquote(text[len(base) :].split("?", 1)[0].split("#", 1)[0]).strip()
    if "://" in text:
        # Another address the label may have been printed with (the base address changed):
        # the tag is what follows the first /d/ of its path.
        path = urlsplit(text).path
        if LINK_PATH in path:
            return unquote(path.split(LINK_PATH, 1)[1]).strip()
    elif text.startswith(LINK_PATH):
        return unquote(text[len(LINK_PATH) :]).strip()
    return text
