"""Notifiers for status changes, built from ``--notify`` spec strings.

Specs (``--notify`` may be given several times):

- ``webhook:URL``: a generic JSON POST ``{"event": "portal-bot.status", "summary": …, "changes": […]}``.
- ``wecom:URL``: a WeCom (企业微信) group robot, ``msgtype`` markdown.
- ``dingtalk:URL[#SECRET]``: a DingTalk (钉钉) custom robot, ``msgtype`` markdown; with a secret, the
  request is signed (``timestamp`` in ms and ``sign`` = Base64(HMAC-SHA256(secret, "ts\\nsecret")) in
  the query).
- ``feishu:URL[#SECRET]``: a Feishu (飞书) custom bot, ``msg_type`` text; with a secret, the body
  carries ``timestamp`` (s) and ``sign`` = Base64(HMAC-SHA256(key="ts\\nsecret", empty message)).
- ``smtp://USER@HOST:PORT?to=a@b,c@d&starttls=1&password_env=VAR[&from=x@y]``, or ``smtps://…``
  for TLS from the start. The password comes from the environment variable named by
  ``password_env``; a password written in the spec is refused.

A secret written as ``#env:NAME`` is read from that environment variable, so it need not appear in
a crontab. Each delivery has a timeout and one retry with backoff on network errors (and 5xx/429).
:func:`send_all` never raises: a failing notifier is reported by name and the others still send,
so a status result is never lost to a notification problem. Notifier names show the kind and host
only: a robot's URL is its key, and this module must never log or print it, nor any password.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import os
import smtplib
import ssl
import time
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from email.message import EmailMessage
from email.utils import formatdate, make_msgid
from typing import Any
from urllib.parse import parse_qsl, unquote, urlencode, urlsplit, urlunsplit

import httpx
from loguru import logger

from portal_bot.cohortrun.politeness import is_loopback
from portal_bot.cohortrun.retry import RetryPolicy
from portal_bot.errors import ConfigError, NotificationError
from portal_bot.i18n import N_, S_
from portal_bot.status.messages import StatusMessage

DEFAULT_TIMEOUT_S = 10.0
DEFAULT_BACKOFF_S = 2.0
# Robots' documented size limits (UTF-8 bytes of the content), with some room for the envelope.
WECOM_MARKDOWN_LIMIT = 4096
DINGTALK_MARKDOWN_LIMIT = 18000
FEISHU_TEXT_LIMIT = 18000
_SPEC_FIELD = "--notify"
_KINDS = ("webhook", "wecom", "dingtalk", "feishu", "smtp", "smtps")
_HINT = N_("see docs/status.md (notifications) for the spec formats")


class _Transient(Exception):
    """A failure worth one retry (network error, 5xx, 429)."""


@dataclass
class Notifier:
    """Base of every notifier: a safe ``name`` and :meth:`send`."""

    kind: str
    host: str

    @property
    def name(self) -> str:
        """``kind (host)``: never the URL (it holds the robot's key) nor a password."""
        return f"{self.kind} ({self.host})"

    def send(self, message: StatusMessage) -> None:
        """Deliver ``message``; raises NotificationError naming this notifier."""
        raise NotImplementedError

    def _fail(self, what: str) -> NotificationError:
        return NotificationError(S_("notifier {}: {}").format(self.name, what), field=_SPEC_FIELD)


@dataclass
class HttpNotifier(Notifier):
    """A JSON POST to a URL, with one retry on network errors."""

    url: str = ""
    timeout: float = DEFAULT_TIMEOUT_S
    backoff: float = DEFAULT_BACKOFF_S

    def body(self, message: StatusMessage) -> dict[str, Any]:
        return message.payload()

    def target(self) -> str:
        """The URL to POST to (signing robots add query parameters)."""
        return self.url

    def check(self, response: httpx.Response) -> None:
        """Raise NotificationError unless the receiver accepted the message."""
        if response.status_code >= 500 or response.status_code == 429:
            raise _Transient(f"HTTP {response.status_code}")
        if not 200 <= response.status_code < 300:
            raise self._fail(f"HTTP {response.status_code}: {_snippet(response)}")

    def send(self, message: StatusMessage) -> None:
        body = json.dumps(self.body(message), ensure_ascii=False).encode("utf-8")
        headers = {"Content-Type": "application/json; charset=utf-8", "User-Agent": "portal-bot"}
        with httpx.Client(timeout=self.timeout) as client:
            policy = _policy(self.backoff)
            for attempt in range(1, policy.attempts + 1):
                try:
                    response = client.post(self.target(), content=body, headers=headers)
                    self.check(response)
                    return
                except (httpx.TransportError, _Transient) as exc:
                    detail = _describe(exc).replace(self.url, "<url>")
                    if not policy.again(attempt):
                        raise self._fail(S_("{} (after one retry)").format(detail)) from None
                    logger.warning("notifier {}: {}; retrying in {:.1f} s", self.name, detail, self.backoff)
                    time.sleep(policy.wait(attempt))


def _policy(backoff: float) -> RetryPolicy:
    """One retry after a fixed ``backoff``: a notification is small, and the next run sends again."""
    return RetryPolicy(attempts=2, delay=backoff, max_delay=backoff, jitter=False)


def _describe(exc: Exception) -> str:
    if isinstance(exc, httpx.TimeoutException):
        return "timed out"
    if isinstance(exc, httpx.ConnectError):
        return f"cannot connect ({exc})" if str(exc) else "cannot connect"
    return str(exc) or type(exc).__name__


def _snippet(response: httpx.Response) -> str:
    return " ".join(response.text.split())[:200] or "(empty answer)"


def _robot_json(notifier: Notifier, response: httpx.Response) -> dict[str, Any]:
    try:
        data = response.json()
    except ValueError:
        raise notifier._fail(S_("answer is not JSON: {}").format(_snippet(response))) from None
    if not isinstance(data, dict):
        raise notifier._fail(S_("unexpected answer: {}").format(_snippet(response)))
    return data


@dataclass
class WebhookNotifier(HttpNotifier):
    """Generic JSON webhook: any 2xx answer is success."""


@dataclass
class WeComNotifier(HttpNotifier):
    """WeCom group robot: ``{"msgtype": "markdown", "markdown": {"content": …}}``; errcode 0 is success."""

    def body(self, message: StatusMessage) -> dict[str, Any]:
        return {
            "msgtype": "markdown",
            "markdown": {"content": message.markdown(limit_bytes=WECOM_MARKDOWN_LIMIT)},
        }

    def check(self, response: httpx.Response) -> None:
        super().check(response)
        data = _robot_json(self, response)
        if data.get("errcode", 0) != 0:
            raise self._fail(f"errcode {data.get('errcode')}: {data.get('errmsg', '')}")


def dingtalk_sign(secret: str, timestamp_ms: int) -> str:
    """DingTalk's signature: Base64(HMAC-SHA256(key=secret, msg="ts\\nsecret")), not URL-encoded."""
    digest = hmac.new(secret.encode(), f"{timestamp_ms}\n{secret}".encode(), hashlib.sha256).digest()
    return base64.b64encode(digest).decode("ascii")


def feishu_sign(secret: str, timestamp_s: int) -> str:
    """Feishu's signature: Base64(HMAC-SHA256(key=f"{timestamp}\\n{secret}", msg=b""))."""
    digest = hmac.new(f"{timestamp_s}\n{secret}".encode(), b"", hashlib.sha256).digest()
    return base64.b64encode(digest).decode("ascii")


@dataclass
class DingTalkNotifier(HttpNotifier):
    """DingTalk custom robot, markdown, signed in the query when a secret is set."""

    secret: str | None = None
    clock: Callable[[], float] = time.time

    def body(self, message: StatusMessage) -> dict[str, Any]:
        return {
            "msgtype": "markdown",
            "markdown": {
                "title": message.title,
                "text": message.markdown(limit_bytes=DINGTALK_MARKDOWN_LIMIT),
            },
        }

    def target(self) -> str:
        if not self.secret:
            return self.url
        timestamp = int(self.clock() * 1000)
        parts = urlsplit(self.url)
        query = [*parse_qsl(parts.query), ("timestamp", str(timestamp))]
        query.append(("sign", dingtalk_sign(self.secret, timestamp)))
        return urlunsplit(parts._replace(query=urlencode(query)))

    def check(self, response: httpx.Response) -> None:
        super().check(response)
        data = _robot_json(self, response)
        if data.get("errcode", 0) != 0:
            raise self._fail(f"errcode {data.get('errcode')}: {data.get('errmsg', '')}")


@dataclass
class FeishuNotifier(HttpNotifier):
    """Feishu custom bot, text message, signed in the body when a secret is set."""

    secret: str | None = None
    clock: Callable[[], float] = time.time

    def body(self, message: StatusMessage) -> dict[str, Any]:
        body: dict[str, Any] = {
            "msg_type": "text",
            "content": {"text": message.text(limit_bytes=FEISHU_TEXT_LIMIT)},
        }
        if self.secret:
            timestamp = int(self.clock())
            body = {"timestamp": str(timestamp), "sign": feishu_sign(self.secret, timestamp), **body}
        return body

    def check(self, response: httpx.Response) -> None:
        super().check(response)
        data = _robot_json(self, response)
        code = data.get("code", data.get("StatusCode", 0))
        if code != 0:
            raise self._fail(f"code {code}: {data.get('msg', data.get('StatusMessage', ''))}")


@dataclass
class SmtpNotifier(Notifier):
    """E-mail over SMTP (STARTTLS or TLS from the start), plain UTF-8 text."""

    port: int = 25
    sender: str = ""
    recipients: tuple[str, ...] = ()
    user: str | None = None
    password: str | None = None
    starttls: bool = False
    implicit_tls: bool = False
    timeout: float = DEFAULT_TIMEOUT_S
    backoff: float = DEFAULT_BACKOFF_S

    def build(self, message: StatusMessage) -> EmailMessage:
        mail = EmailMessage()
        mail["Subject"] = message.title
        mail["From"] = self.sender
        mail["To"] = ", ".join(self.recipients)
        mail["Date"] = formatdate(localtime=True)
        mail["Message-ID"] = make_msgid(domain=self.sender.rpartition("@")[2] or "portal-bot.invalid")
        mail.set_content(message.text())
        return mail

    def _connect(self) -> smtplib.SMTP:
        context = ssl.create_default_context()
        if self.implicit_tls:
            return smtplib.SMTP_SSL(self.host, self.port, timeout=self.timeout, context=context)
        smtp = smtplib.SMTP(self.host, self.port, timeout=self.timeout)
        if self.starttls:
            try:
                smtp.ehlo()
                smtp.starttls(context=context)  # SMTPNotSupportedError: never falls back to clear text
                smtp.ehlo()
            except BaseException:
                smtp.close()
                raise
        return smtp

    def send(self, message: StatusMessage) -> None:
        mail = self.build(message)
        policy = _policy(self.backoff)
        for attempt in range(1, policy.attempts + 1):
            try:
                with self._connect() as smtp:
                    if self.user and self.password is not None:
                        smtp.login(self.user, self.password)
                    smtp.send_message(mail)
                return
            except smtplib.SMTPAuthenticationError as exc:
                raise self._fail(S_("login refused (SMTP {})").format(exc.smtp_code)) from None
            except (smtplib.SMTPServerDisconnected, smtplib.SMTPConnectError) as exc:
                error: Exception = exc
            except smtplib.SMTPException as exc:  # refused recipients or sender, no STARTTLS …
                raise self._fail(str(exc) or type(exc).__name__) from None
            except OSError as exc:  # connection refused, timeout, TLS failure
                error = exc
            detail = str(error) or type(error).__name__
            if not policy.again(attempt):
                raise self._fail(S_("{} (after one retry)").format(detail)) from None
            logger.warning("notifier {}: {}; retrying in {:.1f} s", self.name, detail, self.backoff)
            time.sleep(policy.wait(attempt))


# -- specs ------------------------------------------------------------------------------------


def _secret(fragment: str, env: Mapping[str, str], kind: str) -> str | None:
    if not fragment:
        return None
    if fragment.startswith("env:"):
        name = fragment[4:]
        value = env.get(name)
        if not value:
            raise ConfigError(
                S_("{kind}: the secret's environment variable {name} is not set").format(
                    kind=kind, name=name
                ),
                field=_SPEC_FIELD,
                hint=S_(_HINT),
            )
        return value
    return fragment


def _http_notifier(kind: str, rest: str, env: Mapping[str, str], **options: Any) -> Notifier:
    url, _, fragment = rest.partition("#")
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise ConfigError(
            S_("{kind}: expected an http(s) URL after '{kind}:'").format(kind=kind),
            field=_SPEC_FIELD,
            hint=S_(_HINT),
        )
    host = parts.hostname
    if parts.scheme == "http" and not is_loopback(url):
        logger.warning("notifier {} ({}) uses plain http: messages travel unencrypted", kind, host)
    if kind in ("webhook", "wecom") and fragment:
        raise ConfigError(S_("{}: takes no '#secret'").format(kind), field=_SPEC_FIELD, hint=S_(_HINT))
    if kind == "webhook":
        return WebhookNotifier(kind, host, url=url, **options)
    if kind == "wecom":
        return WeComNotifier(kind, host, url=url, **options)
    secret = _secret(fragment, env, kind)
    if kind == "dingtalk":
        return DingTalkNotifier(kind, host, url=url, secret=secret, **options)
    return FeishuNotifier(kind, host, url=url, secret=secret, **options)


_SMTP_KEYS = {"to", "from", "starttls", "password_env"}


def _smtp_notifier(spec: str, env: Mapping[str, str], **options: Any) -> Notifier:
    parts = urlsplit(spec)
    kind = parts.scheme
    if not parts.hostname:
        raise ConfigError(S_("smtp: no host in the spec"), field=_SPEC_FIELD, hint=S_(_HINT))
    if parts.password is not None:
        raise ConfigError(
            S_("smtp: a password must not be written in the spec"),
            field=_SPEC_FIELD,
            hint=S_("put it in an environment variable and name it with password_env=VAR"),
        )
    query = dict(parse_qsl(parts.query, keep_blank_values=True))
    unknown = sorted(set(query) - _SMTP_KEYS)
    if unknown:
        raise ConfigError(
            S_("smtp: unknown option {}").format(", ".join(unknown)),
            field=_SPEC_FIELD,
            hint=S_("options are to, from, starttls, password_env"),
        )
    recipients = tuple(a.strip() for a in query.get("to", "").split(",") if a.strip())
    if not recipients or not all("@" in a for a in recipients):
        raise ConfigError(S_("smtp: give recipients as to=a@b,c@d"), field=_SPEC_FIELD, hint=S_(_HINT))
    user = unquote(parts.username) if parts.username else None
    sender = query.get("from") or (user if user and "@" in user else "")
    if "@" not in sender:
        raise ConfigError(
            S_("smtp: give the sender as from=x@y (or a user name that is an address)"), field=_SPEC_FIELD
        )
    starttls = query.get("starttls", "0").lower() in ("1", "true", "yes", "on")
    implicit_tls = kind == "smtps"
    password: str | None = None
    if query.get("password_env"):
        name = query["password_env"]
        password = env.get(name)
        if password is None:
            raise ConfigError(
                S_("smtp: environment variable {} (password_env) is not set").format(name), field=_SPEC_FIELD
            )
        if not user:
            raise ConfigError(
                S_("smtp: password_env given but no user (smtp://USER@host)"), field=_SPEC_FIELD
            )
        if not (starttls or implicit_tls or is_loopback(f"smtp://{parts.hostname}")):
            raise ConfigError(
                S_("smtp: refusing to send a password unencrypted to {}").format(parts.hostname),
                field=_SPEC_FIELD,
                hint=S_("add starttls=1, or use smtps://"),
            )
    try:
        port = parts.port or (465 if implicit_tls else 587 if starttls else 25)
    except ValueError:
        raise ConfigError(S_("smtp: the port is not a number"), field=_SPEC_FIELD, hint=S_(_HINT)) from None
    return SmtpNotifier(
        kind,
        parts.hostname,
        port=port,
        sender=sender,
        recipients=recipients,
        user=user,
        password=password,
        starttls=starttls,
        implicit_tls=implicit_tls,
        **options,
    )


def parse_notify_spec(spec: str, *, env: Mapping[str, str] | None = None, **options: Any) -> Notifier:
    """Build one notifier from a ``--notify`` spec.

    Args:
        spec: e.g. ``wecom:https://qyapi.weixin.qq.com/cgi-bin/webhook/send?key=…``.
        env: where ``password_env`` and ``#env:NAME`` secrets are looked up (default: os.environ).
        options: ``timeout`` and ``backoff`` (seconds).

    Raises:
        ConfigError: the spec cannot work; the message names the part that is wrong.
    """
    env = os.environ if env is None else env
    spec = spec.strip()
    kind = spec.split(":", 1)[0].lower() if ":" in spec else ""
    if kind not in _KINDS:
        raise ConfigError(
            S_("unknown notifier {!r}").format(kind or spec),
            field=_SPEC_FIELD,
            hint=S_("use webhook:URL, wecom:URL, dingtalk:URL[#secret], feishu:URL[#secret] or smtp://…"),
        )
    if kind in ("smtp", "smtps"):
        return _smtp_notifier(spec, env, **options)
    return _http_notifier(kind, spec.split(":", 1)[1], env, **options)


def build_notifiers(specs: Iterable[str], **kwargs: Any) -> list[Notifier]:
    """Every notifier of a run; all specs are checked before anything is sent."""
    return [parse_notify_spec(spec, **kwargs) for spec in specs]


@dataclass(frozen=True)
class Delivery:
    """The outcome of one notifier."""

    notifier: str
    ok: bool
    error: str | None = None


def send_all(notifiers: Sequence[Notifier], message: StatusMessage) -> list[Delivery]:
    """Send ``message`` through every notifier; never raises, reports each failure by name."""
    results: list[Delivery] = []
    for notifier in notifiers:
        try:
            notifier.send(message)
        except NotificationError as exc:
            logger.error("{}", exc)
            results.append(Delivery(notifier.name, False, str(exc)))
        except Exception as exc:  # a notifier must never cost the run its result
            detail = str(exc)
            if isinstance(notifier, HttpNotifier) and notifier.url:
                detail = detail.replace(notifier.url, "<url>")
            error = f"notifier {notifier.name}: unexpected {type(exc).__name__}: {detail}"
            logger.error("{}", error)
            results.append(Delivery(notifier.name, False, error))
        else:
            logger.info("notified {}", notifier.name)
            results.append(Delivery(notifier.name, True))
    return results


def notify_test(specs: Iterable[str], *, cohort: str | None = None, **kwargs: Any) -> list[Delivery]:
    """Send a test message through each spec (``--notify-test``); spec errors raise ConfigError first."""
    return send_all(build_notifiers(specs, **kwargs), StatusMessage.for_test(cohort=cohort))
