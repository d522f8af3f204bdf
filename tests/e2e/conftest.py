"""End-to-end fixtures: the mock portal in this process, the CLI in a subprocess (as a user runs it).

The register command runs as a real process so that crash tests can kill it like kill -9 would,
and so its asyncio loop never meets pytest-playwright's.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from portal_bot.mock_portal.pytest_plugin import rename_seed_from_env
from portal_bot.mock_portal.server import RunningPortal, serve_in_thread

REPO = Path(__file__).resolve().parents[2]
SAMPLE = REPO / "profiles" / "sample-cohort"
TOKEN = "e2e-qa-token"


#: Runs a test on variant 0 and on the renaming variant (every id, class and name renamed, seed
#: PORTAL_BOT_MOCK_RENAME_SEED else 1), so CI proves the main paths on both without running every
#: e2e test twice. The whole suite goes on the renaming variant with PORTAL_BOT_MOCK_RENAME_SEED=S.
ALSO_RENAMED = pytest.mark.parametrize("portal", ["plain", "renamed"], indirect=True)


@pytest.fixture(scope="module")
def portal(request: pytest.FixtureRequest) -> Iterator[RunningPortal]:
    seed = rename_seed_from_env()
    if getattr(request, "param", "plain") == "renamed":
        seed = 1 if seed is None else seed
    with serve_in_thread(qa_token=TOKEN, rename_seed=seed) as running:
        yield running


@pytest.fixture
def fresh_portal(portal: RunningPortal) -> RunningPortal:
    portal.qa.reset()
    return portal


@pytest.fixture
def cohort(tmp_path: Path) -> Path:
    """A private copy of the sample cohort (prepare writes prepared/ beside it)."""
    target = tmp_path / "cohort"
    shutil.copytree(SAMPLE, target, ignore=shutil.ignore_patterns("prepared", ".portal-bot-id"))
    return target


def portal_bot(
    *args: str, env: dict[str, str] | None = None, timeout: float = 600
) -> subprocess.CompletedProcess[str]:
    """Run ``portal-bot ARGS`` in a subprocess with this test's environment (state dir included)."""
    full_env = {
        **os.environ,
        "PORTAL_BOT_MOCK_QA_TOKEN": TOKEN,
        "PYTHONUTF8": "1",
        "COLUMNS": "200",
        **(env or {}),
    }
    return subprocess.run(
        [sys.executable, "-m", "portal_bot", *args],
        capture_output=True,
        text=True,
        encoding="utf-8",
        env=full_env,
        timeout=timeout,
        check=False,
    )


def register(
    cohort: Path, portal: RunningPortal, *extra: str, env: dict[str, str] | None = None
) -> subprocess.CompletedProcess[str]:
    return portal_bot(
        "register",
        str(cohort),
        "--portal",
        portal.url,
        "--simulate-human",
        "--confirm",
        "auto",
        "--human-timeout",
        "60",
        *extra,
        env=env,
    )
