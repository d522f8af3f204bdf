import base64
import hashlib
import hmac
import time
from collections.abc import Callable
from datetime import datetime, timedelta

import pytest

from portal_bot.cohortrun.states import State
from portal_bot.errors import ConfigError
from portal_bot.status.changes import Observation, diff
from portal_bot.status.messages import EVENT, StatusMessage
from portal_bot.status.notify import (
    WECOM_MARKDOWN_LIMIT,
    SmtpNotifier,
    build_notifiers,
    dingtalk_sign,
    feishu_sign,
    notify_test,
    parse_notify_spec,
    send_all,
)

from .conftest import HttpReceiver, SmtpServer

Obs = Callable[..., Observation]
FAST = {"timeout": 2.0, "backoff": 0.01}
ID = "330102199001011234"
PHONE = "13812345678"


@pytest.fixture
def message(obs: Obs, t0: datetime) -> StatusMessage:
    before = {"zhang": obs("zhang", State.PENDING_REVIEW, name="张三")}
    current = [
        obs("zhang", State.RETURNED, name="张三", at=t0 + timedelta(hours=6), reason=f"手机{PHONE}无法联系"),
        obs("li", State.TO_PAY, name=f"李四{ID}", at=t0 + timedelta(hours=6)),
        obs("wang", State.PAID, name="王五", at=t0 + timedelta(hours=6)),
    ]
    changes = diff(before, {o.key: o for o in current})
    return StatusMessage.from_run(
        current, changes, generated_at=t0 + timedelta(hours=6), cohort="2026春 电工"
    )


def _assert_masked(text: str) -> None:
    assert ID not in text and PHONE not in text
    assert "3301**********1234" in text and "138****5678" in text


def send_one(spec: str, message: StatusMessage) -> None:
    [delivery] = send_all(build_notifiers([spec], **FAST), message)
    assert delivery.ok, delivery.error


def test_generic_webhook_posts_the_documented_json(
    http_receiver: HttpReceiver, message: StatusMessage
) -> None:
    send_one(f"webhook:{http_receiver.url}/hooks/status", message)
    [request] = http_receiver.requests
    body = request.json
    assert request.path == "/hooks/status"
    assert request.headers["Content-Type"].startswith("application/json")
    assert body["event"] == EVENT == "portal-bot.status"
    assert body["summary"]["fix_and_resubmit"] == 1 and body["summary"]["pay"] == 1
    assert [c["kind"] for c in body["changes"]] == ["state", "new", "new"]
    assert body["exit_code"] == 3 and body["test"] is False
    _assert_masked(request.raw.decode("utf-8"))


def test_wecom_gets_markdown_per_the_group_robot_api(
    http_receiver: HttpReceiver, message: StatusMessage
) -> None:
    send_one(f"wecom:{http_receiver.url}/cgi-bin/webhook/send?key=ROBOTKEY", message)
    [request] = http_receiver.requests
    assert request.query == {"key": ["ROBOTKEY"]}
    body = request.json
    assert set(body) == {"msgtype", "markdown"} and body["msgtype"] == "markdown"
    content = body["markdown"]["content"]
    assert content.startswith("### portal-bot 报名状态 · 2026春 电工: 3 项变化，2 人需处理")
    assert "修改后重新提交 **1**" in content and "缴费 **1**" in content
    assert "- 张三: 待审核 → 驳回修改" in content
    _assert_masked(content)


def test_wecom_content_is_cut_to_its_size_limit(http_receiver: HttpReceiver, obs: Obs) -> None:
    current = [
        obs(f"k{i:03}", State.RETURNED, name=f"考生{i:03}", reason="照片不合格" * 5) for i in range(300)
    ]
    message = StatusMessage.from_run(
        current, diff({}, {o.key: o for o in current}), generated_at=current[0].observed_at
    )
    send_one(f"wecom:{http_receiver.url}/send?key=k", message)
    content = http_receiver.requests[0].json["markdown"]["content"]
    assert len(content.encode("utf-8")) <= WECOM_MARKDOWN_LIMIT
    assert "项变化未列出" in content


def test_a_robot_error_code_fails_that_notifier_by_name_without_leaking_its_key(
    http_receiver: HttpReceiver, message: StatusMessage
) -> None:
    http_receiver.responses.append((200, {"errcode": 93000, "errmsg": "invalid webhook url"}, 0))
    [delivery] = send_all(build_notifiers([f"wecom:{http_receiver.url}/send?key=SECRETKEY"], **FAST), message)
    assert not delivery.ok and delivery.notifier == "wecom (127.0.0.1)"
    assert delivery.error is not None
    assert "notifier wecom (127.0.0.1): errcode 93000: invalid webhook url" in delivery.error
    assert "SECRETKEY" not in delivery.error
    assert len(http_receiver.requests) == 1  # an answered refusal is not retried


def test_dingtalk_signature_matches_a_published_vector() -> None:
    assert dingtalk_sign("secret", 1700000000000) == "OuzzJR5+xZ4/EYwqtNt6sMYZQMTa/HEGvc9miJe7XzY="


def test_dingtalk_signed_request(http_receiver: HttpReceiver, message: StatusMessage) -> None:
    secret = "SEC0123456789abcdef"
    before_ms = int(time.time() * 1000)
    send_one(f"dingtalk:{http_receiver.url}/robot/send?access_token=TOKEN#{secret}", message)
    [request] = http_receiver.requests
    assert request.query["access_token"] == ["TOKEN"]
    timestamp = int(request.query["timestamp"][0])
    assert before_ms <= timestamp <= int(time.time() * 1000)
    expected = base64.b64encode(
        hmac.new(secret.encode(), f"{timestamp}\n{secret}".encode(), hashlib.sha256).digest()
    ).decode()
    assert request.query["sign"] == [expected]  # parse_qs undid the URL encoding
    body = request.json
    assert body["msgtype"] == "markdown"
    assert body["markdown"]["title"].startswith("portal-bot 报名状态")
    assert "驳回修改" in body["markdown"]["text"]
    _assert_masked(body["markdown"]["text"])


def test_dingtalk_without_secret_is_not_signed(http_receiver: HttpReceiver, message: StatusMessage) -> None:
    send_one(f"dingtalk:{http_receiver.url}/robot/send?access_token=T", message)
    assert set(http_receiver.requests[0].query) == {"access_token"}


def test_dingtalk_secret_from_the_environment(
    http_receiver: HttpReceiver, message: StatusMessage, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("PB_DING_SECRET", "SECfromenv")
    send_one(f"dingtalk:{http_receiver.url}/robot/send?access_token=T#env:PB_DING_SECRET", message)
    request = http_receiver.requests[0]
    timestamp = int(request.query["timestamp"][0])
    assert request.query["sign"] == [dingtalk_sign("SECfromenv", timestamp)]


def test_feishu_signed_text_message(http_receiver: HttpReceiver, message: StatusMessage) -> None:
    http_receiver.responses.append((200, {"code": 0, "msg": "success", "data": {}}, 0))
    secret = "feishu-secret"
    before = int(time.time())
    send_one(f"feishu:{http_receiver.url}/open-apis/bot/v2/hook/HOOKID#{secret}", message)
    body = http_receiver.requests[0].json
    assert body["msg_type"] == "text"
    assert before <= int(body["timestamp"]) <= int(time.time())
    assert isinstance(body["timestamp"], str)
    # Feishu's documented algorithm: the HMAC key is "timestamp\nsecret", the message is empty.
    expected = hmac.new(f"{body['timestamp']}\n{secret}".encode(), digestmod=hashlib.sha256).digest()
    assert body["sign"] == base64.b64encode(expected).decode() == feishu_sign(secret, int(body["timestamp"]))
    text = body["content"]["text"]
    assert "人数:" in text and "- 张三: 待审核 → 驳回修改" in text
    _assert_masked(text)


def test_feishu_error_code_fails(http_receiver: HttpReceiver, message: StatusMessage) -> None:
    http_receiver.responses.append(
        (200, {"code": 19021, "msg": "sign match fail or timestamp is not within one hour"}, 0)
    )
    [delivery] = send_all(build_notifiers([f"feishu:{http_receiver.url}/hook/x#s"], **FAST), message)
    assert not delivery.ok and delivery.error is not None and "code 19021: sign match fail" in delivery.error


def test_a_server_error_is_retried_once(http_receiver: HttpReceiver, message: StatusMessage) -> None:
    http_receiver.responses.append((502, {}, 0))
    send_one(f"webhook:{http_receiver.url}/h", message)
    assert len(http_receiver.requests) == 2


def test_two_server_errors_fail_after_one_retry(http_receiver: HttpReceiver, message: StatusMessage) -> None:
    http_receiver.responses.extend([(500, {}, 0), (500, {}, 0)])
    [delivery] = send_all(build_notifiers([f"webhook:{http_receiver.url}/h"], **FAST), message)
    assert (
        not delivery.ok
        and delivery.error == "--notify: notifier webhook (127.0.0.1): HTTP 500 (after one retry)"
    )


def test_a_client_error_is_not_retried(http_receiver: HttpReceiver, message: StatusMessage) -> None:
    http_receiver.responses.append((404, {"error": "no such hook"}, 0))
    [delivery] = send_all(build_notifiers([f"webhook:{http_receiver.url}/h"], **FAST), message)
    assert not delivery.ok and delivery.error is not None and "HTTP 404" in delivery.error
    assert len(http_receiver.requests) == 1


def test_a_network_error_fails_clearly_after_one_retry(closed_port: int, message: StatusMessage) -> None:
    [delivery] = send_all(build_notifiers([f"webhook:http://127.0.0.1:{closed_port}/h"], **FAST), message)
    assert not delivery.ok and delivery.error is not None
    assert "webhook (127.0.0.1): cannot connect" in delivery.error and "after one retry" in delivery.error


def test_a_slow_receiver_times_out(http_receiver: HttpReceiver, message: StatusMessage) -> None:
    http_receiver.responses.extend([(200, {}, 1.0), (200, {}, 1.0)])
    notifiers = build_notifiers([f"webhook:{http_receiver.url}/h"], timeout=0.2, backoff=0.01)
    [delivery] = send_all(notifiers, message)
    assert not delivery.ok and delivery.error is not None and "timed out" in delivery.error


def test_a_failing_notifier_does_not_stop_the_others(
    http_receiver: HttpReceiver, closed_port: int, message: StatusMessage
) -> None:
    specs = [f"webhook:http://127.0.0.1:{closed_port}/h", f"wecom:{http_receiver.url}/send?key=k"]
    results = send_all(build_notifiers(specs, **FAST), message)
    assert [r.ok for r in results] == [False, True]
    assert len(http_receiver.requests) == 1


def test_notify_test_sends_a_marked_test_message(http_receiver: HttpReceiver) -> None:
    [delivery] = notify_test([f"webhook:{http_receiver.url}/h"], cohort="春季班", **FAST)
    assert delivery.ok
    body = http_receiver.requests[0].json
    assert body["test"] is True and body["changes"] == [] and "测试消息" in body["title"]


# -- SMTP --------------------------------------------------------------------------------------


def test_email_over_smtp_with_login(
    smtp_server: SmtpServer, message: StatusMessage, monkeypatch: pytest.MonkeyPatch
) -> None:
    smtp_server.credentials = ("bot@example.org", "s3cret")
    monkeypatch.setenv("PB_SMTP_PASS", "s3cret")
    spec = f"smtp://bot%40example.org@127.0.0.1:{smtp_server.port}?to=a@example.org,b@example.org&password_env=PB_SMTP_PASS"
    send_one(spec, message)
    assert smtp_server.logins == [("bot@example.org", "s3cret")]
    [mail] = smtp_server.mails
    assert mail.sender == "bot@example.org" and mail.recipients == ["a@example.org", "b@example.org"]
    parsed = mail.message
    assert parsed["Subject"] == "portal-bot 报名状态 · 2026春 电工: 3 项变化，2 人需处理"
    body = parsed.get_content()
    assert "张三: 待审核 → 驳回修改" in body
    _assert_masked(body)


def test_smtp_without_login_and_an_explicit_sender(smtp_server: SmtpServer, message: StatusMessage) -> None:
    send_one(f"smtp://127.0.0.1:{smtp_server.port}?to=a@example.org&from=portal-bot@example.org", message)
    assert smtp_server.logins == [] and smtp_server.mails[0].sender == "portal-bot@example.org"


def test_smtp_wrong_password_is_one_clear_error_without_retry(
    smtp_server: SmtpServer, message: StatusMessage, monkeypatch: pytest.MonkeyPatch
) -> None:
    smtp_server.credentials = ("bot@example.org", "right")
    monkeypatch.setenv("PB_SMTP_PASS", "wrong")
    spec = f"smtp://bot%40example.org@127.0.0.1:{smtp_server.port}?to=a@example.org&password_env=PB_SMTP_PASS"
    [delivery] = send_all(build_notifiers([spec], **FAST), message)
    assert not delivery.ok and delivery.error is not None
    assert "smtp (127.0.0.1): login refused (SMTP 535)" in delivery.error and "wrong" not in delivery.error
    assert smtp_server.connections == 1 and smtp_server.mails == []


def test_smtp_starttls_is_never_skipped_when_asked_for(
    smtp_server: SmtpServer, message: StatusMessage
) -> None:
    spec = f"smtp://127.0.0.1:{smtp_server.port}?to=a@example.org&from=x@example.org&starttls=1"
    [delivery] = send_all(build_notifiers([spec], **FAST), message)
    assert not delivery.ok and delivery.error is not None and "STARTTLS" in delivery.error
    assert smtp_server.mails == []


def test_smtp_refused_recipient(smtp_server: SmtpServer, message: StatusMessage) -> None:
    smtp_server.refuse.add("nobody@example.org")
    spec = f"smtp://127.0.0.1:{smtp_server.port}?to=nobody@example.org&from=x@example.org"
    [delivery] = send_all(build_notifiers([spec], **FAST), message)
    assert not delivery.ok and delivery.error is not None and "nobody@example.org" in delivery.error


def test_smtp_unreachable_server(closed_port: int, message: StatusMessage) -> None:
    spec = f"smtp://127.0.0.1:{closed_port}?to=a@example.org&from=x@example.org"
    [delivery] = send_all(build_notifiers([spec], **FAST), message)
    assert not delivery.ok and delivery.error is not None and "after one retry" in delivery.error


def test_smtp_spec_defaults() -> None:
    notifier = parse_notify_spec("smtps://bot@example.org@mail.example.org?to=a@example.org", env={})
    assert isinstance(notifier, SmtpNotifier)
    assert (notifier.port, notifier.implicit_tls, notifier.sender) == (465, True, "bot@example.org")
    starttls = parse_notify_spec(
        "smtp://mail.example.org?to=a@example.org&from=x@example.org&starttls=1", env={}
    )
    assert isinstance(starttls, SmtpNotifier) and starttls.port == 587


# -- spec errors --------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("spec", "env", "expected"),
    [
        ("slack:https://hooks.example.org/x", {}, "unknown notifier 'slack'"),
        ("https://hooks.example.org/x", {}, "unknown notifier"),
        ("wecom:ftp://example.org/x", {}, "expected an http(s) URL"),
        ("webhook:https://example.org/x#secret", {}, "takes no '#secret'"),
        ("dingtalk:https://example.org/robot#env:NOPE", {}, "NOPE is not set"),
        ("smtp://u:hunter2@mail.example.org?to=a@b.org", {}, "must not be written in the spec"),
        ("smtp://mail.example.org?from=x@y.org", {}, "to=a@b,c@d"),
        ("smtp://mail.example.org?to=a@b.org", {}, "from=x@y"),
        (
            "smtp://u@mail.example.org?to=a@b.org&from=x@y.org&password_env=P",
            {},
            "P (password_env) is not set",
        ),
        ("smtp://u@mail.example.org?to=a@b.org&from=x@y.org&password_env=P", {"P": "pw"}, "unencrypted"),
        ("smtp://mail.example.org?to=a@b.org&from=x@y.org&cc=c@d.org", {}, "unknown option cc"),
        ("smtp://mail.example.org:port?to=a@b.org&from=x@y.org", {}, "port is not a number"),
    ],
)
def test_bad_specs_are_one_clear_config_error(spec: str, env: dict[str, str], expected: str) -> None:
    with pytest.raises(ConfigError) as info:
        parse_notify_spec(spec, env=env)
    message = str(info.value)
    assert expected in message and message.startswith("--notify:")
    assert "hunter2" not in message and "\n" not in message


def test_names_show_kind_and_host_only() -> None:
    notifier = parse_notify_spec("wecom:https://qyapi.weixin.qq.com/cgi-bin/webhook/send?key=ABC-123", env={})
    assert notifier.name == "wecom (qyapi.weixin.qq.com)"
    feishu = parse_notify_spec("feishu:https://open.feishu.cn/open-apis/bot/v2/hook/HOOK#sec", env={})
    assert "HOOK" not in feishu.name and "sec" not in feishu.name
