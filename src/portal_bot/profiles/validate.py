"""Checking a whole cohort: every candidate file, each on its own, plus the rules across them.

A broken candidate file never stops the others being checked; a broken ``cohort.yaml`` raises
ProfileError before any candidate is looked at. This module must never print or write files.
"""

from __future__ import annotations

import re
from collections import defaultdict
from datetime import date
from pathlib import Path

from portal_bot.errors import ProfileError
from portal_bot.i18n import S_
from portal_bot.profiles.loader import CandidateResult, Cohort, load_candidate, load_cohort, make_problem
from portal_bot.profiles.rules import check_candidate
from portal_bot.profiles.yamlsrc import Source

_ROSTER_ORIGIN_RE = re.compile(r"^#.*—\s*(?P<roster>[^\n]+?)\s+row\s+(?P<row>\d+)\s*$")


def roster_origin(path: Path) -> str | None:
    """``名单.xlsx row 5`` for a file that ``profiles import`` wrote (its first line says so), else None."""
    try:
        with path.open(encoding="utf-8", errors="replace") as fh:
            first = fh.readline(2000)
    except OSError:
        return None
    match = _ROSTER_ORIGIN_RE.match(first.strip())
    return f"{match['roster']} row {match['row']}" if match else None


def _name_origin(result: CandidateResult, base: Path) -> None:
    """Put the roster row beside ``file:line`` so the coordinator can fix the spreadsheet too."""
    origin = roster_origin(result.file)
    if origin is None:
        return
    for problem in result.problems:
        if problem.path != result.file:
            continue
        label = Source(problem.path, problem.line).label(base)
        if problem.message.startswith(label + ":"):
            problem.message = f"{label} ({origin}){problem.message[len(label) :]}"


def check_file(path: Path, cohort: Cohort | None = None, *, today: date | None = None) -> CandidateResult:
    """Load one candidate file (with the cohort's defaults) and apply every rule to it."""
    result, locate = load_candidate(path, cohort, today=today)
    candidate = result.candidate or result.partial
    if candidate is not None and locate is not None:
        # With a stand-in, only the rules that read none of the invalid fields run: one pass shows
        # every problem that can honestly be known now.
        result.problems.extend(
            check_candidate(
                candidate,
                locate,
                base=cohort.dir if cohort else result.file.parent,
                plan=cohort.plan if cohort else None,
                today=today,
                unknown=result.invalid if result.candidate is None else frozenset(),
                roots=cohort.roots if cohort else (result.file.parent,),
            )
        )
    _name_origin(result, cohort.dir if cohort else result.file.parent)
    return result


def _duplicates(results: list[CandidateResult], base: Path) -> None:
    """The same ID number in two files would register one person twice."""
    by_id: dict[str, list[CandidateResult]] = defaultdict(list)
    for result in results:
        if result.candidate is not None:
            by_id[result.candidate.id_number].append(result)
    for same in by_id.values():
        if len(same) < 2:
            continue
        for result in same:
            others = ", ".join(r.file.name for r in same if r is not result)
            result.problems.append(
                make_problem(
                    "id_number",
                    "error",
                    f"the same ID number as {others}: one person, one file",
                    Source(result.file),
                    base,
                )
            )


def validate_cohort(cohort_dir: Path, *, today: date | None = None) -> list[CandidateResult]:
    """Check every candidate of the cohort in ``cohort_dir``, in file-name order.

    Raises:
        ProfileError: ``cohort.yaml`` is missing or broken, or the folder has no candidate files.
    """
    cohort = load_cohort(cohort_dir)
    if not cohort.candidate_files:
        raise ProfileError(
            S_("has no candidate files (*.yaml besides cohort.yaml)"),
            path=cohort.dir,
            hint=S_("import a roster with `portal-bot profiles import`"),
        )
    results = [check_file(path, cohort, today=today) for path in cohort.candidate_files]
    _duplicates(results, cohort.dir)
    return results
