"""The rule that puts the ID card's front and back on one page of the materials PDF."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from portal_bot.prepare.run import wants_id_pair
from tests.conftest import REPO_ROOT

FRONT = REPO_ROOT / "profiles" / "sample-cohort" / "materials" / "wang-xiaoming-id-front.jpg"
CERTIFICATE = REPO_ROOT / "profiles" / "sample-cohort" / "materials" / "sun-haoran-certificate.pdf"


@pytest.mark.parametrize(
    ("first", "second", "expected"),
    [
        ("张三-身份证正面.jpg", "张三-身份证反面.jpg", True),
        ("身份证人像面.png", "身份证国徽面.png", True),
        ("id-FRONT.jpg", "id-Back.jpg", True),
        ("正面.jpg", "背面.jpg", True),
        ("id-back.jpg", "id-front.jpg", False),  # the wrong way round: leave the order alone
        ("身份证正面.jpg", "毕业证.jpg", False),
        ("scan1.jpg", "scan2.jpg", False),
    ],
)
def test_names_decide(tmp_path: Path, first: str, second: str, expected: bool) -> None:
    files = [shutil.copy(FRONT, tmp_path / first), shutil.copy(FRONT, tmp_path / second)]
    assert wants_id_pair([Path(f) for f in files]) is expected


def test_only_pictures_pair(tmp_path: Path) -> None:
    front = Path(shutil.copy(FRONT, tmp_path / "正面.jpg"))
    back_pdf = Path(shutil.copy(CERTIFICATE, tmp_path / "反面.jpg"))  # a PDF named like a picture
    assert not wants_id_pair([front, back_pdf])
    assert not wants_id_pair([front])
    assert not wants_id_pair([front, tmp_path / "反面-missing.jpg"])
