"""Which step of the registration wizard a page shows: decided here and nowhere else.

The guide shows the wizard with a steps bar of four titles, the current one marked
(上传证件照 → 填写报名信息 → 扫码在线签名 → 预览确认提交). A recorded page's ``wizard_step`` is the
title the bar marks as current (a class such as ``current``/``active``, or ``aria-current``). When
the bar marks none in a way we can read, the page is told apart by the text the flows use for it
(``flows/register.yaml``: 上传照片, 申报科目, 个人承诺书, 我的签名), looked for last step first.
A page without the four titles has no wizard step.
"""

from __future__ import annotations

#: The steps bar's titles, in order, as the guide shows them.
STEPS = ("上传证件照", "填写报名信息", "扫码在线签名", "预览确认提交")

#: Text only that step's page shows → its title; checked in this order (the preview repeats the
#: form's labels, so it comes first). The same texts the register flow tells the pages apart by.
MARKERS = (
    ("我的签名", "预览确认提交"),
    ("个人承诺书", "扫码在线签名"),
    ("申报科目", "填写报名信息"),
    ("上传照片", "上传证件照"),
)


def js_argument() -> list[object]:
    """The argument of snapshot.js ``wizardStep``."""
    return [list(STEPS), [list(m) for m in MARKERS]]
