from pathlib import Path

from portal_bot.errors import DataError, PortalBotError, PortalError, ProfileError, SessionExpiredError


def test_message_names_file_line_and_field() -> None:
    err = ProfileError("must be 18 characters", path=Path("profiles/zhang.yaml"), line=7, field="id_number")
    assert str(err) == "profiles/zhang.yaml:7: id_number: must be 18 characters"


def test_row_and_hint() -> None:
    err = ProfileError(
        "not a date", path="roster.csv", row=12, field="出生日期", hint="write it as 2004-05-06"
    )
    assert str(err) == "roster.csv row 12: 出生日期: not a date (write it as 2004-05-06)"


def test_data_and_portal_errors_are_separate_branches() -> None:
    assert issubclass(ProfileError, DataError)
    assert issubclass(SessionExpiredError, PortalError)
    assert not issubclass(SessionExpiredError, DataError)
    assert isinstance(SessionExpiredError("gone"), PortalBotError)
