"""``portal-bot init``: a new cohort folder whose ``cohort.yaml`` names one plan from the public search.

A coordinator's first step: pick the plan (``portal-bot plans search``), then ``init`` writes a
``cohort.yaml`` for it with the defaults a cohort of that kind usually shares, commented, so the
next steps (``profiles import``, ``validate``) have something to read. It never overwrites a
``cohort.yaml`` without ``--force`` and writes atomically; every value taken from the site goes
through the YAML emitter (a plan name is data, never YAML syntax).
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Literal

import typer
import yaml

from portal_bot.console import make_console
from portal_bot.errors import ConfigError, ProfileError
from portal_bot.fileio import atomic_write_text
from portal_bot.i18n import N_, S_, _, ngettext, nS_
from portal_bot.settings import Settings

if TYPE_CHECKING:
    from portal_bot.portal.plans import PlanRow

Category = Literal["院校学生", "社会人员"]

# The defaults' YAML; its comments are {placeholders} filled in the chosen language (_COMMENTS).
_STUDENT_DEFAULTS = """\
# {student_defaults}
defaults:
  id_type: 身份证
  category: 院校学生
  employer: null          # 所在单位: 无工作单位
  years_in_occupation: 0  # 本职业工作年限: 0 年
  post: 无                # 从事岗位
  dispatched: false       # 是否人力资源派遣员工: 否
  technical_school_student: false   # 是否省内技工学校在籍生
  promotion: null         # 是否晋级申报: 否 ({direct})
  subjects: [理论考试, 实操考试]
  application_method: 常规申报
  eligibility: [3]        # 符合申报条件 (3): 相关专业毕业证书（含在读应届毕业生）
  account: {{method: qr}}   # {student_scan}
"""

_WORKER_DEFAULTS = """\
# {worker_defaults}
defaults:
  id_type: 身份证
  category: 社会人员
  dispatched: false       # 是否人力资源派遣员工
  technical_school_student: false   # 是否省内技工学校在籍生
  promotion: null         # 是否晋级申报: 否 — {original}
  subjects: [理论考试, 实操考试]
  application_method: 常规申报
  account: {{method: qr}}   # {worker_scan}
"""

#: The comments of cohort.yaml, English msgids; a "\n" starts another comment line.
_COMMENTS = {
    "student_defaults": N_(
        "Every candidate gets these unless their own file says otherwise (院校学生, as the guide fills them)."
    ),
    "direct": N_("direct level-4 candidates"),
    "student_scan": N_("each student logs in by scanning with the 浙里办 app"),
    "worker_defaults": N_(
        "Every candidate gets these unless their own file says otherwise (社会人员). Per candidate, give\n"
        "employer (or null for 无工作单位), credit_code, years_in_occupation, post and eligibility."
    ),
    "original": N_("give the original certificate's details when 是"),
    "worker_scan": N_("log in by scanning with the 浙里办 app"),
    "next": N_(
        "Written by `portal-bot init`; next: put one YAML file per candidate here, or run\n"
        "  portal-bot profiles import ROSTER.xlsx --cohort cohort.yaml --out THIS_FOLDER"
    ),
}


def _comments() -> dict[str, str]:
    """:data:`_COMMENTS` in the current language, each line after the first behind its own "# "."""
    return {key: _(text).replace("\n", "\n# ") for key, text in _COMMENTS.items()}


def _scalar(value: object) -> str:
    """One YAML scalar, quoted by the emitter where needed (never a line break, never syntax)."""
    text = yaml.safe_dump(value, allow_unicode=True, default_flow_style=True, width=10_000)
    return text.removesuffix("\n").removesuffix("\n...").strip()


def _comment(text: str) -> str:
    """Text from the site inside a YAML comment: one line, whatever it holds."""
    return " ".join(text.split())


def cohort_yaml(plan: PlanRow, category: Category) -> str:
    """The text of ``cohort.yaml`` for ``plan``: its selector, then commented defaults."""
    occupation = f"{plan.occupation}（{plan.work_type}）" if plan.work_type else plan.occupation
    comments = _comments()
    head = (
        f"# {_comment(plan.name)}\n"
        f"# {_comment(plan.organization)} · {_comment(occupation)} · {_comment(plan.level)}\n"
        f"# 报名 {plan.start:%Y-%m-%d %H:%M} – {plan.end:%Y-%m-%d %H:%M} · 认定考试 {plan.exam_date}\n"
        f"# {comments['next']}\n"
        "plan:\n"
        f"  plan_code: {_scalar(plan.plan_code)}\n"
        f"  organization: {_scalar(plan.organization)}\n"
        f"  level: {_scalar(plan.level)}\n"
        "\n"
    )
    return head + (_STUDENT_DEFAULTS if category == "院校学生" else _WORKER_DEFAULTS).format(**comments)


def write_cohort(cohort_dir: Path, plan: PlanRow, category: Category, *, force: bool = False) -> Path:
    """Write ``cohort_dir/cohort.yaml`` for ``plan``; refuse to replace one unless ``force``.

    Raises:
        ConfigError: ``cohort.yaml`` exists and ``force`` is false, or the folder is a file.
    """
    target = cohort_dir / "cohort.yaml"
    if cohort_dir.exists() and not cohort_dir.is_dir():
        raise ConfigError(
            S_("{} is a file, not a folder").format(cohort_dir), hint=S_("name a new or existing folder")
        )
    if target.exists() and not force:
        raise ConfigError(
            S_("{} already exists").format(target),
            hint=S_("pass --force to replace it, or name another folder"),
        )
    cohort_dir.mkdir(parents=True, exist_ok=True)
    atomic_write_text(target, cohort_yaml(plan, category))
    return target


def pick_plan(rows: list[PlanRow], plan_code: str | None) -> PlanRow:
    """The one plan the search found (or the one with ``plan_code``).

    Raises:
        ProfileError(field="--plan"): none or several plans; lists what to choose from.
    """
    if plan_code:
        found = [r for r in rows if r.plan_code == plan_code.strip()]
        if not found:
            raise ProfileError(
                S_("no plan {} in the public search").format(plan_code),
                field="--plan",
                hint=S_("check the code with `portal-bot plans search`, or narrow with --org"),
            )
        return found[0]
    if len(rows) == 1:
        return rows[0]
    if not rows:
        raise ProfileError(S_("the search found no plan"), field="--plan", hint=S_("loosen the filters"))
    listed = "; ".join(f"{r.plan_code} {r.name}" for r in rows[:5])
    more = (
        ngettext(" and {n} more", " and {n} more", len(rows) - 5).format(n=len(rows) - 5)
        if len(rows) > 5
        else ""
    )
    raise ProfileError(
        nS_("{n} plan matches: {listed}{more}", "{n} plans match: {listed}{more}", len(rows)).format(
            n=len(rows), listed=listed, more=more
        ),
        field="--plan",
        hint=S_("pass --plan CODE (copy it from `portal-bot plans search`)"),
    )


def init(
    ctx: typer.Context,
    cohort_dir: Path = typer.Argument(..., help=N_("The cohort folder to create (or an empty one).")),
    plan_code: str | None = typer.Option(
        None, "--plan", help=N_("计划编号 from `portal-bot plans search`, e.g. 2024-S-000911.")
    ),
    org: str | None = typer.Option(None, "--org", help=N_("评价机构名称 (searched as the keyword; faster).")),
    occupation: str | None = typer.Option(None, "--occupation", help=N_("职业名称 (or part of it).")),
    level: str | None = typer.Option(None, "--level", help=N_("等级, e.g. 中级工.")),
    category: str = typer.Option(
        "院校学生", "--category", help=N_("考生类别 the defaults are written for: 院校学生 or 社会人员.")
    ),
    portal: str | None = typer.Option(
        None, "--portal", help=N_("Portal URL (default: PORTAL_BOT_PORTAL_URL).")
    ),
    force: bool = typer.Option(False, "--force", help=N_("Replace an existing cohort.yaml.")),
) -> None:
    """Start a cohort: write cohort.yaml for one plan of the public search, with usual defaults.

    Looks the plan up on the portal (no login), so the file names a plan that exists. Example:
    `portal-bot init cohorts/2024-04 --plan 2024-S-000911 --org 浙江省生态与环境修复技术协会`.
    """
    from portal_bot.portal.commands import fetch_plans
    from portal_bot.portal.plans import narrow_plans

    if category not in ("院校学生", "社会人员"):
        raise ConfigError(
            S_("--category {!r} is not 院校学生 or 社会人员").format(category), field="--category"
        )
    if not (plan_code or org or occupation or level):
        raise ConfigError(
            S_("name the plan"), hint=S_("pass --plan CODE (find it with `portal-bot plans search`)")
        )
    settings: Settings = ctx.obj if isinstance(ctx.obj, Settings) else Settings()
    rows = fetch_plans(settings, portal, keyword=org)
    if org:
        rows = [r for r in rows if org in r.organization]
    rows = narrow_plans(rows, occupation=occupation, level=level).rows
    plan = pick_plan(rows, plan_code)
    target = write_cohort(cohort_dir, plan, "院校学生" if category == "院校学生" else "社会人员", force=force)
    console = make_console()
    console.print(
        _("wrote {target} for {plan}").format(target=target, plan=f"{plan.plan_code} {plan.name}"),
        markup=False,
        highlight=False,
    )
    console.print(
        _("next: add one YAML file per candidate, or {import_}, then {validate}").format(
            import_=f"`portal-bot profiles import ROSTER.xlsx --cohort {target} --out {cohort_dir}`",
            validate=f"`portal-bot validate {cohort_dir}`",
        ),
        markup=False,
        highlight=False,
    )


def register(app: typer.Typer) -> None:
    app.command("init")(init)
