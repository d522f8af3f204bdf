"""The round-trip counter of tests/roundtrips.py reads Playwright's ``DEBUG=pw:channel`` lines."""

from __future__ import annotations

import json

from tests.roundtrips import parse


def _send(guid: str, method: str) -> str:
    return "pw:channel SEND> " + json.dumps({"id": 1, "guid": guid, "method": method, "params": {}})


def test_counts_sent_messages_by_type_and_method_and_ignores_everything_else() -> None:
    lines = [
        _send("frame@1a", "click"),
        _send("frame@2b", "click"),
        _send("page@3c", "goto"),
        "pw:channel <RECV " + json.dumps({"id": 1, "result": {}}),
        "pw:channel <EVENT " + json.dumps({"guid": "page@3c", "method": "load"}),
        '2026-11-28T22:00:00.000Z pw:channel SEND> {"driver side": true}',
        "some other stderr line",
    ]
    trips = parse(lines)
    assert dict(trips.by_method) == {"frame.click": 2, "page.goto": 1}
    assert trips.total == 3


def test_messages_the_driver_never_answers_are_not_round_trips() -> None:
    lines = [
        _send("frame@1a", "__waitInfo__"),
        _send("localUtils", "addStackToTracingNoReply"),
        _send("localUtils", "addStackToTracingNoReply"),
        _send("frame@1a", "fill"),
    ]
    trips = parse(lines)
    assert trips.total == 1
    assert dict(trips.no_reply) == {"frame.__waitInfo__": 1, "localUtils.addStackToTracingNoReply": 2}
    table = trips.table()
    assert "1  total round trips" in table and "no reply: not counted" in table


def test_the_settle_look_outs_polls_are_listed_apart_from_the_total() -> None:
    from portal_bot.flows.locate import PAGE_ERRORS
    from portal_bot.flows.settle import TARGET

    def sent(expression: str) -> str:
        params = {"expression": expression}
        return "pw:channel SEND> " + json.dumps(
            {"id": 2, "guid": "frame@1a", "method": "evaluateExpression", "params": params}
        )

    # the look-out's first call in a document sends locate.js, the later ones one line
    looks = [sent(TARGET.full), sent(TARGET.small)]
    trips = parse([*looks, sent(PAGE_ERRORS.full), sent(PAGE_ERRORS.small), sent("() => 1")])
    assert trips.total == 3
    assert dict(trips.polled) == {"frame.evaluateExpression": 2}
    assert "settle look-out" in trips.table()
