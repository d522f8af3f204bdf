"""Bug 4 of issue 9: the preview's expected values come from the fill_form step of the flow that
filled the form, not from a field map path the run layer hard-coded."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from portal_bot.errors import FlowError
from portal_bot.flows.steps import load_flow
from portal_bot.portal.preview import expected_preview
from portal_bot.profiles.models import Candidate
from portal_bot.profiles.validate import validate_cohort

REPO = Path(__file__).resolve().parents[3]
PLAN = {"plan_code": "2024-S-000911"}


@pytest.fixture(scope="module")
def zhao() -> Candidate:
    results = validate_cohort(REPO / "profiles" / "sample-cohort")
    people = {r.candidate.name: r.candidate for r in results if r.candidate is not None}
    return people["赵静"]


def test_the_shipped_register_flow_expects_what_its_field_map_fills(zhao: Candidate) -> None:
    flow = load_flow(REPO / "flows" / "register.yaml")
    from_flow = expected_preview(zhao, PLAN, flow)
    assert from_flow == expected_preview(zhao, PLAN, REPO / "flows" / "fields" / "registration.yaml")
    assert from_flow["姓名"] == "赵静"


def test_a_flow_pointed_at_another_field_map_is_checked_against_that_map(
    zhao: Candidate, tmp_path: Path
) -> None:
    flows = tmp_path / "flows"
    shutil.copytree(REPO / "flows", flows)
    (flows / "fields" / "short.yaml").write_text(
        "fields:\n"
        "  - {label: 姓名, value: '${candidate.name}'}\n"
        "  - {label: 联系地址, value: '${candidate.address}'}\n"
        "  - {label: 本职业工作年限, value: '${candidate.years_in_occupation}'}\n",
        encoding="utf-8",
    )
    register = flows / "register.yaml"
    text = register.read_text(encoding="utf-8")
    assert "fill_form: fields/registration.yaml" in text
    register.write_text(text.replace("fields/registration.yaml", "fields/short.yaml"), encoding="utf-8")

    expected = expected_preview(zhao, PLAN, load_flow(register))

    assert expected == {
        "姓名": "赵静",
        "联系地址": zhao.address,
        "本职业工作年限": f"{zhao.years_in_occupation} 年",
    }


def test_fill_form_inside_run_flow_and_retry_counts_too(zhao: Candidate, tmp_path: Path) -> None:
    (tmp_path / "inner.yaml").write_text(
        "name: inner\nsteps:\n"
        "  - retry: {steps: [{fill_form: {fields: [{label: 姓名, value: '${candidate.name}'}]}}]}\n",
        encoding="utf-8",
    )
    (tmp_path / "outer.yaml").write_text("name: outer\nsteps:\n  - run_flow: inner.yaml\n", encoding="utf-8")
    assert expected_preview(zhao, PLAN, load_flow(tmp_path / "outer.yaml")) == {"姓名": "赵静"}


def test_a_flow_that_fills_no_form_cannot_check_a_preview(zhao: Candidate) -> None:
    with pytest.raises(FlowError, match="no fill_form step"):
        expected_preview(zhao, PLAN, load_flow(REPO / "flows" / "submit.yaml"))
