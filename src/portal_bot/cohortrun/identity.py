"""What the ledger files a cohort's candidates under: an id that two cohort folders cannot share.

The folder's name is not enough (``2024/电工`` and ``2025/电工`` are both ``电工``), and its path
changes when a coordinator moves the folder. So the first run on a cohort writes a random id into
``.portal-bot-id`` beside ``cohort.yaml``; the folder carries it wherever it goes (moved, renamed,
zipped and unzipped). The plan code, when ``cohort.yaml`` names one, is part of the key too, so a
folder copied to start a cohort for another plan does not share entries with the original. Both
``register`` and ``status`` key through :func:`cohort_key`; see docs/status.md ("The ledger").
"""

from __future__ import annotations

import uuid
from pathlib import Path

from portal_bot.errors import StateError
from portal_bot.fileio import atomic_write_text
from portal_bot.i18n import S_
from portal_bot.ledger import Ledger
from portal_bot.profiles.loader import Cohort

ID_FILE = ".portal-bot-id"


def cohort_id(folder: Path) -> str:
    """The cohort folder's id, written on first use.

    Raises:
        StateError: the id file cannot be read or written, or does not hold an id.
    """
    path = folder / ID_FILE
    try:
        if path.exists():
            text = path.read_text(encoding="utf-8").strip()
            return str(uuid.UUID(text))
        value = str(uuid.uuid4())
        atomic_write_text(path, value + "\n")
        return value
    except ValueError as exc:
        raise StateError(
            S_("{} does not hold a cohort id").format(path),
            path=path,
            hint=S_("restore it from a backup, or delete it"),
        ) from exc
    except OSError as exc:
        raise StateError(S_("cannot keep the cohort id: {}").format(exc), path=path) from exc


def cohort_key(cohort: Cohort, ledger: Ledger) -> str:
    """The ledger key of ``cohort`` (adopting entries an older ledger filed under the folder's name)."""
    key = cohort_id(cohort.dir)
    if cohort.plan.plan_code:
        key = f"{key}/{cohort.plan.plan_code}"
    return ledger.adopt_cohort(key, cohort.dir.name, cohort.dir.resolve())
