"""``portal-bot validate``: the table (masked), --json's exact shape, exit codes, one-line cohort errors."""

import json
import shutil
from pathlib import Path

import pytest
from typer.testing import CliRunner

from portal_bot.cli import app

ROOT = Path(__file__).resolve().parents[2]
SAMPLE = ROOT / "profiles" / "sample-cohort"
FIXTURES = ROOT / "fixtures" / "profiles"
runner = CliRunner()


@pytest.fixture(autouse=True)
def _wide(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("COLUMNS", "200")
    monkeypatch.delenv("PORTAL_BOT_UNMASK", raising=False)


def test_sample_cohort_passes_with_masked_table() -> None:
    result = runner.invoke(app, ["validate", str(SAMPLE)])
    assert result.exit_code == 0, result.output
    assert "5 candidates: 5 ok, 0 with errors" in result.output
    assert "王小明" in result.output
    assert "3301**********0318" in result.output
    assert "138****0001" in result.output
    for path in SAMPLE.glob("*.yaml"):
        for line in path.read_text(encoding="utf-8").splitlines():
            if line.startswith("id_number:"):
                assert line.split("'")[1] not in result.output


def test_json_has_exactly_the_documented_shape() -> None:
    result = runner.invoke(app, ["validate", str(FIXTURES / "009_sex_differs_from_id"), "--json"])
    assert result.exit_code == 1
    payload = json.loads(result.stdout)
    assert set(payload) == {"candidates"}
    [candidate] = payload["candidates"]
    assert set(candidate) == {"file", "name", "ok", "problems"}
    assert candidate["file"] == "candidate.yaml"
    assert candidate["name"] == "测试甲"
    assert candidate["ok"] is False
    [problem] = candidate["problems"]
    assert set(problem) == {"field", "severity", "message"}
    assert problem["field"] == "sex"
    assert problem["severity"] == "error"
    assert problem["message"].startswith("candidate.yaml:")
    assert "女" in problem["message"] and "男" in problem["message"]


def test_json_for_a_clean_cohort_exits_0() -> None:
    result = runner.invoke(app, ["validate", str(SAMPLE), "--json"])
    assert result.exit_code == 0
    payload = json.loads(result.stdout)
    assert [c["ok"] for c in payload["candidates"]] == [True] * 5
    assert all(c["problems"] == [] for c in payload["candidates"])


def test_warnings_alone_do_not_fail() -> None:
    result = runner.invoke(app, ["validate", str(FIXTURES / "008_id_legacy_15_digits"), "--json"])
    assert result.exit_code == 0
    [candidate] = json.loads(result.stdout)["candidates"]
    assert candidate["ok"] is True
    assert [p["severity"] for p in candidate["problems"]] == ["warning"]


def test_errors_are_listed_with_file_line_and_field() -> None:
    result = runner.invoke(app, ["validate", str(FIXTURES / "022_condition_1_needs_5_years")])
    assert result.exit_code == 1
    assert "eligibility: candidate.yaml:" in result.output
    assert "(1) needs at least 5 years" in result.output
    assert "1 with errors" in result.output


def test_a_bad_file_does_not_stop_the_others(tmp_path: Path) -> None:
    cohort = tmp_path / "cohort"
    shutil.copytree(SAMPLE, cohort)
    (cohort / "000-bad.yaml").write_text("name: [broken\n", encoding="utf-8")
    result = runner.invoke(app, ["validate", str(cohort), "--json"])
    assert result.exit_code == 1
    oks = [c["ok"] for c in json.loads(result.stdout)["candidates"]]
    assert oks == [False, True, True, True, True, True]


def test_bad_cohort_yaml_is_one_line_without_traceback() -> None:
    result = runner.invoke(app, ["validate", str(FIXTURES / "039_cohort_unknown_plan_key")])
    assert result.exit_code == 1
    lines = [line for line in result.output.splitlines() if line.strip()]
    assert len(lines) == 1, result.output
    assert "cohort.yaml:4:" in lines[0] and "did you mean 'level'" in lines[0]
    assert "Traceback" not in result.output


def test_missing_folder_is_a_clear_error(tmp_path: Path) -> None:
    result = runner.invoke(app, ["validate", str(tmp_path / "nope")])
    assert result.exit_code == 1
    assert "is not a folder" in result.output


def test_unmask_shows_full_numbers_on_the_console(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("PORTAL_BOT_UNMASK", "1")
    result = runner.invoke(app, ["validate", str(SAMPLE)])
    assert result.exit_code == 0
    assert "13805710001" in result.output


def test_messages_with_brackets_print_intact(tmp_path: Path) -> None:
    cohort = tmp_path / "cohort"
    shutil.copytree(SAMPLE, cohort)
    path = cohort / "001-0318.yaml"
    path.write_text(path.read_text(encoding="utf-8") + "eligibility: '[abc]'\n", encoding="utf-8")
    result = runner.invoke(app, ["validate", str(cohort)])
    assert result.exit_code == 1
    assert "'[abc]' names no condition; write the numbers, e.g. [3]" in result.output


def test_json_file_names_are_relative_to_a_relative_cohort_dir(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(SAMPLE.parent)
    result = runner.invoke(app, ["validate", SAMPLE.name, "--json"])
    assert result.exit_code == 0
    assert json.loads(result.stdout)["candidates"][0]["file"] == "001-0318.yaml"


def test_every_problem_of_a_candidate_shows_in_one_pass(tmp_path: Path) -> None:
    """A wrong phone must not hide the credit-code and missing-photo errors until it is fixed."""
    cohort = tmp_path / "c"
    shutil.copytree(SAMPLE, cohort)
    path = cohort / "004-0049.yaml"
    text = path.read_text(encoding="utf-8")
    text = text.replace("phone: 136 0571 0004", "phone: 136 0571 00")
    text = text.replace("credit_code: 91330106MA2H3K5L7J\n", "")
    text = text.replace("photo: photos/zhao-jing.jpg", "photo: photos/nope.jpg")
    path.write_text(text, encoding="utf-8")
    result = runner.invoke(app, ["validate", str(cohort), "--json"])
    assert result.exit_code == 1
    doc = json.loads(result.stdout)
    zhao = next(c for c in doc["candidates"] if c["file"].endswith("004-0049.yaml"))
    fields = sorted(p["field"] for p in zhao["problems"] if p["severity"] == "error")
    assert fields == ["credit_code", "phone", "photo"], zhao["problems"]


def test_a_rule_that_reads_an_invalid_field_does_not_guess(tmp_path: Path) -> None:
    """years_in_occupation is invalid: condition (1)'s 5-year rule must not run on a placeholder."""
    cohort = tmp_path / "c"
    shutil.copytree(SAMPLE, cohort)
    path = cohort / "004-0049.yaml"
    path.write_text(
        path.read_text(encoding="utf-8").replace("years_in_occupation: 6", "years_in_occupation: 六"),
        encoding="utf-8",
    )
    result = runner.invoke(app, ["validate", str(cohort), "--json"])
    doc = json.loads(result.stdout)
    zhao = next(c for c in doc["candidates"] if c["file"].endswith("004-0049.yaml"))
    assert [p["field"] for p in zhao["problems"] if p["severity"] == "error"] == ["years_in_occupation"]


def _bomb(levels: int) -> str:
    """A billion-laughs profile: each level names the one before it ten times."""
    lines = ['a0: &a0 ["lol"]']
    for n in range(1, levels):
        lines.append(f"a{n}: &a{n} [{', '.join([f'*a{n - 1}'] * 10)}]")
    return "name: 王小明\n" + "\n".join(lines) + "\n"


@pytest.mark.parametrize(
    ("body", "line", "text"),
    [
        (_bomb(5), 3, "uses the YAML alias *a0; aliases are not allowed here"),
        ("name: 王小明\nnotes: " + "[" * 990 + "]" * 990 + "\n", 2, "nested more than 50 levels deep"),
        ("defaults: &d {education: 大专}\nname: 王小明\n<<: *d\n", 3, "uses the YAML alias *d"),
    ],
    ids=["alias-bomb", "deep-nesting", "merge-key"],
)
def test_alias_bombs_and_deep_nesting_fail_only_their_file(
    tmp_path: Path, body: str, line: int, text: str
) -> None:
    cohort = tmp_path / "cohort"
    shutil.copytree(SAMPLE, cohort)
    (cohort / "000-bomb.yaml").write_text(body, encoding="utf-8")
    result = runner.invoke(app, ["validate", str(cohort), "--json"])
    assert result.exit_code == 1, result.output
    candidates = json.loads(result.stdout)["candidates"]
    assert [c["ok"] for c in candidates] == [False, True, True, True, True, True]
    errors = candidates[0]["problems"]
    assert len(errors) == 1 and errors[0]["message"].startswith(f"000-bomb.yaml:{line}: ")
    assert text in errors[0]["message"]


def test_an_alias_in_cohort_yaml_is_one_line(tmp_path: Path) -> None:
    cohort = tmp_path / "cohort"
    shutil.copytree(SAMPLE, cohort)
    path = cohort / "cohort.yaml"
    path.write_text(path.read_text(encoding="utf-8") + "x: &x [1]\ny: *x\n", encoding="utf-8")
    result = runner.invoke(app, ["validate", str(cohort)])
    assert result.exit_code == 1
    lines = [line for line in result.output.splitlines() if line.strip()]
    assert len(lines) == 1 and "cohort.yaml:" in lines[0] and "alias *x" in lines[0], result.output
    assert "Traceback" not in result.output


PDF = SAMPLE / "materials" / "sun-haoran-certificate.pdf"
PHOTO = SAMPLE / "photos" / "wang-xiaoming.jpg"


def _cohort_naming(tmp_path: Path, photo: str, material: str) -> Path:
    """The sample cohort with the first candidate's photo and only material replaced."""
    cohort = tmp_path / "cohort"
    shutil.copytree(SAMPLE, cohort)
    path = cohort / "001-0318.yaml"
    text = path.read_text(encoding="utf-8").split("photo:")[0]
    path.write_text(
        text + f"photo: {json.dumps(photo)}\nmaterials: [{json.dumps(material)}]\n", encoding="utf-8"
    )
    return cohort


def _errors(cohort: Path) -> list[str]:
    result = runner.invoke(app, ["validate", str(cohort), "--json"])
    first = json.loads(result.stdout)["candidates"][0]
    return [p["message"] for p in first["problems"] if p["severity"] == "error"]


@pytest.mark.parametrize("how", ["dotdot", "absolute", "symlink"])
def test_files_outside_the_cohort_folder_are_refused(tmp_path: Path, how: str) -> None:
    shutil.copyfile(PDF, tmp_path / "private.pdf")
    shutil.copyfile(PHOTO, tmp_path / "private.jpg")
    refs = {
        "dotdot": ("../private.jpg", "../private.pdf"),
        "absolute": (str(tmp_path / "private.jpg"), str(tmp_path / "private.pdf")),
        "symlink": ("photos/looks-local.jpg", "materials/looks-local.pdf"),
    }[how]
    cohort = _cohort_naming(tmp_path, *refs)
    if how == "symlink":
        (cohort / "photos" / "looks-local.jpg").symlink_to(tmp_path / "private.jpg")
        (cohort / "materials" / "looks-local.pdf").symlink_to(tmp_path / "private.pdf")
    errors = _errors(cohort)
    assert any(e.startswith("001-0318.yaml:") and "photo " in e and "outside the cohort" in e for e in errors)
    assert any("material " in e and "outside the cohort folder" in e for e in errors), errors
    assert all("shared_dirs:" in e for e in errors if "outside" in e)


def test_a_symlink_inside_the_cohort_folder_is_fine(tmp_path: Path) -> None:
    cohort = _cohort_naming(tmp_path, "photos/link.jpg", "materials/sun-haoran-certificate.pdf")
    (cohort / "photos" / "link.jpg").symlink_to(cohort / "photos" / "wang-xiaoming.jpg")
    assert _errors(cohort) == []


def test_a_shared_folder_named_in_cohort_yaml_is_allowed(tmp_path: Path) -> None:
    shared = tmp_path / "shared"
    shared.mkdir()
    shutil.copyfile(PDF, shared / "common.pdf")
    cohort = _cohort_naming(tmp_path, "photos/wang-xiaoming.jpg", "../shared/common.pdf")
    assert any("outside" in e for e in _errors(cohort))
    path = cohort / "cohort.yaml"
    path.write_text(path.read_text(encoding="utf-8") + "shared_dirs: [../shared]\n", encoding="utf-8")
    assert _errors(cohort) == []
    path.write_text(path.read_text(encoding="utf-8").replace("../shared]", "../nope]"), encoding="utf-8")
    result = runner.invoke(app, ["validate", str(cohort)])
    assert result.exit_code == 1 and "shared_dirs[0]: '../nope' is not a folder" in result.output


def test_promotion_evidence_outside_is_refused(tmp_path: Path) -> None:
    shutil.copyfile(PDF, tmp_path / "cert.pdf")
    cohort = tmp_path / "cohort"
    shutil.copytree(SAMPLE, cohort)
    sun = cohort / "005-0118.yaml"
    text = sun.read_text(encoding="utf-8")
    lines = [
        f"  evidence: {json.dumps(str(tmp_path / 'cert.pdf'))}"
        if line.strip().startswith("evidence:")
        else line
        for line in text.splitlines()
    ]
    assert lines != text.splitlines()
    sun.write_text("\n".join(lines) + "\n", encoding="utf-8")
    result = runner.invoke(app, ["validate", str(cohort), "--json"])
    entry = next(c for c in json.loads(result.stdout)["candidates"] if c["file"] == sun.name)
    assert any(
        p["field"] == "promotion.evidence" and "outside the cohort folder" in p["message"]
        for p in entry["problems"]
    ), entry
