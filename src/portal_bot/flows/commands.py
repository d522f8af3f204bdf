"""``portal-bot flows …``: commands about flow files. ``flows check`` lints flows without a browser.

Each problem is one line ``path:line: message`` on stdout; the exit code is 1 when there is any.
With ``--against DIR`` it also checks every page-addressing step on the pages a recording holds
(:mod:`portal_bot.flows.against`). This module only reads flow files; it never runs them.
"""

from __future__ import annotations

import json
import os
from pathlib import Path

import typer

from portal_bot.console import make_console
from portal_bot.errors import ConfigError
from portal_bot.i18n import N_, _, ngettext
from portal_bot.settings import Settings

_AGAINST_HELP = N_(
    "A recording folder (register --record DIR, survey --out DIR): check every click, field, "
    "expected text and field-map entry on the recorded page it applies to, offline. Each step is "
    "resolved, missing (with the page's nearest texts) or not recorded; exit 1 when any is missing. "
    "A step is checked on the page the recording says it ran on, else on the page where most of "
    "the steps around it (up to a click) are found; details in docs/flows.md, 'Checking flows "
    "against recorded pages'."
)


def register(app: typer.Typer) -> None:
    """Add the ``flows`` command group to the root app."""
    flows = typer.Typer(
        help=N_("Flow files: the site's page sequences as data (flows/*.yaml)."), no_args_is_help=True
    )

    @flows.command("check")
    def check(
        ctx: typer.Context,
        given: list[Path] = typer.Argument(
            None,
            metavar="FLOW",
            help=N_(
                "Flow files or field maps to lint; a folder means its *.yaml. "
                "Default with --against: the shipped flows."
            ),
        ),
        against: Path | None = typer.Option(None, "--against", metavar="DIR", help=_AGAINST_HELP),
        as_json: bool = typer.Option(
            False,
            "--json",
            help=N_(
                'With --against: print {"steps": [{flow, line, action, target, page, status, '
                'suggestions}], "missing": N, "unrecorded": N} instead of the table.'
            ),
        ),
        write_patch: Path | None = typer.Option(
            None,
            "--write-patch",
            metavar="FILE",
            help=N_(
                "With --against: write a unified diff that puts each missing step's best suggestion "
                "in its flow or field map (apply with `git apply FILE` in the project folder). Steps "
                "without a suggestion are listed, never guessed."
            ),
        ),
    ) -> None:
        """Lint flows: unknown steps or keys, undefined variables, missing run_flow targets, dead steps.

        With --against DIR, also check each step against recorded pages of the site.
        """
        from portal_bot.flows.lint import check_flow

        if against is None and (as_json or write_patch is not None):
            raise typer.BadParameter(_("--json and --write-patch go with --against DIR"))
        if not given:
            if against is None:
                raise typer.BadParameter(_("give the flow files or folders to check"), param_hint="FLOW")
            from portal_bot.portal.flows import shipped_flows_dir

            given = [shipped_flows_dir()]
        console = make_console()
        paths = [p for g in given for p in (sorted(g.glob("*.y*ml")) if g.is_dir() else [g])]
        out = make_console(stderr=as_json)  # --json keeps stdout for the JSON
        total = 0
        for path in paths:
            problems = check_flow(path)
            total += len(problems)
            for problem in problems:
                out.print(str(problem), markup=False, highlight=False, soft_wrap=True)
        if total:
            said = ngettext("{n} problem", "{n} problems", total).format(n=total)
            flows_n = ngettext("{n} flow", "{n} flows", len(paths)).format(n=len(paths))
            make_console(stderr=True).print(_("{problems} in {flows}").format(problems=said, flows=flows_n))
            raise typer.Exit(1)
        if against is None:
            console.print(ngettext("{n} flow OK", "{n} flows OK", len(paths)).format(n=len(paths)))
            return
        settings: Settings = ctx.obj if isinstance(ctx.obj, Settings) else Settings()
        _against(settings, paths, against, as_json, write_patch)

    app.add_typer(flows, name="flows")


def _against(settings: Settings, paths: list[Path], root: Path, as_json: bool, patch: Path | None) -> None:
    from portal_bot.fileio import atomic_write_text
    from portal_bot.flows.against_browser import check_against
    from portal_bot.flows.against_view import patch_summary, table
    from portal_bot.flows.lint import is_field_map
    from portal_bot.flows.patch import unified_patch
    from portal_bot.flows.steps import load_flow

    flows = [load_flow(p) for p in paths if not is_field_map(p)]
    report = check_against(settings, flows, root)
    base = Path.cwd()
    edits, none = report.edits()
    if patch is not None:
        where = _patch_base([e.path for e in edits], base)
        try:  # empty when nothing can be suggested: never a stale patch from an earlier check
            atomic_write_text(patch, unified_patch(edits, where) if edits else "")
        except OSError as exc:
            raise ConfigError(
                _("{}: cannot write the patch: {}").format(patch, exc.strerror), path=patch
            ) from None
    if as_json:
        typer.echo(json.dumps(report.as_json(base), ensure_ascii=False, indent=1))
    else:
        make_console().print(table(report, base))
    if patch is not None:
        make_console(stderr=as_json).print(
            patch_summary(patch, edits, none, base, where), highlight=False, soft_wrap=True
        )
    if report.missing:
        raise typer.Exit(1)


def _patch_base(files: list[Path], cwd: Path) -> Path:
    """The folder the patch's paths are relative to (where ``git apply`` runs): the working folder
    when it holds every changed file, else the folder above the changed files' common folder."""
    resolved = [f.resolve() for f in files]
    if all(f.is_relative_to(cwd.resolve()) for f in resolved):
        return cwd
    return Path(os.path.commonpath([f.parent for f in resolved])).parent
