"""Traces are rewritten so that no secret, ID or phone number survives in any text entry."""

from __future__ import annotations

import json
import os
import zipfile
from pathlib import Path

from portal_bot.register.evidence import HIDDEN, replacements, scrub_trace

PASSWORD, ID, PHONE, COOKIE = "Pw-Secret!42x", "330106200403150318", "138 0571 0001", "sess-9f8e7d6c5b"


def test_scrub_trace_removes_secrets_in_every_spelling(tmp_path: Path) -> None:
    trace = tmp_path / "t-trace.zip"
    events = [
        {"type": "before", "method": "fill", "params": {"value": PASSWORD}},
        {"type": "frame-snapshot", "html": ["INPUT", {"__playwright_value_": PASSWORD}]},
        {"type": "resource", "postData": "pw=Pw-Secret%2142x&phone=138+0571+0001"},
        {"type": "resource", "headers": [{"name": "Cookie", "value": f"sid={COOKIE}"}]},
        {"type": "resource", "headers": [{"name": "set-cookie", "value": "old=before-login; Path=/"}]},
        {"type": "frame-snapshot", "html": f"<td>{ID}</td><td>13805710001</td><td>{PHONE}</td>"},
        {"type": "other", "wallTime": 1764371234567, "ref": "call@13805"},
    ]
    with zipfile.ZipFile(trace, "w") as z:
        z.writestr("trace.trace", "\n".join(json.dumps(e, ensure_ascii=False) for e in events))
        z.writestr("resources/img.png", b"\x89PNG\r\n\x1a\n\xff\xfe" + PASSWORD.encode())
    table = replacements(secrets=[PASSWORD, COOKIE], masked={ID: "3301**********0318", PHONE: "138****0001"})
    scrub_trace(trace, table)
    with zipfile.ZipFile(trace) as z:
        text = z.read("trace.trace").decode("utf-8")
        assert z.read("resources/img.png").startswith(b"\x89PNG")  # binary entries are kept
    gone = ("before-login", PASSWORD, "Pw-Secret%2142x", ID, PHONE, "13805710001", "138+0571+0001", COOKIE)
    for secret in gone:
        assert secret not in text
    assert HIDDEN in text and "3301**********0318" in text and "138****0001" in text
    assert "1764371234567" in text and "call@13805" in text  # the trace's own numbers survive
    [json.loads(line) for line in text.splitlines()]  # still a valid trace
    if os.name == "posix":
        assert trace.stat().st_mode & 0o777 == 0o600


def test_short_secrets_are_not_scrubbed_everywhere() -> None:
    assert replacements(secrets=["", "12"]) == {}


def test_a_scrubbed_copy_replaces_the_raw_trace(tmp_path: Path) -> None:
    raw, final = tmp_path / ".t-trace.raw.zip", tmp_path / "t-trace.zip"
    with zipfile.ZipFile(raw, "w") as z:
        z.writestr("trace.trace", json.dumps({"value": PASSWORD}))
    scrub_trace(raw, replacements(secrets=[PASSWORD]), target=final)
    assert not raw.exists()
    with zipfile.ZipFile(final) as z:
        assert PASSWORD not in z.read("trace.trace").decode("utf-8")
