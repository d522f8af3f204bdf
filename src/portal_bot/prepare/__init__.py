"""Preparing a cohort: every candidate's fixed photo and PDF bundles, a manifest and a contact sheet.

- ``run``           ``prepare_cohort``: validate, hash, skip the unchanged, make the rest in parallel.
- ``manifest``      ``Manifest`` / ``PreparedEntry``: ``prepared/manifest.json``, read by the register step.
- ``contact_sheet`` ``prepared/contact-sheet.html``: every photo at a glance, with its warnings.
- ``commands``      ``portal-bot prepare``.

Public API (the register command calls these)::

    from portal_bot.prepare import Manifest, prepare_cohort
    manifest = prepare_cohort(Path("cohorts/2024-04"))          # or Manifest.load(Path(".../prepared"))
    entry = manifest.entry_for(candidate_file)                  # PreparedEntry | None
    entry.ok, entry.photo, entry.materials, entry.evidence     # absolute paths or None

This package never decides pixels or pages: ``portal_bot.documents`` does.
"""

from portal_bot.prepare.manifest import Manifest, Output, PreparedEntry
from portal_bot.prepare.run import prepare_cohort

__all__ = ["Manifest", "Output", "PreparedEntry", "prepare_cohort"]
