import os
from pathlib import Path

import pytest

from portal_bot.fileio import atomic_write_bytes, atomic_write_text


def test_private_files_are_0600(tmp_path: Path) -> None:
    target = tmp_path / "sessions" / "张三.json"
    atomic_write_text(target, '{"cookies": []}', private=True)
    assert target.read_text(encoding="utf-8") == '{"cookies": []}'
    if os.name == "posix":
        assert target.stat().st_mode & 0o777 == 0o600


def test_failed_write_leaves_the_old_file_and_no_temp(tmp_path: Path) -> None:
    target = tmp_path / "out.bin"
    target.write_bytes(b"old")

    with pytest.raises(TypeError):
        atomic_write_bytes(target, "not bytes")  # type: ignore[arg-type]
    assert target.read_bytes() == b"old"
    assert [p.name for p in tmp_path.iterdir()] == ["out.bin"]
