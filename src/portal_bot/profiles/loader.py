"""Loading a cohort folder: ``cohort.yaml`` (plan + defaults) and one YAML file per candidate.

Defaults merge into each candidate (a candidate's own value replaces the default, whole: an
``account`` or ``promotion`` mapping is not merged key by key), relative paths resolve against the
file that names them, and every pydantic error is mapped back to ``file:line`` and the field. A
broken ``cohort.yaml`` raises ProfileError (one line); a broken candidate file becomes problems on
that candidate only. This module must never print, and never raise for a single candidate's bad data.
"""

from __future__ import annotations

import difflib
import os
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, ValidationError

from portal_bot.errors import ProfileError
from portal_bot.i18n import N_, S_, _
from portal_bot.profiles.models import (
    CANDIDATE_KEYS,
    PATH_KEYS,
    PERSONAL_KEYS,
    Account,
    Candidate,
    PlanSelector,
    Promotion,
)
from portal_bot.profiles.yamlsrc import KeyPath, LoadedYaml, Source, load_yaml

COHORT_FILE = "cohort.yaml"
YAML_SUFFIXES = (".yaml", ".yml")

Severity = Literal["error", "warning"]
Locator = Callable[[KeyPath], Source]


@dataclass
class Problem:
    """One thing wrong (or worth a look) in a candidate's data. ``message`` starts with ``file:line``."""

    field: str
    severity: Severity
    message: str
    path: Path | None = None
    line: int | None = None


@dataclass
class CandidateResult:
    """The outcome of loading and checking one candidate file."""

    file: Path
    name: str
    problems: list[Problem] = field(default_factory=list)
    candidate: Candidate | None = None
    #: When ``candidate`` is None: a stand-in where the invalid top-level fields hold placeholders,
    #: so the rules that do not read them still run in the same pass (see :func:`partial_candidate`).
    partial: Candidate | None = None
    invalid: frozenset[str] = frozenset()

    @property
    def ok(self) -> bool:
        """True when there is no error (warnings allowed)."""
        return not any(p.severity == "error" for p in self.problems)

    @property
    def errors(self) -> list[Problem]:
        return [p for p in self.problems if p.severity == "error"]

    @property
    def warnings(self) -> list[Problem]:
        return [p for p in self.problems if p.severity == "warning"]


@dataclass
class Cohort:
    """A loaded ``cohort.yaml``: the plan, the defaults (paths already absolute) and the candidate files."""

    dir: Path
    path: Path
    plan: PlanSelector
    defaults: dict[str, Any]
    candidate_files: list[Path]
    source: LoadedYaml
    shared_dirs: list[Path] = field(default_factory=list)

    @property
    def roots(self) -> list[Path]:
        """The folders a candidate's files may lie in: this one and the shared ones."""
        return [self.dir, *self.shared_dirs]

    def defaults_source(self, key: KeyPath) -> Source:
        return self.source.source(("defaults", *key))


class _CohortFile(BaseModel):
    model_config = ConfigDict(extra="forbid")

    plan: PlanSelector
    defaults: dict[str, Any] | None = None
    shared_dirs: list[str] | None = None


def field_name(loc: KeyPath) -> str:
    """``("materials", 1)`` → ``materials[1]``; ``("promotion", "number")`` → ``promotion.number``."""
    text = ""
    for part in loc:
        if isinstance(part, int):
            text += f"[{part}]"
        else:
            text += f".{part}" if text else str(part)
    return text or "file"


def _known_keys(parent: KeyPath, top: tuple[str, ...]) -> tuple[str, ...]:
    """The keys allowed under ``parent`` (``()`` is the top level of the file, whose keys are ``top``)."""
    nested: dict[str, tuple[str, ...]] = {
        "promotion": tuple(Promotion.model_fields),
        "account": tuple(Account.model_fields),
        "plan": tuple(PlanSelector.model_fields),
    }
    if not parent:
        return top
    return nested.get(str(parent[-1]), top)


def unknown_key_message(key: str, known: tuple[str, ...]) -> str:
    close = difflib.get_close_matches(key, known, n=1)
    if close:
        return _("unknown key {!r}; did you mean {!r}?").format(key, close[0])
    return _("unknown key {!r}; the keys are: {}").format(key, ", ".join(known))


#: pydantic's own checks, said in the current language (its English is shown for any other type).
_PYDANTIC: dict[str, str] = {
    "string_type": N_("should be text"),
    "int_type": N_("should be a whole number"),
    "int_parsing": N_("should be a whole number"),
    "int_from_float": N_("should be a whole number"),
    "bool_type": N_("should be 是 or 否 (true or false)"),
    "bool_parsing": N_("should be 是 or 否 (true or false)"),
    "list_type": N_("should be a list (one '- item' per line)"),
    "dict_type": N_("should be a mapping of keys (key: value)"),
    "model_type": N_("should be a mapping of keys (key: value)"),
    "model_attributes_type": N_("should be a mapping of keys (key: value)"),
    "date_type": N_("should be a date such as 2000-01-31"),
    "date_parsing": N_("should be a date such as 2000-01-31"),
    "date_from_datetime_parsing": N_("should be a date such as 2000-01-31"),
    "literal_error": N_("should be one of: {expected}"),
    "greater_than_equal": N_("should be at least {ge}"),
    "less_than_equal": N_("should be at most {le}"),
    "greater_than": N_("should be more than {gt}"),
    "string_too_short": N_("must not be empty"),
    "too_short": N_("should have at least {min_length} items"),
}


def pydantic_message(err: Any) -> str | None:
    """One of pydantic's own checks (``err`` of ``ValidationError.errors()``) in our words and the
    current language; None for a type not listed (or a context this pydantic does not give)."""
    if err["type"] not in _PYDANTIC:
        return None
    context = {k: str(v) for k, v in (err.get("ctx") or {}).items()}
    try:
        return _(_PYDANTIC[err["type"]]).format(**context)
    except (KeyError, IndexError):
        return None


def _error_text(err: Any, top: tuple[str, ...] = CANDIDATE_KEYS) -> str:
    kind = err["type"]
    loc = tuple(err["loc"])
    if kind == "missing":
        return _("missing; give {field} in the candidate file or in {file} defaults").format(
            field=field_name(loc), file=COHORT_FILE
        )
    if kind == "extra_forbidden":
        return unknown_key_message(str(loc[-1]), _known_keys(loc[:-1], top))
    if said := pydantic_message(err):
        return said
    message = str(err["msg"])
    for prefix in ("Value error, ", "Assertion failed, "):
        message = message.removeprefix(prefix)
    return message


def _resolve(value: Any, base: Path) -> Any:
    """A relative path string → an absolute Path against ``base``; other values unchanged."""
    if not isinstance(value, str) or not value.strip():
        return value
    text = value.strip()
    if os.sep == "/":
        text = text.replace("\\", "/")  # a roster typed on Windows
    path = Path(text).expanduser()
    if not path.is_absolute():
        path = base / path
    return Path(os.path.normpath(path))


def resolve_paths(data: dict[str, Any], base_of: Callable[[KeyPath], Path]) -> None:
    """Resolve the path-valued keys (photo, materials, promotion.evidence) in place."""
    for key in PATH_KEYS:
        holder: Any = data
        for part in key[:-1]:
            holder = holder.get(part) if isinstance(holder, dict) else None
        if not isinstance(holder, dict) or key[-1] not in holder:
            continue
        value = holder[key[-1]]
        if isinstance(value, list):
            holder[key[-1]] = [_resolve(v, base_of((*key, i))) for i, v in enumerate(value)]
        else:
            holder[key[-1]] = _resolve(value, base_of(key))


def shared_dirs_of(loaded: LoadedYaml) -> list[Path]:
    """The ``shared_dirs:`` of a parsed cohort file, absolute (relative ones against its folder).

    Raises:
        ProfileError: an entry is not an existing folder (``file:line``).
    """
    folders: list[Path] = []
    for index, entry in enumerate(loaded.data.get("shared_dirs") or []):
        folder = _resolve(entry, loaded.path.parent.absolute())
        if not isinstance(folder, Path) or not folder.is_dir():
            raise ProfileError(
                S_("{!r} is not a folder").format(entry),
                path=loaded.path,
                line=loaded.source(("shared_dirs", index)).line,
                field=f"shared_dirs[{index}]",
                hint=S_("name folders that hold files several candidates use, relative to cohort.yaml"),
            )
        folders.append(folder)
    return folders


def read_cohort_file(path: Path) -> tuple[LoadedYaml, PlanSelector, dict[str, Any]]:
    """Parse and check a cohort file (any name); defaults' paths are resolved against its folder.

    Raises:
        ProfileError: not YAML, not a mapping, a bad plan, or a bad defaults key (``file:line``).
    """
    loaded = load_yaml(path)
    if not isinstance(loaded.data, dict):
        raise ProfileError(S_("must be a mapping with plan: and defaults:"), path=path, line=1)
    try:
        parsed = _CohortFile.model_validate(loaded.data)
    except ValidationError as exc:
        err = exc.errors()[0]
        loc = tuple(err["loc"])
        line = loaded.source(loc).line
        raise ProfileError(
            _error_text(err, ("plan", "defaults", "shared_dirs")), path=path, line=line, field=field_name(loc)
        ) from None
    defaults = dict(parsed.defaults or {})
    for key in defaults:
        line = loaded.source(("defaults", key)).line
        if key not in CANDIDATE_KEYS:
            raise ProfileError(
                unknown_key_message(key, CANDIDATE_KEYS), path=path, line=line, field=f"defaults.{key}"
            )
        if key in PERSONAL_KEYS:
            raise ProfileError(
                S_("belongs to one person, not to every candidate"),
                path=path,
                line=line,
                field=f"defaults.{key}",
                hint=S_("move it into the candidate files"),
            )
    resolve_paths(defaults, lambda _key: path.parent.absolute())
    return loaded, parsed.plan, defaults


def load_cohort(cohort_dir: Path) -> Cohort:
    """Load ``cohort_dir/cohort.yaml`` and list the candidate files beside it.

    Raises:
        ProfileError: the folder or ``cohort.yaml`` is missing or invalid (``file:line`` and field).
    """
    cohort_dir = Path(cohort_dir).absolute()  # so every resolved path is absolute
    if not cohort_dir.is_dir():
        raise ProfileError(
            S_("is not a folder"), path=cohort_dir, hint=S_("give the folder that holds cohort.yaml")
        )
    path = cohort_dir / COHORT_FILE
    if not path.is_file():
        raise ProfileError(
            S_("no {} here").format(COHORT_FILE),
            path=cohort_dir,
            hint=S_("see docs/profiles.md for its plan: and defaults:"),
        )
    loaded, plan, defaults = read_cohort_file(path)
    files = sorted(
        p
        for p in cohort_dir.iterdir()
        if p.suffix.lower() in YAML_SUFFIXES
        and p.name != COHORT_FILE
        and not p.name.startswith((".", "_"))
        and p.is_file()
    )
    return Cohort(
        dir=cohort_dir,
        path=path,
        plan=plan,
        defaults=defaults,
        candidate_files=files,
        source=loaded,
        shared_dirs=shared_dirs_of(loaded),
    )


def _merge(
    defaults: dict[str, Any], own: dict[str, Any]
) -> tuple[dict[str, Any], dict[KeyPath, Literal["own", "defaults"]]]:
    """Defaults under own values, key by key at the top level (a candidate's ``account`` or
    ``promotion`` replaces the default one whole). Returns the data and each key's origin."""
    merged: dict[str, Any] = {}
    origin: dict[KeyPath, Literal["own", "defaults"]] = {}
    for key, value in defaults.items():
        merged[key] = value.copy() if isinstance(value, dict | list) else value
        origin[(key,)] = "defaults"
    for key, value in own.items():
        merged[key] = value
        origin[(key,)] = "own"
    return merged, origin


def make_locator(
    own: LoadedYaml, cohort: Cohort | None, origin: dict[KeyPath, Literal["own", "defaults"]]
) -> Locator:
    """Map a key path of the merged data to the file and line it came from."""

    def locate(key: KeyPath) -> Source:
        for end in range(len(key), 0, -1):
            kind = origin.get(key[:end])
            if kind == "defaults" and cohort is not None:
                return cohort.defaults_source(key)
            if kind == "own":
                return own.source(key)
        return Source(own.path)

    return locate


def make_problem(field: str, severity: Severity, text: str, source: Source, base: Path | None) -> Problem:
    return Problem(
        field=field,
        severity=severity,
        message=f"{source.label(base)}: {text}",
        path=source.path,
        line=source.line,
    )


#: Values that pass validation, put in place of a required field that failed, so the rules that do not
#: read that field can still run. Never shown, never saved: only ``partial`` ever holds them.
_PLACEHOLDERS: dict[str, Any] = {
    "name": "占位",
    "id_number": "11010519491231002X",
    "education": "大学",
    "address": "浙江",
    "phone": "13800138000",
    "materials": [],
    "category": "社会人员",
    "years_in_occupation": 0,
    "post": "无",
    "eligibility": [3],
}


def partial_candidate(
    merged: dict[str, Any], error: ValidationError, *, today: date | None = None
) -> tuple[Candidate | None, frozenset[str]]:
    """A stand-in Candidate for the rules, with every field that failed replaced by a placeholder.

    ``validate`` reports every problem of a candidate in one pass: a wrong phone must not hide a
    missing photo until the phone is fixed. Returns the stand-in (None when it still cannot be built)
    and the top-level fields it does not know; the rules that read those fields are skipped.
    """
    invalid = {str(err["loc"][0]) for err in error.errors() if err["loc"]}
    for _attempt in range(4):  # a placeholder ID number can make sex / birth date disagree: widen, retry
        data = {k: v for k, v in merged.items() if k not in invalid}
        data.update({k: _PLACEHOLDERS[k] for k in invalid if k in _PLACEHOLDERS})
        try:
            stand_in = Candidate.model_validate(data, context={"warnings": [], "today": today})
        except ValidationError as again:
            more = {str(err["loc"][0]) for err in again.errors() if err["loc"]}
            if more <= invalid:
                return None, frozenset(invalid)
            invalid |= more
            continue
        return stand_in, frozenset(invalid)
    return None, frozenset(invalid)


def load_candidate(
    path: Path, cohort: Cohort | None = None, *, today: date | None = None
) -> tuple[CandidateResult, Locator | None]:
    """Load one candidate file, merged with the cohort's defaults, into a Candidate.

    Returns the result (``candidate`` is None when the data cannot make a model; the problems say
    why) and a locator for later checks (None when the file could not be parsed at all).
    """
    path = Path(path).absolute()
    base = cohort.dir if cohort is not None else path.parent
    result = CandidateResult(file=path, name=path.stem)
    try:
        own = load_yaml(path)
    except ProfileError as exc:
        source = Source(path, exc.line)
        text = exc.message + _(" ({})").format(exc.hint) if exc.hint else exc.message
        result.problems.append(make_problem(exc.field or "file", "error", text, source, base))
        return result, None
    if not isinstance(own.data, dict):
        result.problems.append(
            make_problem(
                "file", "error", _("must be a mapping of keys (name: …, id_number: …)"), Source(path, 1), base
            )
        )
        return result, None
    merged, origin = _merge(cohort.defaults if cohort else {}, own.data)
    locate = make_locator(own, cohort, origin)
    if isinstance(merged.get("name"), str) and merged["name"].strip():
        result.name = merged["name"].strip()

    def base_of(key: KeyPath) -> Path:
        return locate(key).path.parent

    resolve_paths(merged, base_of)
    warnings: list[tuple[str, str]] = []
    context: dict[str, Any] = {"warnings": warnings, "today": today}
    try:
        result.candidate = Candidate.model_validate(merged, context=context)
        result.name = result.candidate.name
    except ValidationError as exc:
        for err in exc.errors():
            loc = tuple(err["loc"])
            result.problems.append(
                make_problem(field_name(loc), "error", _error_text(err), locate(loc), base)
            )
        result.partial, result.invalid = partial_candidate(merged, exc, today=today)
    for key, text in warnings:
        result.problems.append(make_problem(key, "warning", text, locate((key,)), base))
    return result, locate
