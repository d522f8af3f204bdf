"""驳回修改 → fix the profile → `portal-bot register` → 继续提交审核, end to end through the QA API.

A returned application has a way back: register reads the site before trusting its ledger, reopens
the returned application, fills the changed values (and the new photo) again, checks the preview,
resubmits with 继续提交审核 and records the resubmission with the site's reason. Never a second
application.
"""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from PIL import Image

from portal_bot.cohortrun.identity import cohort_key
from portal_bot.ledger import Ledger
from portal_bot.mock_portal.server import RunningPortal
from portal_bot.profiles import load_cohort
from tests.e2e.conftest import register

pytestmark = [pytest.mark.browser, pytest.mark.slow]

REASON = "联系电话有误，请核对后重新提交"


def test_returned_application_is_fixed_and_resubmitted(fresh_portal: RunningPortal, cohort: Path) -> None:
    first = register(cohort, fresh_portal, "--only", "刘子涵")
    assert first.returncode == 0, first.stdout + first.stderr
    [app] = fresh_portal.qa.applications()
    assert app["state"] == "待审核"
    old_photo = app["photo"]["sha256"]

    # the reviewer returns it; nothing changed yet, so a rerun would resubmit the same values: it still
    # reopens (the site says 驳回修改), which the coordinator fixes first in practice
    fresh_portal.qa.set_state(app["id"], "驳回修改", REASON)

    profile = cohort / "003-0537.yaml"
    text = profile.read_text(encoding="utf-8")
    assert "phone: 13705710003" in text
    profile.write_text(text.replace("phone: 13705710003", "phone: 13705719999"), encoding="utf-8")
    photo = cohort / "photos" / "liu-zihan.jpg"
    with Image.open(photo) as img:  # a new photo of the same person: other bytes
        img.convert("RGB").save(photo, quality=80)

    again = register(cohort, fresh_portal, "--only", "刘子涵")
    assert again.returncode == 0, again.stdout + again.stderr
    assert "resubmitted" in again.stdout
    assert "already submitted" not in again.stdout

    apps = fresh_portal.qa.applications()
    assert len(apps) == 1  # the same application, sent back: never a second one
    [after] = apps
    assert after["id"] == app["id"]
    assert after["state"] == "待审核"
    assert after["values"]["phone"] == "13705719999"
    assert after["photo"]["sha256"] != old_photo
    assert [h["state"] for h in after["history"]][-2:] == ["驳回修改", "待审核"]

    with Ledger.open(Path(os.environ["PORTAL_BOT_STATE_DIR"]) / "ledger.sqlite3") as ledger:
        [row] = ledger.candidates(cohort_key(load_cohort(cohort), ledger))  # keyed by id, not folder name
        assert row.state == "submitted"
        assert row.safe_point == "resubmitted"
        assert REASON in (row.message or "")
        returned = [o for o in ledger.observations(row.id) if o["state"] == "returned"]
        assert returned and returned[-1]["reason"] == REASON

    # resubmitted and pending again: a third run reads the site and does nothing
    third = register(cohort, fresh_portal, "--only", "刘子涵")
    assert third.returncode == 0, third.stdout + third.stderr
    assert "already submitted" in third.stdout
    assert len(fresh_portal.qa.applications()) == 1
