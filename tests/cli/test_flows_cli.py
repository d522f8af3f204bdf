"""``portal-bot flows check`` through the CLI, as a QA engineer runs it."""

from __future__ import annotations

import re
from pathlib import Path

from typer.testing import CliRunner

from portal_bot.cli import app

FIXTURES = Path(__file__).resolve().parents[2] / "fixtures" / "flows"
runner = CliRunner()


def test_clean_flows_exit_0() -> None:
    result = runner.invoke(app, ["flows", "check", *map(str, sorted((FIXTURES / "ok").glob("*.yaml")))])
    assert result.exit_code == 0, result.output
    assert "3 flows OK" in result.output


def test_problems_one_line_each_exit_1() -> None:
    bad = [FIXTURES / "errors" / "001_unknown_step.yaml", FIXTURES / "errors" / "011_unreachable.yaml"]
    result = runner.invoke(app, ["flows", "check", *map(str, bad)])
    assert result.exit_code == 1
    lines = result.stdout.splitlines()
    assert lines[0].endswith("001_unknown_step.yaml:4: unknown step 'clik' (did you mean click?)")
    assert lines[1].endswith("011_unreachable.yaml:4: unreachable: after the unconditional stop at line 3")
    assert "Traceback" not in result.output


def test_missing_file_is_one_line(tmp_path: Path) -> None:
    result = runner.invoke(app, ["flows", "check", str(tmp_path / "nope.yaml")])
    assert result.exit_code == 1
    assert "cannot read flow file" in result.stdout


def test_a_folder_means_its_yaml_files() -> None:
    result = runner.invoke(app, ["flows", "check", str(FIXTURES / "ok")])
    assert result.exit_code == 0, result.output
    assert "3 flows OK" in result.output


DOCS = Path(__file__).resolve().parents[2] / "docs" / "flows.md"


def _flow(tmp_path: Path, *steps: str) -> Path:
    path = tmp_path / "flow.yaml"
    path.write_text("name: t\nsteps:\n" + "".join(f"  - {s}\n" for s in steps), encoding="utf-8")
    return path


def test_a_prepared_document_prepare_does_not_make_is_caught(tmp_path: Path) -> None:
    # the docs used to show ${prepared.bundle}; prepare makes photo, materials and evidence
    path = _flow(tmp_path, 'upload: {field: 其他材料PDF扫描件, file: "${prepared.bundle}"}')
    result = runner.invoke(app, ["flows", "check", str(path)])
    assert result.exit_code == 1
    assert result.stdout.strip().endswith(
        "flow.yaml:3: unknown prepared key in ${prepared.bundle}: prepare makes evidence, materials, photo"
    )


def test_every_prepared_document_the_docs_name_passes(tmp_path: Path) -> None:
    named = sorted(set(re.findall(r"\$\{prepared\.(\w+)\}", DOCS.read_text(encoding="utf-8"))))
    assert "materials" in named
    steps = [f'upload: {{field: 材料{i}, file: "${{prepared.{key}}}"}}' for i, key in enumerate(named)]
    result = runner.invoke(app, ["flows", "check", str(_flow(tmp_path, *steps))])
    assert result.exit_code == 0, result.output


def test_candidate_keys_are_the_profile_fields(tmp_path: Path) -> None:
    # title_certificate was on the linter's hand-kept list but is no field of a candidate profile
    path = _flow(
        tmp_path,
        'fill: {field: 姓名, value: "${candidate.name}"}',
        'select: {field: 专业技术职称证书, option: "${candidate.title_certificate}"}',
    )
    result = runner.invoke(app, ["flows", "check", str(path)])
    assert result.exit_code == 1
    assert result.stdout.splitlines() == [
        f"{path}:4: unknown candidate key in ${{candidate.title_certificate}}"
    ]
