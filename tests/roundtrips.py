"""Counting browser round trips: how many calls the Python client sends to Playwright's driver.

A count does not move with the machine's load the way a time does, so a budget on it is a stable
test. Playwright's Python client logs every message it sends when ``DEBUG=pw:channel`` is set
(``pw:channel SEND> {"id": …, "guid": "page@…", "method": "goto", …}`` on stderr; see
``playwright/_impl/connection.py``). We run the process with that variable, read its stderr and
count the sent messages by ``Type.method`` (the type is the guid's prefix: ``frame``, ``page`` …).

Messages the driver never answers are not round trips and are counted apart: ``__waitInfo__`` (a
wait's log lines) and every ``…NoReply`` method (``localUtils.addStackToTracingNoReply``: one per
API call while tracing records, carrying the caller's stack).

The settle look-out's polls are counted apart too (``polled``): while a click or an expect is still
waiting after 0.5 s, ``flows/settle.py`` asks the page every 0.2 s whether the target is there
(an evaluate of locate.js's ``targetPresent``), so their number follows the machine's load, not the
code (3 at load 15, 17 at load 60 for one registration). They are listed, and not in the total.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import tempfile
from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path

SEND_PREFIX = "pw:channel SEND> "
WAIT_INFO = "__waitInfo__"
#: How the look-out's evaluate reads on the wire (``settle.TARGET``: the one-line call, or the
#: whole of locate.js once per document, both ending in this call).
LOOK_OUT = "targetPresent(arg)"


@dataclass
class RoundTrips:
    """Messages sent to the driver and answered, by ``type.method``; ``no_reply`` the others."""

    by_method: Counter[str] = field(default_factory=Counter)
    no_reply: Counter[str] = field(default_factory=Counter)
    polled: Counter[str] = field(default_factory=Counter)

    @property
    def total(self) -> int:
        return sum(self.by_method.values())

    def table(self, top: int | None = None) -> str:
        """The breakdown, most frequent first: one ``count  type.method`` line each."""
        lines = [f"{n:>5}  {method}" for method, n in self.by_method.most_common(top)]
        lines.append(f"{self.total:>5}  total round trips")
        lines += [f"{n:>5}  {method} (no reply: not counted)" for method, n in self.no_reply.most_common()]
        lines += [
            f"{n:>5}  {method} (settle look-out, grows with the load: not counted)"
            for method, n in self.polled.most_common()
        ]
        return "\n".join(lines)


def parse(lines: Iterable[str]) -> RoundTrips:
    """Count the ``SEND>`` lines among a process's stderr lines (other lines are ignored)."""
    counted = RoundTrips()
    for line in lines:
        if not line.startswith(SEND_PREFIX):
            continue
        message = json.loads(line[len(SEND_PREFIX) :])
        method = str(message.get("method", "?"))
        kind = str(message.get("guid", "?")).split("@", 1)[0] or "?"
        if method == WAIT_INFO or method.endswith("NoReply"):
            counted.no_reply[f"{kind}.{method}"] += 1
        elif LOOK_OUT in str((message.get("params") or {}).get("expression", "")):
            counted.polled[f"{kind}.{method}"] += 1
        else:
            counted.by_method[f"{kind}.{method}"] += 1
    return counted


def run_counted(
    args: Sequence[str], *, env: dict[str, str] | None = None, timeout: float = 900
) -> tuple[subprocess.CompletedProcess[str], RoundTrips]:
    """Run ``python ARGS`` with ``DEBUG=pw:channel``; its result (stderr without the protocol lines)
    and the round trips it made. stderr goes through a file: screenshots make it tens of MB."""
    full_env = {**os.environ, **(env or {}), "DEBUG": "pw:channel", "PYTHONUTF8": "1"}
    with tempfile.TemporaryDirectory(prefix="roundtrips-") as tmp:
        err_path = Path(tmp) / "stderr.txt"
        with err_path.open("w", encoding="utf-8") as err:
            proc = subprocess.run(
                [sys.executable, *args],
                stdout=subprocess.PIPE,
                stderr=err,
                text=True,
                encoding="utf-8",
                env=full_env,
                timeout=timeout,
                check=False,
            )
        with err_path.open(encoding="utf-8", errors="replace") as err:
            counted = parse(err)
        with err_path.open(encoding="utf-8", errors="replace") as err:
            rest = "".join(line for line in err if "pw:channel " not in line)  # driver's too
    return subprocess.CompletedProcess(proc.args, proc.returncode, proc.stdout, rest), counted
