"""``portal-bot notify-test`` through the CLI, as a coordinator runs it."""

from typer.testing import CliRunner

from portal_bot.cli import app

from .conftest import HttpReceiver, SmtpServer

runner = CliRunner()


def test_notify_test_reports_each_notifier(http_receiver: HttpReceiver, smtp_server: SmtpServer) -> None:
    result = runner.invoke(
        app,
        [
            "notify-test",
            "--notify",
            f"wecom:{http_receiver.url}/cgi-bin/webhook/send?key=SECRETKEY",
            "--notify",
            f"smtp://127.0.0.1:{smtp_server.port}?to=a@example.org&from=bot@example.org",
            "--cohort",
            "春季班",
        ],
    )
    assert result.exit_code == 0, result.output
    assert "wecom (127.0.0.1)" in result.output and "smtp (127.0.0.1)" in result.output
    assert result.output.count("sent") == 2
    assert "SECRETKEY" not in result.output
    assert "测试消息" in http_receiver.requests[0].json["markdown"]["content"]
    assert "测试消息" in smtp_server.mails[0].message["Subject"]


def test_notify_test_exits_1_when_one_fails(http_receiver: HttpReceiver, closed_port: int) -> None:
    result = runner.invoke(
        app,
        [
            "notify-test",
            "--timeout",
            "1",
            "-n",
            f"webhook:http://127.0.0.1:{closed_port}/h",
            "-n",
            f"webhook:{http_receiver.url}/h",
        ],
    )
    assert result.exit_code == 1
    assert "FAIL" in result.output and "cannot connect" in result.output and "sent" in result.output
    assert len(http_receiver.requests) == 1


def test_a_bad_spec_is_one_line_and_sends_nothing(http_receiver: HttpReceiver) -> None:
    result = runner.invoke(
        app,
        [
            "notify-test",
            "-n",
            f"webhook:{http_receiver.url}/h",
            "-n",
            "smtp://u:pw@mail.example.org?to=a@b.org",
        ],
    )
    assert result.exit_code == 1
    assert "error: --notify: smtp: a password must not be written in the spec" in result.output
    assert "Traceback" not in result.output and "pw@" not in result.output
    assert http_receiver.requests == []
