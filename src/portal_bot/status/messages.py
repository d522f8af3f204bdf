"""The notification message of a status run, rendered for each channel: text, markdown, JSON.

A message holds the counts per action and the list of changes; it renders to plain Chinese text
(Feishu, e-mail), group-robot markdown (WeCom, DingTalk) and the generic JSON webhook body. Long
lists are cut to fit each robot's size limit, saying how many changes were left out.

Every rendered text passes through :func:`portal_bot.privacy.mask_text`; this module must never put
an unmasked ID or phone number into a message.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from portal_bot.cohortrun.states import Action
from portal_bot.privacy import mask_text
from portal_bot.status.changes import Change, Observation, exit_code, summary

EVENT = "portal-bot.status"
TITLE = "portal-bot 报名状态"


@dataclass(frozen=True)
class StatusMessage:
    """What a status run tells people: counts per action, changes, run errors."""

    counts: Mapping[Action, int]
    changes: Sequence[Change]
    generated_at: datetime
    cohort: str | None = None
    errors: Sequence[str] = ()
    test: bool = False
    exit_code: int = 0

    @classmethod
    def from_run(
        cls,
        current: Iterable[Observation],
        changes: Sequence[Change],
        *,
        generated_at: datetime,
        cohort: str | None = None,
        run_errors: Sequence[str] = (),
    ) -> StatusMessage:
        """The message for one run: this run's observations and :func:`~.changes.diff`'s result."""
        current = list(current)
        return cls(
            counts=summary(current),
            changes=list(changes),
            generated_at=generated_at,
            cohort=cohort,
            errors=list(run_errors),
            exit_code=exit_code(current, run_errors=len(run_errors)),
        )

    @classmethod
    def for_test(cls, *, cohort: str | None = None, now: datetime | None = None) -> StatusMessage:
        """The ``notify-test`` message: no candidates, clearly marked as a test."""
        return cls(
            counts=dict.fromkeys(Action, 0),
            changes=[],
            generated_at=now or datetime.now(UTC),
            cohort=cohort,
            test=True,
        )

    # -- pieces -------------------------------------------------------------------------------

    @property
    def title(self) -> str:
        suffix = f" · {mask_text(self.cohort)}" if self.cohort else ""
        if self.test:
            return f"{TITLE}{suffix} · 测试消息"
        attention = sum(n for a, n in self.counts.items() if a.needs_attention)
        return f"{TITLE}{suffix}: {len(self.changes)} 项变化，{attention} 人需处理"

    def count_line(self) -> str:
        parts = [f"{a.label} {n}" for a, n in self.counts.items() if n]
        return " · ".join(parts) if parts else "暂无考生"

    def change_lines(self) -> list[str]:
        return [c.describe() for c in self.changes]

    def when(self) -> str:
        return self.generated_at.strftime("%Y-%m-%d %H:%M %Z").strip()

    def test_line(self) -> str:
        return "这是一条测试消息：通知设置可用。(test message: this notifier works)"

    # -- renderings ----------------------------------------------------------------------------

    def text(self, *, limit_bytes: int | None = None) -> str:
        """Plain text (Feishu, e-mail)."""
        head = [self.title, self.when()]
        if self.test:
            return mask_text("\n".join([*head, self.test_line()]))
        head.append(f"人数: {self.count_line()}")
        head += [f"错误: {e}" for e in self.errors]
        head.append(f"变化 ({len(self.changes)}):" if self.changes else "没有变化。")
        lines = [f"- {line}" for line in self.change_lines()]
        return mask_text(_fit(head, lines, limit_bytes))

    def markdown(self, *, limit_bytes: int | None = None) -> str:
        """Group-robot markdown (WeCom, DingTalk): headings, bold counts, a bullet per change."""
        head = [f"### {_md(self.title)}", f"> {self.when()}", ""]
        if self.test:
            return mask_text("\n".join([*head, self.test_line()]))
        counts = " · ".join(f"{a.label} **{n}**" for a, n in self.counts.items() if n) or "暂无考生"
        head += [f"**人数**: {counts}", ""]
        head += [f"**错误**: {_md(e)}" for e in self.errors]
        head.append(f"**变化 ({len(self.changes)})**" if self.changes else "没有变化。")
        lines = [f"- {_md(line)}" for line in self.change_lines()]
        return mask_text(_fit(head, lines, limit_bytes))

    def payload(self) -> dict[str, Any]:
        """The generic webhook's JSON body."""
        return {
            "event": EVENT,
            "test": self.test,
            "cohort": mask_text(self.cohort) if self.cohort else None,
            "generated_at": self.generated_at.isoformat(),
            "title": self.title,
            "exit_code": self.exit_code,
            "summary": {a.value: n for a, n in self.counts.items()},
            "changes": [c.to_dict() for c in self.changes],
            "errors": [mask_text(e) for e in self.errors],
        }


def _md(text: str) -> str:
    """Neutralise tags and code spans in people's text (the masks' asterisks stay as they are)."""
    return text.replace("<", "＜").replace(">", "＞").replace("`", "'")


def _fit(head: list[str], lines: list[str], limit_bytes: int | None) -> str:
    """Join head and lines; when over ``limit_bytes`` (UTF-8), drop lines and say how many."""
    full = "\n".join([*head, *lines])
    if limit_bytes is None or len(full.encode("utf-8")) <= limit_bytes:
        return full
    kept = list(lines)
    while kept:
        kept.pop()
        more = f"…另有 {len(lines) - len(kept)} 项变化未列出，详见报告"
        text = "\n".join([*head, *kept, more])
        if len(text.encode("utf-8")) <= limit_bytes:
            return text
    text = "\n".join([*head, f"…{len(lines)} 项变化未列出，详见报告"])
    return text.encode("utf-8")[:limit_bytes].decode("utf-8", errors="ignore")
