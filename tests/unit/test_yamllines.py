"""The one YAML-with-lines loader, as profiles and flows see it."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest

from portal_bot import yamllines
from portal_bot.errors import FlowError, ProfileError
from portal_bot.flows.schema import load_yaml as load_flow_yaml
from portal_bot.profiles.yamlsrc import load_yaml as load_profile_yaml


def test_lines_of_keys_and_items() -> None:
    text = "name: 张三\npromotion:\n  number: '12'\nmaterials:\n  - a.pdf\n  - b.pdf\n"
    (data,), lines = yamllines.parse(text)
    assert data["promotion"] == {"number": "12"}
    assert lines[("promotion", "number")] == 3 and lines[("materials", 1)] == 6


def test_merge_keys_are_refused_with_the_aliases_they_need() -> None:
    """A merge key needs an alias, and aliases are refused (issue 13: alias bombs), with the line."""
    with pytest.raises(yamllines.YamlProblem) as caught:
        yamllines.parse("base: &b {city: 杭州}\nme:\n  <<: *b\n  name: x\n")
    assert caught.value.line == 3 and "alias *b" in caught.value.message


def _profile(path: Path) -> object:
    return load_profile_yaml(path).data


def _flow(path: Path) -> object:
    return load_flow_yaml(path)[0]


@pytest.mark.parametrize(
    ("load", "error"), [(_profile, ProfileError), (_flow, FlowError)], ids=["profile", "flow"]
)
def test_both_callers_report_the_same_problems_with_their_own_error(
    load: Callable[[Path], object], error: type[Exception], tmp_path: Path
) -> None:
    dup = tmp_path / "dup.yaml"
    dup.write_text("name: a\nphone: '1'\nphone: '2'\n", encoding="utf-8")
    with pytest.raises(error, match="duplicate key 'phone'") as info:
        load(dup)
    assert getattr(info.value, "line", None) == 3
    bad = tmp_path / "bad.yaml"
    bad.write_bytes("name: 张三\n".encode("gbk"))
    with pytest.raises(error, match="is not UTF-8 text"):
        load(bad)
    bom = tmp_path / "bom.yaml"
    bom.write_bytes(b"\xef\xbb\xbfname: x\nsteps: []\n")
    assert load(bom) == {"name": "x", "steps": []}


def test_a_flow_in_two_documents_keeps_the_lines_of_its_steps(tmp_path: Path) -> None:
    path = tmp_path / "f.yaml"
    path.write_text("name: f\n---\n- click: 下一步\n- stop\n", encoding="utf-8")
    data, lines = load_flow_yaml(path)
    assert data == {"name": "f", "steps": [{"click": "下一步"}, "stop"]}
    assert lines[("steps", 0, "click")] == 3 and lines[("steps", 1)] == 4 and lines[("name",)] == 1
