"""The desk page serves what an approval shows (the preview, the photo) to no one but itself."""

from __future__ import annotations

import asyncio
import threading
import urllib.error
import urllib.request
from collections.abc import Iterator
from concurrent.futures import Future
from pathlib import Path

import pytest
from PIL import Image

from portal_bot.cohortrun.relay import HumanTask, Relay
from portal_bot.register.desk import Desk, serve_desk
from tests.unit.cohortrun.test_relay import _request


def run_loop() -> Iterator[asyncio.AbstractEventLoop]:
    """The run's event loop, in its own thread as during a registration."""
    running = asyncio.new_event_loop()
    thread = threading.Thread(target=running.run_forever, daemon=True)
    thread.start()
    yield running
    running.call_soon_threadsafe(running.stop)
    thread.join(5)
    running.close()


loop = pytest.fixture(run_loop, name="loop")


def _waiting_confirmation(
    loop: asyncio.AbstractEventLoop, relay: Relay, tmp_path: Path
) -> tuple[HumanTask, Future[bool]]:
    preview, photo = tmp_path / "preview.png", tmp_path / "photo.jpg"
    Image.new("RGB", (300, 420), "white").save(preview)
    Image.new("RGB", (120, 160), "lightblue").save(photo)
    task = HumanTask("李华", "confirm", detail="plan 2024-S-000911")
    task.evidence = {"preview": preview, "photo": photo}
    task.check = "the preview shows the profile's values"
    decision = asyncio.run_coroutine_threadsafe(relay.confirm(task, timeout=60), loop)
    return task, decision


def test_evidence_needs_the_token_and_a_loopback_host(
    loop: asyncio.AbstractEventLoop, tmp_path: Path
) -> None:
    relay = Relay()
    desk = Desk(relay, loop)
    task, decision = _waiting_confirmation(loop, relay, tmp_path)
    with serve_desk(desk) as url:
        port = url.rstrip("/").rsplit(":", 1)[1]
        path = f"{url}evidence/{task.id}/photo"
        with urllib.request.urlopen(f"{path}?t={desk.token}", timeout=5) as answer:
            assert answer.headers["Content-Type"] == "image/jpeg"
            assert answer.read() == (tmp_path / "photo.jpg").read_bytes()
        for wrong in (path, f"{path}?t=wrong", f"{url}evidence/{task.id}/cookies?t={desk.token}"):
            with pytest.raises(urllib.error.HTTPError) as refused:
                urllib.request.urlopen(wrong, timeout=5)
            assert refused.value.code == 404
            refused.value.close()
        rebinding = _request(f"{path}?t={desk.token}", {"Host": f"evil.example:{port}"})
        assert rebinding == 421
        assert desk.decide(task.id, False) is True
    assert decision.result(timeout=10) is False
    # once decided the confirmation is closed: its images are gone from the desk
    assert desk.evidence(task.id, "photo") is None
