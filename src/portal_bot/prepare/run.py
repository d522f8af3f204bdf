"""``prepare_cohort``: the fixed photo and the PDF bundles of every candidate, made once.

For each candidate whose profile passes ``validate_cohort``, ``prepared/<file stem>/`` gets
``photo.jpg`` (``fix_photo``), ``materials.pdf`` (``bundle_pdf`` of ``materials`` in order) and, with
``promotion``, ``evidence.pdf``. Each candidate's ``key`` is a SHA-256 over its input files' hashes,
the options and ``DOCUMENT_CODE_VERSION``; when the key and every previous output's hash still match,
nothing is redone. Candidates are prepared in parallel processes (spawn: Windows has nothing else,
and OpenCV's threads do not survive a fork); the worker is a top-level function of picklable
dataclasses.

This module must never make documents for a profile with errors, never stop the cohort for one
candidate's bad file (that is a per-candidate problem), and never decide pixels or pages itself:
that is ``portal_bot.documents``'s job.
"""

from __future__ import annotations

import hashlib
import json
import os
import re
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

from loguru import logger

from portal_bot.errors import ConfigError, PortalBotError, StateError
from portal_bot.i18n import _, current_language
from portal_bot.prepare.manifest import (
    BEFORE_NAME,
    KINDS,
    MANIFEST_NAME,
    OUTPUT_NAMES,
    InputRef,
    Kind,
    Manifest,
    Output,
    PreparedEntry,
    relative_to,
    sha256_file,
)
from portal_bot.privacy import mask_id, mask_text

if TYPE_CHECKING:
    from portal_bot.profiles import CandidateResult

DEFAULT_MAX_BYTES = 19_000_000
CONTACT_SHEET_NAME = "contact-sheet.html"
#: With jobs left to prepare_cohort, fewer candidates than this to redo are done in this process.
PARALLEL_FROM = 8
# The ID-pair rule: the first material's name says "front" and the second's "back".
_FRONT = re.compile(r"front|正面|人像", re.IGNORECASE)
_BACK = re.compile(r"back|反面|背面|国徽", re.IGNORECASE)


def wants_id_pair(materials: list[Path]) -> bool:
    """True when the first two materials are the ID card's front and back pictures, by name."""
    if len(materials) < 2:
        return False
    front, back = materials[0], materials[1]
    if not (_FRONT.search(front.stem) and _BACK.search(back.stem)):
        return False
    from portal_bot.documents.files import IMAGE_KINDS, sniff

    try:
        heads = [_head(p) for p in (front, back)]
    except OSError:
        return False
    return all(sniff(head) in IMAGE_KINDS for head in heads)


def _head(path: Path) -> bytes:
    with path.open("rb") as handle:
        return handle.read(1024)


@dataclass
class Job:
    """One candidate's documents to make (picklable: it crosses into a worker process)."""

    file: str
    cohort_dir: Path
    out_dir: Path
    manifest_dir: Path
    photo: Path | None
    materials: list[Path]
    evidence: Path | None
    hashes: dict[Path, str]
    id_pair: bool
    max_bytes: int
    keep_background: bool = False


@dataclass
class Outcome:
    """What a worker made for one candidate, and what went wrong."""

    file: str
    outputs: dict[Kind, Output] = field(default_factory=dict)
    problems: list[str] = field(default_factory=list)


def _one_line(exc: PortalBotError, cohort_dir: Path) -> str:
    """The error's line, naming a file inside the cohort folder relative to it."""
    if exc.path is not None and exc.path.is_relative_to(cohort_dir):
        shown = exc.path.relative_to(cohort_dir)
        exc = type(exc)(exc.message, path=shown, line=exc.line, row=exc.row, field=exc.field, hint=exc.hint)
    return mask_text(str(exc))


def _refs(job: Job, paths: list[Path]) -> list[InputRef]:
    return [InputRef(path=relative_to(p, job.manifest_dir), sha256=job.hashes[p]) for p in paths]


def make_documents(job: Job) -> Outcome:
    """Worker: fix the photo and bundle the PDFs of one candidate. Never raises for bad files."""
    from portal_bot.documents.bundle import bundle_pdf
    from portal_bot.documents.photo import fix_photo, preview

    outcome = Outcome(job.file)
    job.out_dir.mkdir(parents=True, exist_ok=True)
    if job.photo is not None:
        dst = job.out_dir / OUTPUT_NAMES["photo"]
        try:
            fixed = fix_photo(job.photo, dst, keep_background=job.keep_background)
            before = job.out_dir / BEFORE_NAME
            preview(job.photo, before)
            outcome.outputs["photo"] = Output(
                path=relative_to(dst, job.manifest_dir),
                sha256=sha256_file(dst),
                bytes=dst.stat().st_size,
                width=fixed.report.width,
                height=fixed.report.height,
                inputs=_refs(job, [job.photo]),
                warnings=[mask_text(w) for w in fixed.warnings],
                actions=[mask_text(a) for a in fixed.actions],
                review=[mask_text(r) for r in fixed.review],
                changes=[mask_text(d) for d in fixed.done],
                before=relative_to(before, job.manifest_dir),
            )
        except PortalBotError as exc:
            outcome.problems.append(f"{_('photo')}: {_one_line(exc, job.cohort_dir)}")
    bundles: list[tuple[Kind, list[Path], bool]] = []
    if job.materials:
        bundles.append(("materials", job.materials, job.id_pair))
    if job.evidence is not None:
        bundles.append(("evidence", [job.evidence], False))
    for kind, inputs, id_pair in bundles:
        dst = job.out_dir / OUTPUT_NAMES[kind]
        try:
            made = bundle_pdf(inputs, dst, max_bytes=job.max_bytes, id_pair=id_pair)
        except PortalBotError as exc:
            outcome.problems.append(f"{_(kind)}: {_one_line(exc, job.cohort_dir)}")
            continue
        outcome.outputs[kind] = Output(
            path=relative_to(dst, job.manifest_dir),
            sha256=made.sha256,
            bytes=made.bytes,
            pages=made.pages,
            inputs=_refs(job, inputs),
        )
    return outcome


def document_key(job: Job) -> str:
    """SHA-256 over the input hashes, the options and the document code's version."""
    import portal_bot.documents as documents

    def sha(path: Path | None) -> str | None:
        return job.hashes[path] if path is not None else None

    material = {
        "document_code_version": documents.DOCUMENT_CODE_VERSION,
        "options": {
            "max_bytes": job.max_bytes,
            "id_pair": job.id_pair,
            "keep_background": job.keep_background,
        },
        "photo": sha(job.photo),
        "materials": [job.hashes[p] for p in job.materials],
        "evidence": sha(job.evidence),
    }
    if (language := current_language()) != "en":  # the notes are written in it (English keys as before)
        material["language"] = language
    return hashlib.sha256(json.dumps(material, sort_keys=True).encode("utf-8")).hexdigest()


def _still_good(previous: PreparedEntry | None, key: str, wanted: set[Kind], manifest_dir: Path) -> bool:
    """The previous outputs can stand: same key, made without problems, files unaltered."""
    if previous is None or not previous.ok or previous.key != key or set(previous.outputs) != wanted:
        return False
    for output in previous.outputs.values():
        path = manifest_dir / output.path
        try:
            if path.stat().st_size != output.bytes or sha256_file(path) != output.sha256:
                return False
        except OSError:
            return False
    return True


def _load_previous(path: Path) -> dict[str, PreparedEntry]:
    if not path.exists():
        return {}
    try:
        return {entry.file: entry for entry in Manifest.load(path).candidates}
    except StateError as exc:
        logger.warning("ignoring the previous manifest, everything is redone: {}", exc)
        return {}


def _run(jobs: list[Job], workers: int, tell: Callable[[str], None]) -> dict[str, Outcome]:
    outcomes: dict[str, Outcome] = {}
    if workers <= 1 or len(jobs) <= 1:
        for job in jobs:
            outcomes[job.file] = make_documents(job)
            tell(f"{job.file}: {'prepared' if not outcomes[job.file].problems else 'failed'}")
        return outcomes
    import multiprocessing
    from concurrent.futures import ProcessPoolExecutor, as_completed

    context = multiprocessing.get_context("spawn")
    with ProcessPoolExecutor(max_workers=min(workers, len(jobs)), mp_context=context) as pool:
        futures = {pool.submit(make_documents, job): job.file for job in jobs}
        for future in as_completed(futures):
            try:
                outcome = future.result()
            except Exception as exc:  # a worker died (out of memory, killed): that candidate fails
                logger.opt(exception=exc).debug("worker for {} failed", futures[future])
                stopped = f"the worker stopped: {type(exc).__name__}: {exc}"
                outcome = Outcome(futures[future], problems=[stopped])
            outcomes[outcome.file] = outcome
            tell(f"{outcome.file}: {'prepared' if not outcome.problems else 'failed'}")
    return outcomes


def _folders(files: list[Path]) -> dict[Path, str]:
    """Each candidate's output folder: its file's stem, or its whole name when two stems clash
    (``a.yaml`` beside ``a.yml``)."""
    stems = Counter(f.stem for f in files)
    return {f: f.stem if stems[f.stem] == 1 else f.name for f in files}


def _clean(out_dir: Path, keep: set[Kind]) -> None:
    """Remove outputs of an earlier run that this run does not stand behind."""
    for kind in KINDS:
        if kind not in keep:
            (out_dir / OUTPUT_NAMES[kind]).unlink(missing_ok=True)
    if "photo" not in keep:
        (out_dir / BEFORE_NAME).unlink(missing_ok=True)
    if out_dir.is_dir() and not any(out_dir.iterdir()):
        out_dir.rmdir()


def prepare_cohort(
    cohort_dir: Path,
    *,
    out: Path | None = None,
    jobs: int | None = None,
    force: bool = False,
    progress: Callable[[str], None] | None = None,
    max_bytes: int = DEFAULT_MAX_BYTES,
    id_pair: bool | None = None,
    keep_background: bool = False,
    checked: list[CandidateResult] | None = None,
) -> Manifest:
    """Prepare every candidate's documents and write ``manifest.json`` and ``contact-sheet.html``.

    Args:
        cohort_dir: the cohort folder (cohort.yaml and the candidate files).
        out: where to write; default ``cohort_dir/prepared``.
        jobs: worker processes; 1 works in this process; None or 0 means one per core when at
            least ``PARALLEL_FROM`` candidates need work, else in this process.
        force: redo every candidate even when nothing changed.
        progress: called with one line per candidate as it is done (skipped, unchanged, prepared).
        max_bytes: the size budget of each PDF (the site's limit is 20 MB).
        id_pair: put the first two materials on one page; None decides by name (front/back,
            正面/反面, 人像/国徽) when both are pictures.
        keep_background: leave photo backgrounds that are not white as they are.
        checked: ``validate_cohort(cohort_dir)``'s results when the caller has just made them
            (``register`` validates first: checking the whole cohort twice cost it 0.1–0.7 s).

    Raises:
        ProfileError: ``cohort.yaml`` is missing or broken, or there are no candidate files.
        ConfigError: bad ``jobs``.
    """
    from portal_bot.prepare.contact_sheet import write_contact_sheet
    from portal_bot.profiles import validate_cohort

    if jobs is not None and jobs < 0:
        raise ConfigError(_("--jobs must be 0 (one per core) or more"))
    tell = progress or (lambda _line: None)
    cohort_dir = cohort_dir.absolute()
    out = (out if out is not None else cohort_dir / "prepared").absolute()
    manifest_path = out / MANIFEST_NAME
    results = checked if checked is not None else validate_cohort(cohort_dir)
    previous = _load_previous(manifest_path)
    entries: dict[str, PreparedEntry] = {}
    pending: list[Job] = []
    folders = _folders([r.file for r in results])
    for result in results:
        file = relative_to(result.file, cohort_dir)
        candidate = result.candidate
        out_dir = out / folders[result.file]
        entry = PreparedEntry(
            file=file,
            name=result.name,
            id_masked=mask_id(candidate.id_number) if candidate else None,
            ok=result.ok,
            problems=[mask_text(f"{p.field}: {p.message}") for p in result.errors],
            warnings=[mask_text(f"{p.field}: {p.message}") for p in result.warnings],
        )
        entries[file] = entry
        if candidate is None or not result.ok:
            _clean(out_dir, set())
            tell(f"{file}: skipped, the profile has errors")
            continue
        evidence = candidate.promotion.evidence if candidate.promotion else None
        inputs = [p for p in (candidate.photo, *candidate.materials, evidence) if p is not None]
        hashes: dict[Path, str] = {}
        for path in inputs:
            try:
                hashes[path] = sha256_file(path)
            except OSError as exc:
                entry.problems.append(
                    f"{relative_to(path, cohort_dir)}: " + _("cannot read: {}").format(exc.strerror or exc)
                )
        if entry.problems:
            entry.ok = False
            _clean(out_dir, set())
            tell(f"{file}: failed")
            continue
        job = Job(
            file=file,
            cohort_dir=cohort_dir,
            out_dir=out_dir,
            manifest_dir=out,
            photo=candidate.photo,
            materials=list(candidate.materials),
            evidence=evidence,
            hashes=hashes,
            id_pair=wants_id_pair(candidate.materials) if id_pair is None else id_pair,
            max_bytes=max_bytes,
            keep_background=keep_background,
        )
        entry.key = document_key(job)
        wanted: set[Kind] = set()
        if job.photo is not None:
            wanted.add("photo")
        if job.materials:
            wanted.add("materials")
        if evidence is not None:
            wanted.add("evidence")
        old = previous.get(file)
        if not force and old is not None and _still_good(old, entry.key, wanted, out):
            entry.outputs = old.outputs
            tell(f"{file}: unchanged")
        else:
            pending.append(job)
    if jobs:
        workers = jobs
    else:  # a worker costs about a second of start-up (Python, OpenCV, pypdf); a candidate ~0.1 s
        workers = (os.cpu_count() or 1) if len(pending) >= PARALLEL_FROM else 1
    outcomes = _run(pending, workers, tell)
    for file, outcome in outcomes.items():
        entries[file].outputs = outcome.outputs
        entries[file].problems.extend(outcome.problems)
    for result in results:
        entry = entries[relative_to(result.file, cohort_dir)]
        if entry.problems:
            entry.ok = False
        if entry.ok and result.candidate is not None:
            if result.candidate.photo is None:
                entry.warnings.append(
                    _("no photo in the profile: check that the site shows one in the wizard's step 1")
                )
            if not result.candidate.materials:
                entry.warnings.append(_("no materials in the profile: no 其他材料 PDF was made"))
        for kind, output in entry.outputs.items():
            entry.warnings.extend(f"{_(kind)}: {w}" for w in output.warnings)
        _clean(out / folders[result.file], set(entry.outputs))
    manifest = Manifest(
        document_code_version=_code_version(),
        cohort=relative_to(cohort_dir, out),
        options={
            "max_bytes": max_bytes,
            "id_pair": "auto" if id_pair is None else id_pair,
            "keep_background": keep_background,
        },
        candidates=list(entries.values()),
    ).attach(manifest_path, redone=[job.file for job in pending])
    manifest.save()
    write_contact_sheet(manifest, out / CONTACT_SHEET_NAME)
    return manifest


def _code_version() -> int:
    import portal_bot.documents as documents

    return documents.DOCUMENT_CODE_VERSION
