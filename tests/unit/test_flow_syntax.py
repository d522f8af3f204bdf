"""Flow files: short forms, the two-document form, templates, conditions, field maps, lint."""

from __future__ import annotations

import datetime as dt
import re
import textwrap
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from portal_bot.errors import FlowError
from portal_bot.flows.lint import check_flow
from portal_bot.flows.steps import Context, Template, Where, as_text, compile_condition, load_flow

OK = Path(__file__).resolve().parents[2] / "fixtures" / "flows" / "ok"
HERE = Where(Path("f.yaml"), 7)


def write(tmp_path: Path, body: str, name: str = "flow.yaml") -> Path:
    path = tmp_path / name
    path.write_text(textwrap.dedent(body), encoding="utf-8")
    return path


def test_short_and_long_forms_compile_alike(tmp_path: Path) -> None:
    flow = load_flow(
        write(
            tmp_path,
            """
            name: forms
            steps:
              - click: 下一步
              - click: {text: 下一步, submit: true, timeout: 5}
              - expect: 预览确认提交
              - check: 我已阅读并同意
              - stop
            """,
        )
    )
    kinds = [(s.kind, s.where.line) for s in flow.steps]
    assert kinds == [("click", 4), ("click", 5), ("expect", 6), ("check", 7), ("stop", 8)]
    assert flow.steps[0].args.target.text.source == "下一步"
    assert flow.steps[1].args.submit is True and flow.steps[1].timeout == 5
    assert flow.steps[2].args.expect.visible.source == "预览确认提交"
    assert flow.steps[3].args.options[0].source == "我已阅读并同意"
    assert flow.steps[4].terminal


def test_header_and_steps_as_two_documents(tmp_path: Path) -> None:
    flow = load_flow(
        write(tmp_path, "name: two\nenv: {A: '1'}\n---\n- goto: x.html\n- fill: {field: 姓名, value: a}\n")
    )
    assert flow.name == "two" and [s.where.line for s in flow.steps] == [4, 5]
    assert flow.env["A"] is not None and flow.env["A"].source == "1"


def test_numbers_and_booleans_are_text(tmp_path: Path) -> None:
    flow = load_flow(
        write(
            tmp_path,
            "name: n\nsteps:\n  - fill: {field: 年限, value: 0}\n"
            "  - fill: {field: 日期, value: 2022-06-01}\n",
        )
    )
    assert flow.steps[0].args.value.render(Context()) == "0"
    assert flow.steps[1].args.value.render(Context()) == "2022-06-01"


def test_templates_render_from_every_namespace() -> None:
    ctx = Context(
        candidate={
            "name": "张三",
            "promotion": {"number": "S1"},
            "materials": ["a.pdf", "b.pdf"],
            "dispatched": False,
        },
        plan={"plan_code": "2024-S-000911"},
        prepared={"photo": Path("/tmp/p.jpg")},
        env={"BASE": "http://127.0.0.1:1"},
        vars={"code": "000911"},
    )
    t = Template.parse(
        "${env.BASE}/${plan.plan_code} ${candidate.name} ${candidate.promotion.number} "
        "${candidate.materials.1} ${prepared.photo} ${vars.code} ${candidate.dispatched} $${literal}",
        HERE,
    )
    assert t.render(ctx) == ("http://127.0.0.1:1/2024-S-000911 张三 S1 b.pdf /tmp/p.jpg 000911 否 ${literal}")
    assert Template.parse("${candidate.materials}", HERE).value(ctx) == ["a.pdf", "b.pdf"]


class _Obj:
    name = "李四"


def test_attributes_of_objects_and_undefined_variables() -> None:
    assert Template.parse("${candidate.name}", HERE).render(Context(candidate=_Obj())) == "李四"
    with pytest.raises(FlowError) as err:
        Template.parse("${candidate.phone}", HERE).render(Context(candidate={"name": "x"}))
    assert str(err.value).startswith("f.yaml:7: undefined variable ${candidate.phone}")
    with pytest.raises(FlowError, match="bad variable"):
        Template.parse("${os.environ}", HERE)


def test_as_text() -> None:
    assert as_text(None) == ""
    assert as_text(True) == "是"
    assert as_text(dt.date(2000, 1, 2)) == "2000-01-02"
    assert as_text(["理论考试", "实操考试"]) == "理论考试、实操考试"
    assert as_text(3) == "3"


@pytest.mark.parametrize(
    ("expr", "candidate", "holds"),
    [
        ("${candidate.promotion} != null", {"promotion": {"n": 1}}, True),
        ("${candidate.promotion} != null", {"promotion": None}, False),
        ("${candidate.promotion} != null", {}, False),  # missing counts as null in a condition
        ("${candidate.promotion} == null", {}, True),
        ("${candidate.category} == 院校学生", {"category": "院校学生"}, True),
        ("${candidate.category} == '社会人员'", {"category": "院校学生"}, False),
        ("${candidate.years} == 0", {"years": 0}, True),
        ("${candidate.dispatched} == true", {"dispatched": True}, True),
        ("${candidate.dispatched}", {"dispatched": False}, False),
        ("not ${candidate.dispatched}", {"dispatched": False}, True),
        ("!${candidate.employer}", {"employer": None}, True),
        ("${candidate.a} == ${candidate.b}", {"a": "x", "b": "x"}, True),
    ],
)
def test_string_conditions(expr: str, candidate: dict[str, object], holds: bool) -> None:
    assert compile_condition(expr, HERE).holds(Context(candidate=candidate)) is holds


def test_mapping_conditions(tmp_path: Path) -> None:
    flow = load_flow(
        write(
            tmp_path,
            """
            name: c
            steps:
              - click: {text: a, when: {var: candidate.category, equals: 院校学生}}
              - click: {text: b, when: {var: candidate.category, in: [社会人员, 院校学生]}}
              - click: {text: c, when: {var: candidate.employer, is_null: true}}
              - click: {text: d, when: {not: {var: candidate.category, not_equals: 院校学生}}}
              - click:
                  text: e
                  when:
                    all: ["${candidate.employer} == null", {any: ["${candidate.x}", "${candidate.category}"]}]
            """,
        )
    )
    ctx = Context(candidate={"category": "院校学生", "employer": None})
    assert [s.when.holds(ctx) for s in flow.steps if s.when] == [True, True, True, True, True]
    other = Context(candidate={"category": "退休人员", "employer": "某公司"})
    assert [s.when.holds(other) for s in flow.steps if s.when] == [False, False, False, False, False]


@pytest.mark.parametrize(
    "expr", ["${a.b} >= 3", "${candidate.x} == ", "eval('1')  == 2 == 3", "${bad ns} == 1"]
)
def test_conditions_are_parsed_never_evaluated(expr: str) -> None:
    with pytest.raises(FlowError):
        compile_condition(expr, HERE)


def test_field_map_entries_keep_their_own_lines(tmp_path: Path) -> None:
    write(
        tmp_path,
        "- {label: 姓名, value: '${candidate.name}'}\n- {label: 性别, value: 男, kind: select}\n",
        "m.yaml",
    )
    flow = load_flow(write(tmp_path, "name: f\nsteps:\n  - fill_form: m.yaml\n"))
    entries = flow.steps[0].args.fields
    assert [(e.label, e.kind, e.where.path.name, e.where.line) for e in entries] == [
        ("姓名", "text", "m.yaml", 1),
        ("性别", "select", "m.yaml", 2),
    ]


def test_bad_field_map_points_into_the_map(tmp_path: Path) -> None:
    write(
        tmp_path,
        "fields:\n  - {label: 姓名, value: x}\n  - {label: 性别, value: 男, kind: dropdown}\n",
        "m.yaml",
    )
    problems = check_flow(write(tmp_path, "name: f\nsteps:\n  - fill_form: m.yaml\n"))
    assert [f"{p.path.name}:{p.line}" for p in problems] == ["m.yaml:3"]
    assert "kind" in str(problems[0])


def test_run_flow_cycle_and_undeclared_env(tmp_path: Path) -> None:
    write(tmp_path, "name: a\nsteps:\n  - run_flow: b.yaml\n", "a.yaml")
    write(
        tmp_path,
        "name: b\nsteps:\n  - run_flow: {flow: c.yaml, env: {Y: '2'}}\n  - run_flow: a.yaml\n",
        "b.yaml",
    )
    write(tmp_path, "name: c\nenv: {X: '1'}\nsteps:\n  - goto: '${env.X}'\n", "c.yaml")
    problems = [str(p) for p in check_flow(tmp_path / "a.yaml")]
    assert any("calls itself" in p for p in problems)
    assert any("declares no env Y" in p for p in problems)


def test_loading_stops_at_the_first_problem(tmp_path: Path) -> None:
    with pytest.raises(FlowError, match="unknown step 'clik'"):
        load_flow(write(tmp_path, "name: x\nsteps:\n  - clik: a\n  - fill: {}\n"))
    with pytest.raises(FlowError, match="cannot read flow file"):
        load_flow(tmp_path / "nope.yaml")
    with pytest.raises(FlowError, match="empty"):
        load_flow(write(tmp_path, "", "empty.yaml"))


def test_shipped_fixture_flows_are_clean() -> None:
    for path in sorted(OK.glob("*.yaml")):
        assert check_flow(path) == [], path


@given(st.text(alphabet=st.characters(blacklist_characters="$"), max_size=40))
def test_text_without_references_renders_as_itself(text: str) -> None:
    assert Template.parse(text, HERE).render(Context()) == text


@given(st.text(alphabet=st.characters(blacklist_characters="$"), max_size=20))
def test_escaped_reference_is_literal(text: str) -> None:
    assert Template.parse(f"$${{{text}}}", HERE).render(Context()) == f"${{{text}}}"


def test_the_documented_example_flows_are_valid(tmp_path: Path) -> None:
    doc = (OK.parents[2] / "docs" / "flows.md").read_text(encoding="utf-8")
    blocks = re.findall(r"```yaml\n# (\S+\.yaml)\n(.*?)```", doc, re.S)
    assert len(blocks) >= 3
    for name, body in blocks:
        (tmp_path / name).write_text(body, encoding="utf-8")
    for name, _body in blocks:
        assert check_flow(tmp_path / name) == [], name


@pytest.mark.parametrize(
    ("body", "text"),
    [
        ("name: x\nsteps:\n  - &s {click: 下一步}\n  - *s\n", "uses the YAML alias *s"),
        ("name: x\nsteps: " + "[" * 990 + "]" * 990 + "\n", "nested more than 50 levels deep"),
    ],
)
def test_flows_refuse_aliases_and_deep_nesting(tmp_path: Path, body: str, text: str) -> None:
    with pytest.raises(FlowError, match=re.escape(text)) as info:
        load_flow(write(tmp_path, body))
    assert info.value.line is not None


#: A flow whose steps are misspelt or badly formed (the schema's problems).
_FAULTY = (
    "name: f\nsteps:\n  - clik: a\n  - click: {text: a, css: b}\n"
    "  - retry: {attempts: many, steps: [{click: a}]}\n"
)
#: A well-formed flow the compiler refuses: a missing run_flow target, a bad pattern, a bad variable.
_UNCOMPILABLE = (
    "name: g\nsteps:\n  - run_flow: nope.yaml\n  - extract: {var: v, field: x, pattern: '('}\n"
    "  - goto: '${bad}'\n"
)


@pytest.mark.parametrize(
    ("lang", "expected"),
    [
        (
            "zh",
            [
                "未知的步骤 'clik'（您是想写 click 吗？）",
                "text、css 只能给出其中一个",
                "attempts: 应是整数",
            ],
        ),
        (
            "en",
            [
                "unknown step 'clik' (did you mean click?)",
                "give exactly one of text, css",
                "attempts: should be a whole number",
            ],
        ),
    ],
)
def test_flow_file_errors_in_the_chosen_language(tmp_path: Path, lang: str, expected: list[str]) -> None:
    from portal_bot.i18n import set_language

    set_language(lang)  # type: ignore[arg-type]
    try:
        problems = [str(p) for p in check_flow(write(tmp_path, _FAULTY))]
        assert all(any(e in p for p in problems) for e in expected), problems
        later = " ".join(str(p) for p in check_flow(write(tmp_path, _UNCOMPILABLE, "g.yaml")))
        with pytest.raises(FlowError) as empty:
            load_flow(write(tmp_path, "", "empty.yaml"))
    finally:
        set_language("en")
    if lang == "zh":
        assert "run_flow：本流程旁边没有流程文件 nope.yaml" in later
        assert "模式有误：" in later and "变量有误：${bad}" in later
        assert "文件是空的" in str(empty.value)
        assert not re.search(r"\b(unknown|give|beside|pattern|variable)\b", " ".join(problems) + later)
    else:
        assert "run_flow: no flow file nope.yaml beside this flow" in later
        assert "bad pattern:" in later and "bad variable ${bad}" in later
        assert "the file is empty" in str(empty.value)
