"""``portal-bot photo check|fix`` and ``portal-bot pdf bundle``: the documents commands.

Pillow, pypdf and OpenCV are imported inside the command functions (through photo.py and bundle.py)
so ``portal-bot --help`` stays instant. A bad file is one line naming it (the CLI's central handler
prints DocumentError); these commands must never print a traceback or leave a half-written output.
"""

from __future__ import annotations

import json
import os
from collections.abc import Iterable
from pathlib import Path
from typing import TYPE_CHECKING

import typer

from portal_bot.console import make_console, markup
from portal_bot.documents.files import IMAGE_KINDS, sniff
from portal_bot.errors import ConfigError, PortalBotError
from portal_bot.i18n import N_, _, ngettext

if TYPE_CHECKING:
    from portal_bot.documents.photo import PhotoFixResult

photo_app = typer.Typer(
    help=N_("Check and fix ID photos for the wizard's step 1 (上传证件照)."),
    no_args_is_help=True,
)
pdf_app = typer.Typer(
    help=N_("Bundle pictures and PDFs into one PDF under the site's 20 MB limit."),
    no_args_is_help=True,
)

_IMAGE_SUFFIXES = {".jpg", ".jpeg", ".png", ".webp", ".heic", ".heif", ".bmp", ".tif", ".tiff", ".gif"}


def _say(template: str, *values: object, stderr: bool = False) -> None:
    """One line of output, never wrapped so it can be grepped: our markup, ``values`` escaped."""
    make_console(stderr=stderr).print(markup(template, *values), markup=True, highlight=False, soft_wrap=True)


def _pictures_in(folder: Path) -> list[Path]:
    """Files in ``folder`` (not hidden) that are pictures by content, or named like one."""
    found = []
    for entry in sorted(folder.iterdir()):
        if not entry.is_file() or entry.name.startswith("."):
            continue
        if entry.suffix.lower() in _IMAGE_SUFFIXES:
            found.append(entry)
            continue
        with entry.open("rb") as handle:
            if sniff(handle.read(32)) in IMAGE_KINDS:
                found.append(entry)
    return found


def _expand(paths: Iterable[Path]) -> list[Path]:
    files: list[Path] = []
    for path in paths:
        files.extend(_pictures_in(path) if path.is_dir() else [path])
    return files


@photo_app.command("check")
def check(
    files: list[Path] = typer.Argument(..., help=N_("Photos, or folders of photos, to check.")),
    as_json: bool = typer.Option(False, "--json", help=N_("Print a JSON list, one object per file.")),
) -> None:
    """Check photos against the site's rules: real JPEG, size, pixels, proportions; warn on looks.

    Exit 0 when every file passes, 1 otherwise.
    """
    from portal_bot.documents.photo import check_photo

    reports = [check_photo(path) for path in _expand(files)]
    if as_json:
        typer.echo(json.dumps([r.model_dump() for r in reports], ensure_ascii=False, indent=2))
    else:
        for report in reports:
            if report.ok:
                _say(
                    _("[green]OK[/]   {}  {}×{}, {:,} bytes"),
                    report.path,
                    report.width,
                    report.height,
                    report.bytes,
                )
            else:
                _say(_("[red]FAIL[/] {}: {}"), report.path, "; ".join(report.problems))
            for warning in report.warnings:
                _say(_("     [yellow]warning:[/] {}"), warning)
        passed = sum(r.ok for r in reports)
        _say(
            ngettext(
                "{} of {} photo meets the site's rules", "{} of {} photos meet the site's rules", len(reports)
            ),
            passed,
            len(reports),
        )
        if passed < len(reports):
            _say(_("fix them with: portal-bot photo fix SRC --out DST.jpg"))
    if not reports or not all(r.ok for r in reports):
        raise typer.Exit(1)


def _fix_one(src: str, dst: str, keep_background: bool = False) -> tuple[str, str]:
    """Worker for folder runs: ("ok", result JSON) or ("error", the one-line message)."""
    from portal_bot.documents.photo import fix_photo

    try:
        return "ok", fix_photo(Path(src), Path(dst), keep_background=keep_background).model_dump_json()
    except PortalBotError as exc:
        return "error", str(exc)


def _print_fixed(result: PhotoFixResult) -> None:
    report = result.report
    _say(
        _("[green]fixed[/] {} → {}  {}×{}, {:,} bytes"),
        result.src,
        result.dst,
        report.width,
        report.height,
        report.bytes,
    )
    for action in result.done:
        _say(_("      [cyan]done:[/] {}"), action)
    for warning in result.warnings:
        if warning not in result.review:
            _say(_("      [yellow]warning:[/] {}"), warning)
    for reason in result.review:
        _say(_("      [bold yellow]look at it:[/] {}"), reason)


@photo_app.command("fix")
def fix(
    src: Path = typer.Argument(..., help=N_("A photo, or a folder of photos.")),
    out: Path = typer.Option(..., "--out", "-o", help=N_("The .jpg to write, or a folder for a folder.")),
    jobs: int = typer.Option(0, "--jobs", "-j", help=N_("Parallel workers for a folder (0: one per core).")),
    as_json: bool = typer.Option(False, "--json", help=N_("Print what was done as JSON.")),
    keep_background: bool = typer.Option(
        False, "--keep-background", help=N_("Leave a background that is not white as it is (no replacement).")
    ),
) -> None:
    """Make photos the site accepts: upright, cropped around the face, 413×579 or 295×413, 30 KB–1 MB,
    on a white background (a coloured one is replaced unless --keep-background).

    Refuses, with a one-line reason, what cannot honestly be fixed (too small, not a picture,
    truncated, too plain to reach 30 KB).
    """
    from portal_bot.documents.photo import PhotoFixResult, fix_photo

    if not src.is_dir():
        dst = out / f"{src.stem}.jpg" if out.is_dir() else out
        result = fix_photo(src, dst, keep_background=keep_background)
        if as_json:
            typer.echo(result.model_dump_json(indent=2))
        else:
            _print_fixed(result)
        return
    pictures = _pictures_in(src)
    if not pictures:
        raise ConfigError(_("no pictures in this folder"), path=src)
    if out.exists() and not out.is_dir():
        raise ConfigError(_("for a folder of photos, --out must be a folder"), path=out)
    targets: dict[Path, Path] = {}
    for picture in pictures:
        dst = out / f"{picture.stem}.jpg"
        if dst in targets:
            raise ConfigError(
                _("{} and {} would both be written as {}").format(targets[dst].name, picture.name, dst.name),
                path=src,
            )
        targets[dst] = picture
    outcomes = _run_folder([(p, d) for d, p in targets.items()], jobs, keep_background)
    failures = [message for status, message in outcomes if status == "error"]
    results = [PhotoFixResult.model_validate_json(text) for status, text in outcomes if status == "ok"]
    if as_json:
        typer.echo(
            json.dumps(
                {"fixed": [r.model_dump() for r in results], "failed": failures},
                ensure_ascii=False,
                indent=2,
            )
        )
    else:
        for result in results:
            _print_fixed(result)
        for message in failures:
            _say(_("[bold red]error:[/] {}"), message, stderr=True)
        _say(_("{} fixed, {} refused"), len(results), len(failures))
    if failures:
        raise typer.Exit(1)


def _run_folder(pairs: list[tuple[Path, Path]], jobs: int, keep_background: bool) -> list[tuple[str, str]]:
    """Fix every (src, dst) pair, in parallel processes when worthwhile, with a progress bar."""
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeRemainingColumn

    workers = jobs if jobs > 0 else (os.cpu_count() or 1)
    workers = max(1, min(workers, len(pairs)))
    console = make_console(stderr=True)
    progress = Progress(
        TextColumn(_("fixing photos")),
        BarColumn(),
        MofNCompleteColumn(),
        TimeRemainingColumn(),
        console=console,
        transient=True,
        disable=not console.is_terminal,
    )
    outcomes: list[tuple[str, str]] = [("error", "not run")] * len(pairs)
    with progress:
        task = progress.add_task("fix", total=len(pairs))
        if workers == 1:
            for index, (src, dst) in enumerate(pairs):
                outcomes[index] = _fix_one(str(src), str(dst), keep_background)
                progress.advance(task)
            return outcomes
        import multiprocessing
        from concurrent.futures import ProcessPoolExecutor, as_completed

        # spawn, not fork: OpenCV's thread pool does not survive a fork, and Windows has only spawn.
        context = multiprocessing.get_context("spawn")
        with ProcessPoolExecutor(max_workers=workers, mp_context=context) as pool:
            futures = {
                pool.submit(_fix_one, str(src), str(dst), keep_background): i
                for i, (src, dst) in enumerate(pairs)
            }
            for future in as_completed(futures):
                outcomes[futures[future]] = future.result()
                progress.advance(task)
    return outcomes


@pdf_app.command("bundle")
def bundle(
    inputs: list[Path] = typer.Argument(..., help=N_("Pictures and PDFs, in the order wanted.")),
    out: Path = typer.Option(..., "--out", "-o", help=N_("The PDF to write.")),
    max_bytes: int = typer.Option(
        19_000_000, "--max-bytes", help=N_("Size budget in bytes (the site's limit is 20 MB).")
    ),
    id_pair: bool = typer.Option(
        False, "--id-pair", help=N_("Put the first two pictures (ID card front and back) on one page.")
    ),
    as_json: bool = typer.Option(False, "--json", help=N_("Print the result as JSON.")),
) -> None:
    """Bundle pictures (one A4 page each) and PDFs, in order, into one PDF under the budget.

    Resolution and JPEG quality step down (pictures inside imported PDFs too) until it fits.
    Encrypted, corrupt and empty inputs are refused, naming the file.
    """
    from portal_bot.documents.bundle import bundle_pdf

    result = bundle_pdf(inputs, out, max_bytes=max_bytes, id_pair=id_pair)
    if as_json:
        typer.echo(result.model_dump_json(indent=2))
        return
    _say(
        ngettext(
            "[green]wrote[/] {}: {} page, {:,} bytes ({} dpi, JPEG quality {}), sha256 {}…",
            "[green]wrote[/] {}: {} pages, {:,} bytes ({} dpi, JPEG quality {}), sha256 {}…",
            result.pages,
        ),
        result.path,
        result.pages,
        result.bytes,
        result.dpi,
        result.quality,
        result.sha256[:16],
    )


def register(app: typer.Typer) -> None:
    app.add_typer(photo_app, name="photo")
    app.add_typer(pdf_app, name="pdf")
