"""Roster import internals that the CLI tests cannot reach: atomic writes when writing fails."""

from pathlib import Path
from typing import Any

import pytest

from portal_bot.profiles import roster
from portal_bot.profiles.roster import HEADERS, import_roster

ROOT = Path(__file__).resolve().parents[3]
COHORT = ROOT / "profiles" / "sample-cohort" / "cohort.yaml"


def test_a_failure_while_writing_leaves_nothing_behind(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    csv = tmp_path / "r.csv"
    csv.write_text(
        "姓名,身份证件号码\n王小明,330106200403150318\n陈雨桐,330521200508220242\n", encoding="utf-8"
    )
    calls = 0
    real_dump = roster._dump

    def failing_dump(data: Any) -> str:
        nonlocal calls
        calls += 1
        if calls == 3:  # cohort.yaml and the first candidate are written, then the disk is "full"
            raise OSError(28, "No space left on device")
        return real_dump(data)

    monkeypatch.setattr(roster, "_dump", failing_dump)
    with pytest.raises(OSError):
        import_roster(csv, COHORT, tmp_path / "out")
    assert sorted(p.name for p in tmp_path.iterdir()) == ["r.csv"]


def test_every_product_header_is_known() -> None:
    product_headers = (
        "姓名 身份证件类型 身份证件号码 性别 出生日期 文化程度 通讯地址 手机号码 照片 其他材料 "
        "考生类别 所在单位 统一社会信用代码 本职业工作年限 从事岗位 符合申报条件 是否晋级申报"
    ).split()
    assert set(product_headers) <= set(HEADERS)
    assert {h for h in HEADERS if h.startswith("原")} >= {"原证书类型", "原证书编号", "原证书佐证材料"}


def test_exact_integer_id_is_kept_with_a_warning_and_a_rounded_one_refused() -> None:
    warnings: list[str] = []
    assert roster._id_number(330106200403150318, warnings.append) == "330106200403150318"
    assert warnings == ["is stored as a number; format the column as Text before Excel rounds it"]
    with pytest.raises(roster._RowError, match="last digits are lost"):
        roster._id_number(330106200403150000, warnings.append)  # what Excel keeps: 15 digits
    with pytest.raises(roster._RowError, match="last digits are lost"):
        roster._id_number(3.30106200403150e17, warnings.append)
    assert roster._id_number(330106850315031, warnings.append) == "330106850315031"  # legacy, exact


def test_an_apostrophe_typed_to_keep_text_is_dropped() -> None:
    assert roster._id_number("'330106200403150318", lambda _m: None) == "330106200403150318"
