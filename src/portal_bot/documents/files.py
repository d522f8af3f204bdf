"""Format sniffing by magic bytes, and atomic writes.

The real format of a file is what its first bytes say, never its extension: WeChat and phone
galleries hand out PNGs named ``.jpg`` and HEICs named ``.jpeg``. Outputs are written to a
temporary file beside the target and moved into place with ``os.replace``, so a crash or a full
disk never leaves a half-written photo or PDF behind. This module must never import Pillow,
pypdf or OpenCV (the CLI uses it to list folders cheaply).
"""

from __future__ import annotations

from pathlib import Path

from portal_bot.errors import DocumentError
from portal_bot.fileio import atomic_write_bytes
from portal_bot.i18n import S_, _

#: The kinds ``sniff`` reports; images are named as Pillow names their format.
IMAGE_KINDS = ("JPEG", "PNG", "WEBP", "GIF", "BMP", "TIFF", "HEIF")

_HEIF_BRANDS = {b"heic", b"heix", b"hevc", b"hevx", b"heim", b"heis", b"hevm", b"hevs", b"mif1", b"msf1"}


def sniff(head: bytes) -> str | None:
    """The format the first bytes of a file announce ("JPEG", "PNG", …, "PDF"), or None."""
    if head.startswith(b"\xff\xd8\xff"):
        return "JPEG"
    if head.startswith(b"\x89PNG\r\n\x1a\n"):
        return "PNG"
    if head[:4] == b"RIFF" and head[8:12] == b"WEBP":
        return "WEBP"
    if head[:6] in (b"GIF87a", b"GIF89a"):
        return "GIF"
    if head[:2] == b"BM" and len(head) >= 14:
        return "BMP"
    if head[:4] in (b"II*\x00", b"MM\x00*"):
        return "TIFF"
    if head[4:8] == b"ftyp" and head[8:12] in _HEIF_BRANDS:
        return "HEIF"
    if b"%PDF-" in head[:1024]:
        return "PDF"
    return None


def describe(head: bytes) -> str:
    """A few words on what an unrecognised file is, for error messages."""
    if not head:
        return _("an empty file")
    if head[4:8] == b"ftyp":
        return _("a video or image container ({})").format(head[8:12].decode("ascii", "replace").strip())
    if head.startswith(b"PK\x03\x04"):
        return _("a ZIP archive or Office document")
    try:
        text = head.decode("utf-8")
    except UnicodeDecodeError:
        text = ""
    if text and all(ch.isprintable() or ch in "\r\n\t" for ch in text[:-1]):
        return _("a text file, not an image or PDF")
    return _("not an image or PDF (starts with {})").format(head[:8].hex(" "))


def read_input(path: Path) -> bytes:
    """The bytes of an input file, or a DocumentError naming it."""
    try:
        return path.read_bytes()
    except FileNotFoundError:
        raise DocumentError(S_("file not found"), path=path) from None
    except IsADirectoryError:
        raise DocumentError(S_("is a folder, not a file"), path=path) from None
    except OSError as exc:
        raise DocumentError(S_("cannot read: {}").format(exc.strerror or exc), path=path) from exc


def atomic_write(path: Path, data: bytes) -> None:
    """Write ``data`` to ``path`` atomically (``portal_bot.fileio``); failures name the file."""
    try:
        atomic_write_bytes(path, data)
    except OSError as exc:
        raise DocumentError(S_("cannot write: {}").format(exc.strerror or exc), path=path) from exc
