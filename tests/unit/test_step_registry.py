"""Every step kind has its three parts (syntax model, compiled step, handler) in the one registry,
and the parser, compiler and runner all take their kinds from it."""

from __future__ import annotations

from pathlib import Path

import pytest

import portal_bot.flows.runner  # noqa: F401  (registers the handlers)
from portal_bot.flows import registry, schema
from portal_bot.flows.steps import RuntimeStep, load_flow

ROOT = Path(__file__).resolve().parents[2]


def _every_step(steps: tuple[RuntimeStep, ...]) -> list[RuntimeStep]:
    out = []
    for step in steps:
        out.append(step)
        inner = getattr(step.args, "steps", None) or ()
        sub = getattr(step.args, "flow", None)
        out += _every_step(inner)
        if sub is not None and not isinstance(sub, str):
            out += _every_step(sub.steps)
    return out


def test_every_kind_has_a_syntax_model_a_compiled_step_and_a_handler() -> None:
    kinds = list(registry.kinds())
    assert len(kinds) >= 16
    incomplete = {k.name: k.missing() for k in kinds if k.missing()}
    assert incomplete == {}
    for kind in kinds:
        assert kind.syntax is not None and issubclass(kind.syntax, schema.StepArgs), kind.name
        assert kind.compile is not None and kind.wrapper is not None, kind.name
        assert kind.handle is not None and kind.handle.__name__ == f"_do_{kind.name}", kind.name


def test_the_parser_knows_exactly_the_registered_kinds() -> None:
    model = schema.FlowFile.model_validate({"name": "x", "steps": [{"goto": "/"}, "stop"]})
    assert [schema.step_kind(s) for s in model.steps] == ["goto", "stop"]
    for name in registry.names():
        assert schema.step_kind({name: {}}) == name
    assert schema.step_kind({"clik": "x"}) is None


def test_a_kind_missing_a_part_is_reported(monkeypatch: pytest.MonkeyPatch) -> None:
    half = registry.StepKind("scroll", syntax=schema.StopArgs)
    assert half.missing() == ["compiled step", "handler"]


def test_flows_compile_each_kind_to_its_registered_step(tmp_path: Path) -> None:
    # The sample flows together use every kind; each step compiles to the class its kind registered.
    ok = ROOT / "fixtures" / "flows" / "ok"
    flows = [*sorted((ROOT / "flows").glob("*.yaml")), *sorted(ok.glob("register*"))]
    flows.append(tmp_path / "rest.yaml")
    (tmp_path / "rest.yaml").write_text(
        "name: rest\nsteps:\n"
        "  - uncheck: {field: 符合申报条件, option: '1'}\n"
        "  - fail: {message: nope, when: '${candidate.name} == x'}\n"
        "  - retry: {steps: [{select: {field: 性别, option: 男}}, {choose: {field: 是否派遣, option: 是}}]}\n"
        "  - extract: {var: code, field: 计划编号}\n"
        "  - run_flow: {flow: sub.yaml}\n"
        "  - fill_form: {fields: [{label: 姓名, value: x}]}\n",
        encoding="utf-8",
    )
    (tmp_path / "sub.yaml").write_text("name: sub\nsteps:\n  - stop\n", encoding="utf-8")
    seen: set[str] = set()
    for path in flows:
        for step in _every_step(load_flow(path).steps):
            kind = registry.get(step.kind)
            assert kind.compiled is not None and isinstance(step.args, kind.compiled), step.kind
            seen.add(step.kind)
    assert seen == set(registry.names())
