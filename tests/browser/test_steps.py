"""Single step kinds and the error mapping, each against a fixture page, through the runner."""

from __future__ import annotations

import base64
import textwrap
import time
from pathlib import Path
from typing import Any

import pytest

from portal_bot.browser import AsyncPage
from portal_bot.errors import (
    FlowError,
    HumanStepTimeoutError,
    PortalServerError,
    PortalTimeoutError,
    SessionExpiredError,
    SiteRejectedError,
)
from portal_bot.flows.human import HumanRequest
from portal_bot.flows.runner import FlowRunner, StepEvent
from portal_bot.flows.steps import Context, load_flow

from .conftest import Aio

pytestmark = pytest.mark.browser


def write(tmp_path: Path, body: str, name: str = "flow.yaml") -> Path:
    path = tmp_path / name
    path.write_text(textwrap.dedent(body), encoding="utf-8")
    return path


def run(
    aio: Aio, page: AsyncPage, site: str, path: Path, ctx: Context | None = None, **kwargs: Any
) -> Context:
    async def go() -> Context:  # the runner listens to the page: build it on the page's loop
        runner = FlowRunner(page, base_url=site, timeout=kwargs.pop("timeout", 3), **kwargs)
        return await runner.run(load_flow(path), ctx or Context())

    return aio.run(go())


def test_site_validation_message_becomes_site_rejected(
    aio: Aio, apage: AsyncPage, site: str, tmp_path: Path
) -> None:
    path = write(
        tmp_path,
        """
        name: missing-name
        errors: {selector: .error-msg}
        steps:
          - goto: form_table.html
          - fill: {field: 手机号码, value: "13800000000"}
          - click: {text: 下一步, submit: true}
          - expect: 预览确认提交
        """,
    )
    with pytest.raises(SiteRejectedError) as err:
        run(aio, apage, site, path)
    assert err.value.message == "请填写姓名"
    assert err.value.field == "姓名"
    assert err.value.line == 7


def test_alert_after_submit_becomes_site_rejected(
    aio: Aio, apage: AsyncPage, site: str, tmp_path: Path
) -> None:
    aio.run(apage.add_init_script("window.alertErrors = true"))
    path = write(
        tmp_path,
        """
        name: bad-phone
        errors: {selector: .error-msg}
        steps:
          - goto: form_div.html
          - fill: {field: 姓名, value: 张三}
          - fill: {field: 手机号码, value: "12345"}
          - click: {text: 下一步, submit: true}
        """,
    )
    with pytest.raises(SiteRejectedError, match="手机号码格式不正确"):
        run(aio, apage, site, path)


def test_illegal_request_page_is_an_expired_session(
    aio: Aio, apage: AsyncPage, site: str, tmp_path: Path
) -> None:
    path = write(tmp_path, "name: x\nsteps:\n  - goto: expired.html\n  - fill: {field: 姓名, value: a}\n")
    with pytest.raises(SessionExpiredError) as err:
        run(aio, apage, site, path)
    assert err.value.line == 3


def test_expired_page_after_a_click_is_noticed_by_the_next_field(
    aio: Aio, apage: AsyncPage, site: str, tmp_path: Path
) -> None:
    aio.run(apage.goto(site + "plan.html"))
    aio.run(apage.evaluate("document.querySelector('a.btn').href = 'expired.html'"))
    path = write(tmp_path, "name: x\nsteps:\n  - click: 马上报名\n  - fill: {field: 姓名, value: a}\n")
    with pytest.raises(SessionExpiredError):
        run(aio, apage, site, path)


def test_retry_recovers_from_transient_server_errors(
    aio: Aio, apage: AsyncPage, site: str, tmp_path: Path, flaky_counter: dict[str, int]
) -> None:
    path = write(
        tmp_path,
        """
        name: flaky
        steps:
          - retry:
              attempts: 3
              delay: 0.5
              max_delay: 0.6
              steps:
                - goto: flaky
                - expect: 提交成功
        """,
    )
    events: list[StepEvent] = []
    waits: list[float] = []

    async def fake_sleep(seconds: float) -> None:
        waits.append(seconds)

    run(aio, apage, site, path, observer=events.append, sleep=fake_sleep)
    assert flaky_counter["flaky"] == 3
    assert [e.status for e in events if e.index == "1"] == ["started", "retrying", "retrying", "finished"]
    assert len(waits) == 2
    assert 0.25 <= waits[0] <= 0.5 and 0.3 <= waits[1] <= 0.6  # jittered, capped by max_delay
    assert any(e.index == "1.1" and e.status == "failed" for e in events)


def test_retry_gives_up_after_its_attempts(
    aio: Aio, apage: AsyncPage, site: str, tmp_path: Path, flaky_counter: dict[str, int]
) -> None:
    path = write(tmp_path, "name: f\nsteps:\n  - retry: {attempts: 2, delay: 0, steps: [goto: flaky]}\n")
    with pytest.raises(PortalServerError, match="503"):
        run(aio, apage, site, path)
    assert flaky_counter["flaky"] == 2


SIGN_FLOW = """
name: sign
steps:
  - goto: sign.html
  - human:
      kind: signature
      message: 请用微信扫码签名
      until: {visible: 签名成功}
      timeout: {timeout}
  - expect: 签名成功
"""


class FakePerson:
    """Signs on the 'phone' (calls the page's signed()) when ``signs`` is set."""

    def __init__(self, signs: bool) -> None:
        self.signs = signs
        self.requests: list[HumanRequest] = []

    async def __call__(self, request: HumanRequest) -> None:
        self.requests.append(request)
        if self.signs:
            await request.page.evaluate("setTimeout(signed, 200)")
        await request.wait_until_done(request.timeout)


def test_human_step_hands_over_the_qr_and_waits(
    aio: Aio, apage: AsyncPage, site: str, tmp_path: Path
) -> None:
    person = FakePerson(signs=True)
    run(aio, apage, site, write(tmp_path, SIGN_FLOW.replace("{timeout}", "5")), human=person)
    (request,) = person.requests
    assert request.kind == "signature"
    assert request.message == "请用微信扫码签名"
    assert request.qr is not None
    assert request.qr.text == "https://127.0.0.1/sign?token=abc123"
    assert request.qr.src == "qr.png"


def test_human_step_times_out(aio: Aio, apage: AsyncPage, site: str, tmp_path: Path) -> None:
    with pytest.raises(HumanStepTimeoutError, match="signature"):
        run(aio, apage, site, write(tmp_path, SIGN_FLOW.replace("{timeout}", "0.5")), human=FakePerson(False))


def test_human_timeout_caps_the_flows_own(aio: Aio, apage: AsyncPage, site: str, tmp_path: Path) -> None:
    """--human-timeout is the most any human step waits, though the flow allows 900 s."""
    with pytest.raises(HumanStepTimeoutError, match="within 0.5s"):
        run(
            aio,
            apage,
            site,
            write(tmp_path, SIGN_FLOW.replace("{timeout}", "900")),
            human=FakePerson(False),
            human_timeout=0.5,
        )


def test_human_step_without_a_handler_is_a_flow_error(
    aio: Aio, apage: AsyncPage, site: str, tmp_path: Path
) -> None:
    with pytest.raises(FlowError, match="needs a person"):
        run(aio, apage, site, write(tmp_path, SIGN_FLOW.replace("{timeout}", "5")))


def test_ambiguous_label_and_button_are_flow_errors(
    aio: Aio, apage: AsyncPage, site: str, tmp_path: Path
) -> None:
    path = write(
        tmp_path, "name: a\nsteps:\n  - goto: ambiguous.html\n  - fill: {field: 手机号码, value: x}\n"
    )
    with pytest.raises(FlowError) as err:
        run(aio, apage, site, path)
    assert err.value.field == "手机号码" and "2 different controls" in err.value.message
    path = write(tmp_path, "name: a\nsteps:\n  - goto: ambiguous.html\n  - click: 下一步\n")
    with pytest.raises(FlowError, match="several elements match"):
        run(aio, apage, site, path)


def test_exact_label_wins_over_normalised(aio: Aio, apage: AsyncPage, site: str, tmp_path: Path) -> None:
    # ambiguous.html has "姓名" and "姓名：": the exact text decides
    path = write(tmp_path, "name: a\nsteps:\n  - goto: ambiguous.html\n  - fill: {field: 姓名：, value: x}\n")
    run(aio, apage, site, path)
    assert aio.run(apage.input_value("[name=column2]")) == "x"
    assert aio.run(apage.input_value("[name=column1]")) == ""
    path = write(tmp_path, "name: a\nsteps:\n  - goto: ambiguous.html\n  - fill: {field: 姓名, value: y}\n")
    run(aio, apage, site, path)
    assert aio.run(apage.input_value("[name=column1]")) == "y"


def test_absent_label_names_it(aio: Aio, apage: AsyncPage, site: str, tmp_path: Path) -> None:
    path = write(
        tmp_path,
        "name: a\nsteps:\n  - goto: form_div.html\n  - fill: {field: 学历, value: x, timeout: 0.3}\n",
    )
    with pytest.raises(FlowError) as err:
        run(aio, apage, site, path)
    assert str(err.value).endswith(f"flow.yaml:4: 学历: no field with this label on {site}form_div.html")


def test_missing_option_lists_the_options(aio: Aio, apage: AsyncPage, site: str, tmp_path: Path) -> None:
    for field in ("性别", "文化程度"):  # native select, custom dropdown
        path = write(
            tmp_path,
            f"name: a\nsteps:\n  - goto: form_table.html\n  - select: {{field: {field}, option: 博士}}\n",
        )
        with pytest.raises(FlowError, match="no option '博士'; options: .*(男|大学)"):
            run(aio, apage, site, path)


def test_wrong_kind_of_control(aio: Aio, apage: AsyncPage, site: str, tmp_path: Path) -> None:
    path = write(
        tmp_path, "name: a\nsteps:\n  - goto: form_table.html\n  - select: {field: 姓名, option: x}\n"
    )
    with pytest.raises(FlowError, match="not a select or dropdown"):
        run(aio, apage, site, path)


def test_expectation_that_never_comes_is_a_portal_timeout(
    aio: Aio, apage: AsyncPage, site: str, tmp_path: Path
) -> None:
    path = write(
        tmp_path, "name: a\nsteps:\n  - goto: plan.html\n  - expect: {visible: 报名成功, timeout: 0.3}\n"
    )
    with pytest.raises(PortalTimeoutError, match="within 0.3s"):
        run(aio, apage, site, path)


def test_run_flow_env_when_stop_fail_extract_css_uncheck(
    aio: Aio, apage: AsyncPage, site: str, tmp_path: Path
) -> None:
    write(
        tmp_path,
        """
        name: open-plan
        env:
          page: plan.html
        steps:
          - goto: "${env.page}"
          - extract: {var: code, css: "table.info td:nth-child(2)", pattern: "S-(\\\\d+)"}
          - stop
        """,
        "open.yaml",
    )
    main = write(
        tmp_path,
        """
        name: main
        steps:
          - run_flow: {flow: open.yaml, env: {page: "${candidate.page}"}}
          - run_flow: {flow: open.yaml, when: "${vars.code} != 000911"}
          - goto: form_table.html
          - check: {field: 申报科目, options: [理论考试, 实操考试]}
          - uncheck: {field: 申报科目, option: 实操考试}
          - fail: {message: "stopped at ${vars.code}", when: {var: candidate.page, equals: plan.html}}
        """,
    )
    events: list[StepEvent] = []
    with pytest.raises(FlowError, match="stopped at 000911"):
        run(aio, apage, site, main, Context(candidate={"page": "plan.html"}), observer=events.append)
    checked = aio.run(apage.eval_on_selector_all("[name=column25]", "els => els.map(e => e.checked)"))
    assert checked == [True, False]
    assert ("2", "skipped") in {(e.index, e.status) for e in events}
    assert ("1.3", "finished") in {(e.index, e.status) for e in events}  # the stop inside open.yaml


def test_extract_css_reads_a_shown_element_at_once_and_waits_for_a_hidden_one(
    aio: Aio, apage: AsyncPage, site: str, tmp_path: Path
) -> None:
    # issue 14: the text is read in one round trip when the element is already shown; a hidden one
    # is waited for as before (its text is not read while hidden)
    aio.run(apage.goto(site + "done.html"))
    aio.run(
        apage.evaluate(
            """document.body.insertAdjacentHTML('beforeend',
                 '<p id="now">现在</p><p id="later" style="display:none">旧</p>');
               setTimeout(() => { const p = document.getElementById('later');
                                  p.textContent = '新'; p.style.display = ''; }, 300);"""
        )
    )
    path = write(
        tmp_path,
        """
        name: read
        steps:
          - extract: {var: now, css: "#now"}
          - extract: {var: later, css: "#later"}
        """,
    )
    ctx = run(aio, apage, site, path)
    assert (ctx.vars["now"], ctx.vars["later"]) == ("现在", "新")


def test_login_qr_from_a_data_url(aio: Aio, apage: AsyncPage, site: str, tmp_path: Path) -> None:
    png = (Path(__file__).resolve().parents[2] / "fixtures" / "pages" / "qr.png").read_bytes()
    data_url = "data:image/png;base64," + base64.b64encode(png).decode()
    aio.run(apage.goto(site + "done.html"))
    aio.run(
        apage.evaluate(
            f'document.body.innerHTML = \'<p>浙里办扫码登录</p><img alt="登录二维码" src="{data_url}">\''
        )
    )

    class Scanner:
        request: HumanRequest | None = None

        async def __call__(self, request: HumanRequest) -> None:
            self.request = request
            await request.page.evaluate("document.body.insertAdjacentHTML('beforeend', '<p>欢迎您</p>')")

    scanner = Scanner()
    path = write(
        tmp_path, "name: login\nsteps:\n  - human: {kind: login, until: {visible: 欢迎您}, timeout: 5}\n"
    )
    run(aio, apage, site, path, human=scanner)
    assert scanner.request is not None and scanner.request.qr is not None
    assert scanner.request.kind == "login"
    assert scanner.request.qr.image == png and scanner.request.qr.src is None
    assert scanner.request.qr.text == "https://127.0.0.1/sign?token=abc123"


def test_login_waits_for_a_qr_code_that_shows_late(
    aio: Aio, apage: AsyncPage, site: str, tmp_path: Path
) -> None:
    """A code's picture that is not loaded yet has no size: the step waits for it instead of going on
    without one (a simulated person then scanned "the newest pending code", another candidate's)."""
    aio.run(apage.goto(site + "done.html"))
    aio.run(
        apage.evaluate(
            "document.body.innerHTML = '<p>浙里办扫码登录</p>';"
            "setTimeout(() => document.body.insertAdjacentHTML('beforeend',"
            ' \'<img alt="登录二维码" src="qr.png">\'), 700)'
        )
    )

    class Scanner:
        request: HumanRequest | None = None

        async def __call__(self, request: HumanRequest) -> None:
            self.request = request
            await request.page.evaluate("document.body.insertAdjacentHTML('beforeend', '<p>欢迎您</p>')")

    scanner = Scanner()
    path = write(
        tmp_path,
        "name: login\ntimeout: 10\nsteps:\n  - human: {kind: login, until: {visible: 欢迎您}, timeout: 5}\n",
    )
    run(aio, apage, site, path, human=scanner)
    assert scanner.request is not None and scanner.request.qr is not None
    assert scanner.request.qr.src == "qr.png"


def test_expired_session_is_not_retried(aio: Aio, apage: AsyncPage, site: str, tmp_path: Path) -> None:
    path = write(
        tmp_path, "name: r\nsteps:\n  - retry: {attempts: 3, delay: 0, steps: [goto: expired.html]}\n"
    )
    events: list[StepEvent] = []
    with pytest.raises(SessionExpiredError):
        run(aio, apage, site, path, observer=events.append)
    assert [e.status for e in events if e.index == "1"] == ["started", "failed"]


def test_expect_hidden_css_and_click_by_role_or_css(
    aio: Aio, apage: AsyncPage, site: str, tmp_path: Path
) -> None:
    path = write(
        tmp_path,
        """
        name: misc
        steps:
          - goto: form_table.html
          - expect: {hidden: 原证书编号}
          - choose: {field: 是否晋级申报, option: 是}
          - expect: {visible: 原证书编号}
          - expect: {css: "tr.promo"}
          - click: {css: "input[name=column22][value='0']"}
          - expect: {hidden: 原证书编号}
          - goto: plan.html
          - click: {text: 马上报名, role: link}
          - expect: {url: form_table.html}
        """,
    )
    events: list[StepEvent] = []
    run(aio, apage, site, path, observer=events.append)
    assert [e.status for e in events].count("finished") == 10
    path = write(
        tmp_path,
        "name: m\nsteps:\n  - goto: form_div.html\n  - click: {text: 下一步, role: link, timeout: 0.3}\n",
    )
    with pytest.raises(PortalTimeoutError):  # a <button> is not a link
        run(aio, apage, site, path)


def test_login_form_label_then_input_siblings(aio: Aio, apage: AsyncPage, site: str, tmp_path: Path) -> None:
    write(
        tmp_path,
        "name: login\nenv: {user: null, password: null}\nsteps:\n"
        "  - goto: login.html\n  - fill: {field: 账号, value: '${env.user}'}\n"
        "  - fill: {field: 密码, value: '${env.password}'}\n",
        "login.yaml",
    )
    main = write(
        tmp_path, "name: m\nsteps:\n  - run_flow: {flow: login.yaml, env: {user: zhang, password: s3cret}}\n"
    )
    run(aio, apage, site, main)
    assert aio.run(apage.input_value("[name=loginname]")) == "zhang"
    assert aio.run(apage.input_value("[name=loginpwd]")) == "s3cret"


def test_field_map_states_the_whole_value_and_errors_point_into_it(
    aio: Aio, apage: AsyncPage, site: str, tmp_path: Path
) -> None:
    write(
        tmp_path, "- {label: 申报科目, value: [理论考试], kind: check}\n- {label: 学历, value: x}\n", "m.yaml"
    )
    flow = write(tmp_path, "name: f\ntimeout: 3\nsteps:\n  - goto: form_div.html\n  - fill_form: m.yaml\n")
    aio.run(apage.goto(site + "form_div.html"))
    with pytest.raises(FlowError) as err:
        run(aio, apage, site, flow)
    assert (err.value.path, err.value.line, err.value.field) == (tmp_path / "m.yaml", 2, "学历")
    checked = aio.run(apage.eval_on_selector_all("[name=column35]", "els => els.map(e => e.checked)"))
    assert checked == [True, False]
    aio.run(apage.check("[name=column35][value='2']"))  # a stale tick from an earlier draft
    write(tmp_path, "- {label: 申报科目, value: [理论考试], kind: check}\n", "m.yaml")
    flow = write(tmp_path, "name: f\nsteps:\n  - fill_form: m.yaml\n")
    run(aio, apage, site, flow)
    checked = aio.run(apage.eval_on_selector_all("[name=column35]", "els => els.map(e => e.checked)"))
    assert checked == [True, False]


def test_alert_counts_only_after_a_submit_click(
    aio: Aio, apage: AsyncPage, site: str, tmp_path: Path
) -> None:
    aio.run(apage.add_init_script("window.alertErrors = true"))
    path = write(
        tmp_path,
        """
        name: plain-click
        errors: {selector: .error-msg}
        steps:
          - goto: form_div.html
          - fill: {field: 姓名, value: 张三}
          - fill: {field: 手机号码, value: "12345"}
          - click: 下一步
          - expect: {visible: 预览确认提交, timeout: 0.3}
        """,
    )
    with pytest.raises(PortalTimeoutError):
        run(aio, apage, site, path)


def test_field_expectation_names_what_the_page_shows(
    aio: Aio, apage: AsyncPage, site: str, tmp_path: Path
) -> None:
    path = write(
        tmp_path,
        "name: e\nsteps:\n  - goto: plan.html\n"
        "  - expect: {field: 计划编号, equals: 2024-S-000937, timeout: 0.3}\n",
    )
    with pytest.raises(PortalTimeoutError) as err:
        run(aio, apage, site, path)
    assert str(err.value).endswith("flow.yaml:4: 计划编号: shows '2024-S-000911', expected '2024-S-000937'")


def test_fixed_fields_that_already_say_so_are_left_alone(
    aio: Aio, apage: AsyncPage, site: str, tmp_path: Path
) -> None:
    aio.run(apage.goto(site + "form_table.html"))
    aio.run(apage.evaluate("document.querySelector('[name=column13]').value = '1'"))
    aio.run(apage.evaluate("document.querySelector('[name=column13]').disabled = true"))
    ok = write(
        tmp_path,
        "name: f\nsteps:\n  - fill: {field: 报考职业名称, value: 碳排放管理员}\n"
        "  - select: {field: 性别, option: 男}\n",
    )
    run(aio, apage, site, ok)
    wrong = write(tmp_path, "name: f\nsteps:\n  - fill: {field: 报考职业名称, value: 电工}\n", "wrong.yaml")
    with pytest.raises(FlowError, match="read-only and shows '碳排放管理员', not '电工'"):
        run(aio, apage, site, wrong)


def test_a_server_error_page_after_a_click_fails_the_step_at_once(
    aio: Aio, apage: AsyncPage, site: str, tmp_path: Path, flaky_counter: dict[str, int]
) -> None:
    aio.run(apage.goto(site + "plan.html"))
    aio.run(apage.set_content(f'<a href="{site}flaky">继续</a>'))
    path = write(tmp_path, "name: f\nsteps:\n  - click: 继续\n  - expect: {visible: 提交成功, timeout: 20}\n")
    started = time.monotonic()
    with pytest.raises(PortalServerError) as err:
        run(aio, apage, site, path)
    assert time.monotonic() - started < 10  # not the expectation's 20 s
    assert "503" in err.value.message
    assert flaky_counter["flaky"] == 1


def test_login_check_says_who_scanned_in_peoples_words(
    aio: Aio, apage: AsyncPage, site: str, tmp_path: Path
) -> None:
    """The shipped basic-info flow, on a 个人基本信息 page of someone else than the candidate."""
    shipped = Path(__file__).resolve().parents[2] / "flows" / "basic-info.yaml"
    flow = tmp_path / "basic-info.yaml"  # the shipped steps, with a short wait for the test
    flow.write_text(
        shipped.read_text(encoding="utf-8").replace("timeout: 20", "timeout: 1"), encoding="utf-8"
    )
    html = (
        "<h2>填写核实个人基本信息</h2><table><tr><td>姓名</td>"
        '<td><input name="c1" value="李华" readonly></td></tr></table>'
    )
    aio.run(apage.set_content(html))
    events: list[StepEvent] = []
    with pytest.raises(PortalTimeoutError) as failed:
        run(aio, apage, site, flow, Context(candidate={"name": "周敏"}), observer=events.append)
    said = str(failed.value)
    assert said == "the person who scanned is 李华, not 周敏: scan again with 周敏's phone"
    assert failed.value.line is not None  # where in the flow stays on the error, for the evidence
    # progress lines name fields and pages, never a CSS selector
    assert events and all("body" not in e.description and "." not in e.description for e in events)


def _takeover(act: Any, answer: bool, seen: list[Any]) -> Any:
    """A person (the test) who does ``act`` in the page, then answers; keeps what was captured."""
    from portal_bot.flows.takeover import Capture, HandOver

    async def take(hand: HandOver) -> bool:
        capture = Capture(hand.page)
        await capture.start()
        await act(hand.page)
        seen.append((hand, await capture.stop()))
        return answer

    return take


def test_a_person_does_a_mismatched_click_and_the_flow_goes_on(
    aio: Aio, apage: AsyncPage, site: str, tmp_path: Path
) -> None:
    from portal_bot.errors import SiteMismatchError

    path = write(
        tmp_path,
        """
        name: takeover
        steps:
          - goto: plan.html
          - click: {text: 立即报名}
          - expect: {visible: 下一步}
        """,
    )
    seen: list[Any] = []
    by_hand = _takeover(lambda page: page.get_by_text("马上报名").click(), True, seen)
    run(aio, apage, site, path, takeover=by_hand)
    ((hand, records),) = seen
    assert hand.wanted() == "click 立即报名" and hand.where == "flow.yaml:5"
    assert {"what": "click", "text": "马上报名", "role": "button"} in records  # recorded as it navigated
    edit = hand.edit(records)
    assert edit is not None and (edit.line, edit.old, edit.new) == (5, "立即报名", "马上报名")
    assert "下一步" in aio.run(apage.inner_text("body"))  # step 3 ran on the page the person opened

    seen.clear()  # declined: the site mismatch it is, and the flow stops there
    with pytest.raises(SiteMismatchError, match="'立即报名' is not on"):
        run(aio, apage, site, path, takeover=_takeover(lambda page: page.title(), False, seen))
    assert len(seen) == 1


def test_a_person_fills_a_mismatched_field_and_only_its_label_is_captured(
    aio: Aio, apage: AsyncPage, site: str, tmp_path: Path
) -> None:
    path = write(
        tmp_path,
        """
        name: takeover-fill
        steps:
          - goto: form_table.html
          - fill_form:
              fields:
                - {label: 联系手机, value: "13800000000"}
                - {label: 姓名, value: 王小明}
        """,
    )
    seen: list[Any] = []

    async def fill(page: AsyncPage) -> None:
        box = (
            page.locator("td.tit").filter(has_text="手机号码").locator("xpath=following-sibling::*[1]//input")
        )
        await box.fill("13800000000")

    run(aio, apage, site, path, takeover=_takeover(fill, True, seen))
    ((hand, records),) = seen
    assert hand.wanted() == "fill 联系手机 with 138****0000"
    assert "13800000000" not in str(records)
    edit = hand.edit(records)
    assert edit is not None and (edit.old, edit.new) == ("联系手机", "手机号码")
    # the next entry of the field map was filled after the takeover
    assert aio.run(apage.input_value("#column12")) == "王小明"
