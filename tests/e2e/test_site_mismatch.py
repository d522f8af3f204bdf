"""A site that differs from the flows: `register` says so at once, with what the page offers.

The mock's drift variant (mock_portal.drift) rewords texts the flows rely on. A step whose target
is not on a page that finished loading is a **site mismatch** (never retried, not after the step's
20 s timeout), naming the flow line, the page and the page's nearest texts with why.
"""

from __future__ import annotations

import json
import os
from collections.abc import Iterator
from pathlib import Path

import pytest

from portal_bot.mock_portal.server import RunningPortal, serve_in_thread
from tests.e2e.conftest import TOKEN, register

pytestmark = [pytest.mark.browser, pytest.mark.slow]


@pytest.fixture
def drifted(request: pytest.FixtureRequest) -> Iterator[RunningPortal]:
    with serve_in_thread(qa_token=TOKEN, drift=request.param) as running:
        yield running


def _outcome(name: str) -> dict[str, object]:
    """The latest run's outcome of ``name`` (outcomes.json holds the whole message)."""
    runs = sorted((Path(os.environ["PORTAL_BOT_STATE_DIR"]) / "runs").glob("*/outcomes.json"))
    data = json.loads(runs[-1].read_text(encoding="utf-8"))
    return next(o for o in data["outcomes"] if o["name"] == name)


@pytest.mark.parametrize("drifted", [{"马上报名": "立即报名"}], indirect=True)
def test_a_renamed_button_is_a_site_mismatch_with_the_similar_text(
    drifted: RunningPortal, cohort: Path
) -> None:
    done = register(cohort, drifted, "--only", "陈雨桐")
    assert done.returncode == 1, done.stdout + done.stderr
    assert "site mismatch" in done.stdout
    assert "the site differs from the flows" in done.stdout
    out = _outcome("陈雨桐")
    assert out["outcome"] == "site mismatch"
    message = str(out["message"])
    assert "register.yaml:" in message and "'马上报名'" in message
    assert "/pj/plan/" in message  # the page's path
    assert "'立即报名' (similar text (button, 50%))" in message, message
    assert "portal error" not in done.stdout  # never retried as the site misbehaving


@pytest.mark.parametrize("drifted", [{"手机号码": "联系电话"}], indirect=True)
def test_a_renamed_label_is_found_by_elimination(drifted: RunningPortal, cohort: Path) -> None:
    done = register(cohort, drifted, "--only", "陈雨桐")
    assert done.returncode == 1, done.stdout + done.stderr
    out = _outcome("陈雨桐")
    assert out["outcome"] == "site mismatch"
    message = str(out["message"])
    assert "field labelled '手机号码'" in message
    # 电子邮箱 is editable and unclaimed too, but optional: 联系电话 is the one required field left
    assert (
        "'联系电话' (elimination: the only required text field here no step of the flow uses)" in message
    ), message
    assert "'电子邮箱'" not in message and "'姓名'" not in message  # optional / read-only: not suggested
