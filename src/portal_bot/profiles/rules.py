"""Rules that weigh a candidate's fields against each other and against the files they name.

From the registration guide: 院校学生 have no employer, 0 years, post 无 and are not dispatched;
晋级申报 = 是 needs every 原证书 detail and the evidence PDF; the chosen 申报条件 must fit the years
of work and the promotion. Referenced files must lie inside the cohort folder or a folder named in
``shared_dirs:`` (after resolving ``..`` and symlinks: a roster cannot reach ``~/.ssh`` or another
cohort's papers), exist and be readable (their content is checked by the document step). Every
broken rule is reported, each with the field and ``file:line``. This module must never modify the
candidate, and never open anything but the files the candidate names (and none outside the roots).
"""

from __future__ import annotations

import os
from collections.abc import Callable, Sequence
from datetime import date
from pathlib import Path

from portal_bot.i18n import N_, _
from portal_bot.profiles.loader import Locator, Problem, Severity, make_problem
from portal_bot.profiles.models import Candidate, PlanSelector
from portal_bot.profiles.options import (
    CATEGORY_STUDENT,
    ELIGIBILITY_YEARS,
    GB11643_ID_TYPES,
    LEVEL_5,
    LEVEL_NUMBER,
    NO_POST,
)

IMAGE_SUFFIXES = frozenset(
    {".jpg", ".jpeg", ".png", ".bmp", ".gif", ".tif", ".tiff", ".webp", ".heic", ".heif"}
)
MATERIAL_SUFFIXES = IMAGE_SUFFIXES | {".pdf"}
MAX_PDF_BYTES = 20_000_000  # "小于20MB" read the strict way, as the mock and bundle.SITE_LIMIT do
MIN_WORKING_AGE = 16
_WHAT = (N_("photo"), N_("material"), N_("evidence"))  # the file a message names (``_check_file``)

PROMOTION_FIELDS: dict[str, str] = {
    "certificate_type": "原证书类型",
    "occupation": "原职业(工种)",
    "number": "原证书编号",
    "level": "原证书等级",
    "issued_on": "原证书取得时间",
    "issuer": "原证书发证机构",
    "evidence": "原证书佐证材料",
}


class _Report:
    def __init__(self, locate: Locator, base: Path | None, roots: Sequence[Path] = ()) -> None:
        self.locate = locate
        self.base = base
        self.roots = [root.resolve() for root in roots]
        self.problems: list[Problem] = []

    def outside(self, path: Path) -> Path | None:
        """Where ``path`` really is (symlinks resolved) when that is outside every root; else None."""
        if not self.roots:
            return None
        real = path.resolve()
        if any(real == root or real.is_relative_to(root) for root in self.roots):
            return None
        return real

    def add(
        self,
        key: tuple[str | int, ...],
        text: str,
        severity: Severity = "error",
        *,
        near: tuple[str | int, ...] | None = None,
    ) -> None:
        """Report ``text`` on field ``key``, located at ``key`` (or at ``near`` when ``key`` is absent)."""
        field = ".".join(str(k) for k in key if isinstance(k, str))
        if key and isinstance(key[-1], int):
            field += f"[{key[-1]}]"
        source = self.locate(near if near is not None else key)
        self.problems.append(make_problem(field, severity, text, source, self.base))


def _age(born: date, today: date) -> int:
    return today.year - born.year - ((today.month, today.day) < (born.month, born.day))


def _check_file(
    report: _Report, key: tuple[str | int, ...], path: Path, kinds: frozenset[str], what: str
) -> bool:
    """Report what is wrong with a file the candidate names; False when it must not be used."""
    real = report.outside(path)
    if real is not None:
        report.add(
            key,
            _(
                "{what} {name} is outside the cohort folder (it is {real}); move it into the folder, "
                "or name its folder under shared_dirs: in cohort.yaml"
            ).format(what=_(what), name=path.name, real=real),
        )
        return False
    if not path.exists():
        report.add(key, _("{} {} does not exist (looked for {})").format(_(what), path.name, path))
        return False
    if not path.is_file():
        report.add(key, _("{} {} is a folder, not a file").format(_(what), path))
        return False
    if not os.access(path, os.R_OK):
        report.add(key, _("{} {} cannot be read (check its permissions)").format(_(what), path.name))
        return False
    try:
        with path.open("rb") as fh:
            head = fh.read(8)
    except OSError as exc:
        report.add(key, _("{} {} cannot be read: {}").format(_(what), path.name, exc.strerror))
        return False
    suffix = path.suffix.lower()
    if suffix not in kinds:
        wanted = (
            _("a PDF")
            if kinds == {".pdf"}
            else _("a picture (JPEG, PNG, …)")
            if ".pdf" not in kinds
            else _("a picture or a PDF")
        )
        report.add(key, _("{} {} should be {}").format(_(what), path.name, wanted))
    elif suffix == ".pdf" and not head.startswith(b"%PDF"):
        report.add(key, _("{} {} is named .pdf but is not a PDF").format(_(what), path.name))
    elif not head:
        report.add(key, _("{} {} is empty").format(_(what), path.name))
    return True


def _student(c: Candidate, report: _Report) -> None:
    if c.category != CATEGORY_STUDENT:
        return
    why = _("院校学生 fill 无工作单位, 0 years, post 无 and not dispatched (registration guide)")
    if c.employer is not None:
        report.add(("employer",), _("should be null (无工作单位): {}").format(why))
    if c.years_in_occupation != 0:
        report.add(("years_in_occupation",), _("should be 0, not {}: {}").format(c.years_in_occupation, why))
    if c.post != NO_POST:
        report.add(("post",), _("should be 无, not {!r}: {}").format(c.post, why))
    if c.dispatched:
        report.add(("dispatched",), _("should be 否 (false): {}").format(why))


def _employer(c: Candidate, report: _Report) -> None:
    if c.employer is not None and c.credit_code is None:
        report.add(
            ("credit_code",),
            _("missing: give the 统一社会信用代码 of {}").format(c.employer),
            near=("employer",),
        )
    if c.employer is None and c.credit_code is not None:
        report.add(
            ("credit_code",), _("given, but employer is null (无工作单位): remove it or name the employer")
        )


def _promotion(c: Candidate, report: _Report, plan: PlanSelector | None, today: date) -> None:
    p = c.promotion
    if p is None:
        if 2 in c.eligibility:
            report.add(
                ("eligibility",),
                _(
                    "condition (2) needs a level-5 (五级/初级工) certificate: set promotion "
                    "(是否晋级申报 = 是) with its details, or choose another condition"
                ),
            )
        return
    for key, label in PROMOTION_FIELDS.items():
        if key == "evidence" and p.on_record:
            continue  # the guide: evidence only for certificates not extracted by the system
        if getattr(p, key) in (None, ""):
            report.add(
                ("promotion", key), _("missing: 是否晋级申报 = 是 needs {} (promotion.{})").format(label, key)
            )
    if p.issued_on is not None:
        if p.issued_on > today:
            report.add(("promotion", "issued_on"), _("{} is in the future").format(p.issued_on.isoformat()))
        elif c.birth_date is not None and p.issued_on <= c.birth_date:
            report.add(
                ("promotion", "issued_on"), _("{} is before the birth date").format(p.issued_on.isoformat())
            )
    if p.evidence is not None:
        usable = _check_file(report, ("promotion", "evidence"), p.evidence, frozenset({".pdf"}), "evidence")
        if usable and p.evidence.is_file() and p.evidence.stat().st_size >= MAX_PDF_BYTES:
            report.add(
                ("promotion", "evidence"),
                _("{} is 20 MB or more; the site takes < 20 MB").format(p.evidence.name),
            )
    if p.level is not None and plan is not None and plan.level is not None:
        if LEVEL_NUMBER[p.level] != LEVEL_NUMBER[plan.level] + 1:
            report.add(
                ("promotion", "level"),
                _("a {} certificate does not lead to a {} plan (one level below it does)").format(
                    p.level, plan.level
                ),
                "warning",
            )


def _eligibility(c: Candidate, report: _Report) -> None:
    years = c.years_in_occupation
    for number in c.eligibility:
        need = ELIGIBILITY_YEARS.get(number)
        if need is not None and years < need:
            report.add(
                ("eligibility",),
                _(
                    "condition ({number}) needs at least {need} years in the occupation, "
                    "years_in_occupation is {years}"
                ).format(number=number, need=need, years=years),
            )
    if 2 in c.eligibility and c.promotion is not None and c.promotion.level not in (None, LEVEL_5):
        report.add(
            ("eligibility",),
            _("condition (2) needs a level-5 (五级/初级工) certificate; promotion.level is {}").format(
                c.promotion.level
            ),
        )
    if c.category == CATEGORY_STUDENT and 3 not in c.eligibility:
        report.add(
            ("eligibility",),
            _("院校学生 apply under condition (3) (graduates and students of a related programme)"),
        )
    if c.promotion is not None and 2 not in c.eligibility and 1 not in c.eligibility:
        report.add(
            ("eligibility",),
            _("晋级申报 = 是 usually goes with condition (2) (a level-5 certificate and 3 years)"),
            "warning",
        )


def _identity(c: Candidate, report: _Report, today: date) -> None:
    if c.id_type not in GB11643_ID_TYPES:
        if c.sex is None:
            report.add(
                ("sex",), _("missing: a {} number does not say it, so give sex (男/女)").format(c.id_type)
            )
        if c.birth_date is None:
            report.add(
                ("birth_date",),
                _("missing: a {} number does not say it, so give birth_date").format(c.id_type),
            )
    if c.birth_date is not None:
        age = _age(c.birth_date, today)
        if age < MIN_WORKING_AGE:
            report.add(
                ("birth_date",), _("the candidate is {}, under {}").format(age, MIN_WORKING_AGE), "warning"
            )
        elif c.years_in_occupation > age - MIN_WORKING_AGE:
            report.add(
                ("years_in_occupation",),
                _("{} years of work at age {} is implausible").format(c.years_in_occupation, age),
                "warning",
            )


def _photo(c: Candidate, report: _Report) -> None:
    if c.photo is None:
        report.add(("photo",), _("no photo: the site must then have collected the ID-card photo"), "warning")
    else:
        _check_file(report, ("photo",), c.photo, IMAGE_SUFFIXES, "photo")


def _materials(c: Candidate, report: _Report) -> None:
    if not c.materials:
        report.add(
            ("materials",), _("the site requires 其他材料: ID card front and back and proof of education")
        )
    for index, material in enumerate(c.materials):
        _check_file(report, ("materials", index), material, MATERIAL_SUFFIXES, "material")


#: The fields each rule reads; a rule runs only when all of them are known (validated).
_RULES: tuple[tuple[frozenset[str], str], ...] = (
    (frozenset({"id_type", "id_number", "sex", "birth_date", "years_in_occupation"}), "identity"),
    (frozenset({"category", "employer", "years_in_occupation", "post", "dispatched"}), "student"),
    (frozenset({"employer", "credit_code"}), "employer"),
    (frozenset({"promotion", "eligibility", "birth_date", "id_number"}), "promotion"),
    (frozenset({"eligibility", "years_in_occupation", "promotion", "category"}), "eligibility"),
    (frozenset({"photo"}), "photo"),
    (frozenset({"materials"}), "materials"),
)


def check_candidate(
    candidate: Candidate,
    locate: Locator,
    *,
    base: Path | None = None,
    plan: PlanSelector | None = None,
    today: date | None = None,
    unknown: frozenset[str] = frozenset(),
    roots: Sequence[Path] = (),
) -> list[Problem]:
    """Every cross-field and file rule for one candidate; empty when all is well.

    ``unknown`` names fields that failed validation (the candidate is a stand-in): the rules that
    read any of them are skipped, the others run. ``roots`` are the folders the candidate's files
    must lie in (the cohort folder and its shared folders); empty means no confinement.
    """
    today = today or date.today()
    report = _Report(locate, base, roots)
    run: dict[str, Callable[[], None]] = {
        "identity": lambda: _identity(candidate, report, today),
        "student": lambda: _student(candidate, report),
        "employer": lambda: _employer(candidate, report),
        "promotion": lambda: _promotion(candidate, report, plan, today),
        "eligibility": lambda: _eligibility(candidate, report),
        "photo": lambda: _photo(candidate, report),
        "materials": lambda: _materials(candidate, report),
    }
    for inputs, name in _RULES:
        if not inputs & unknown:
            run[name]()
    return report.problems
