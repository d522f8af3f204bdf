from pathlib import Path

from portal_bot.cohortrun.sessions import session_file
from portal_bot.ledger import Ledger
from portal_bot.settings import Settings


def test_session_files_are_per_portal_and_never_name_the_person(tmp_path: Path) -> None:
    settings = Settings(state_dir=tmp_path)
    with Ledger.open(settings.ledger_path) as ledger:
        mock = session_file(settings, ledger, "http://127.0.0.1:8123", "33010219900101123X")
        real = session_file(settings, ledger, "https://zynl.rlsbt.zj.gov.cn", "33010219900101123X")
        other = session_file(settings, ledger, "http://127.0.0.1:8123", "330102199001011115")
    assert mock.parent != real.parent
    assert mock != other
    assert "123X" not in str(mock) and "1990" not in str(mock)
    assert mock.is_relative_to(settings.sessions_dir)
