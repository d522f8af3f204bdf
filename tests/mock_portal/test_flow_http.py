"""A whole registration over HTTP, as a browser would do it (no JavaScript needed)."""

from __future__ import annotations

from portal_bot.mock_portal.server import RunningPortal
from tests.mock_portal import helpers as h


def test_full_registration_reaches_pending_with_every_value_recorded(mock_portal: RunningPortal) -> None:
    client, app_id = h.submitted_application(mock_portal)
    [app] = mock_portal.qa.applications("zhangsan")
    assert app["id"] == app_id
    assert app["state"] == "待审核"
    assert app["submitted_at"]
    assert app["plan_no"] == "2024-S-000911"
    values = app["values"]
    assert (values["occupation"], values["work_type"]) == ("碳排放核算员", "-")  # as the guide's step 2
    assert values["occupation_code"] == "4-09-07-04-03"
    assert values["level"] == "中级工"
    assert values["name"] == "张三"
    assert values["sex"] == "男"
    assert values["birth_date"] == "2003-05-14"
    assert values["category"] == "社会人员"
    assert values["education"] == "大学"
    assert values["subjects"] == ["理论考试", "实操考试"]
    assert values["years_in_occupation"] == 6
    assert values["eligibility"] == [1]
    assert values["promotion"] is None
    assert values["application_method"] == "常规申报"
    assert app["photo"]["width"] == 330 and app["photo"]["height"] == 440
    assert app["pdfs"]["materials"]["pages"] == 3
    assert app["signed"] is True
    listing = client.get("/user/applications").text
    assert "待审核" in listing and "2024-S-000911" in listing
