"""``portal-bot flows …``: commands about flow files. ``flows check`` lints flows without a browser.

Each problem is one line ``path:line: message`` on stdout; the exit code is 1 when there is any.
This module only reads flow files; it never runs them.
"""

from __future__ import annotations

from pathlib import Path

import typer

from portal_bot.console import make_console


def register(app: typer.Typer) -> None:
    """Add the ``flows`` command group to the root app."""
    flows = typer.Typer(
        help="Flow files: the site's page sequences as data (flows/*.yaml).", no_args_is_help=True
    )

    @flows.command("check")
    def check(
        given: list[Path] = typer.Argument(
            ..., metavar="FLOW...", help="Flow files or field maps to lint; a folder means its *.yaml."
        ),
    ) -> None:
        """Lint flows: unknown steps or keys, undefined variables, missing run_flow targets, dead steps."""
        from portal_bot.flows.lint import check_flow

        console = make_console()
        paths = [p for g in given for p in (sorted(g.glob("*.y*ml")) if g.is_dir() else [g])]
        total = 0
        for path in paths:
            problems = check_flow(path)
            total += len(problems)
            for problem in problems:
                console.print(str(problem), markup=False, highlight=False, soft_wrap=True)
        if total:
            make_console(stderr=True).print(f"{total} problem(s) in {len(paths)} flow(s)")
            raise typer.Exit(1)
        console.print(f"{len(paths)} flow(s) OK")

    app.add_typer(flows, name="flows")
