"""Every command answers --help (sqlite-utils' test_commands_have_help)."""

from collections.abc import Iterator
from typing import Any

import pytest
import typer
from typer.testing import CliRunner

from portal_bot.cli import app

runner = CliRunner()


def _commands(group: Any, prefix: tuple[str, ...] = ()) -> Iterator[tuple[str, ...]]:
    for name, command in group.commands.items():
        yield (*prefix, name)
        if hasattr(command, "commands"):
            yield from _commands(command, (*prefix, name))


ALL_COMMANDS = sorted(_commands(typer.main.get_command(app)))


def test_there_are_commands() -> None:
    assert ("doctor",) in ALL_COMMANDS


@pytest.mark.parametrize("command", ALL_COMMANDS, ids=" ".join)
def test_command_has_help(command: tuple[str, ...]) -> None:
    result = runner.invoke(app, [*command, "--help"])
    assert result.exit_code == 0, result.output
    assert "Usage:" in result.output
    cmd = typer.main.get_command(app)
    for part in command:
        cmd = cmd.commands[part]  # type: ignore[attr-defined]
    assert cmd.help or cmd.short_help, f"{' '.join(command)} has no help text"


def test_version() -> None:
    result = runner.invoke(app, ["--version"])
    assert result.exit_code == 0
    assert result.output.startswith("portal-bot ")
