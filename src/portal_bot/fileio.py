"""Atomic, private file writes: a reader sees the old file or the new one, never half of one.

The one way portal-bot writes a file another run or a person may read: session files, the ledger's
neighbours, prepared documents, reports. Private files (cookies) are created with mode 0600 where
the OS has modes (on Windows the file lives under the user's profile, which only the user can read).
"""

from __future__ import annotations

import contextlib
import os
import tempfile
from collections.abc import Callable
from pathlib import Path


def atomic_write(path: Path, write: Callable[[Path], object], *, private: bool = False) -> Path:
    """Call ``write(temp)`` for a temporary file beside ``path``, then move it over ``path``.

    Args:
        path: the file to (re)place; its folder is created.
        write: writes the whole content to the path it is given (``Path.write_text``, a workbook's
            ``save``, …).
        private: mode 0600 (else 0644) where the OS has modes.

    Raises:
        OSError: the folder or the file cannot be written; ``path`` is left as it was, no temp remains.
    """
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, name = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    tmp = Path(name)
    try:
        if os.name == "posix":
            os.fchmod(fd, 0o600 if private else 0o644)
        os.close(fd)
        write(tmp)
        with open(tmp, "ab") as handle:  # on disk before the rename makes it the file
            os.fsync(handle.fileno())
        os.replace(tmp, path)
    except BaseException:
        with contextlib.suppress(OSError):
            tmp.unlink()
        raise
    return path


def atomic_write_bytes(path: Path, data: bytes, *, private: bool = False) -> None:
    """Write ``data`` to ``path`` atomically (see :func:`atomic_write`)."""
    atomic_write(path, lambda tmp: tmp.write_bytes(data), private=private)


def atomic_write_text(path: Path, text: str, *, private: bool = False) -> None:
    """Write ``text`` as UTF-8 to ``path`` atomically (see :func:`atomic_write`)."""
    atomic_write_bytes(path, text.encode("utf-8"), private=private)
