"""Pydantic models of a cohort plan and a candidate profile: types, options and normalisation.

Rules about one field, or about a field and the ID number before it (the ID decides sex and birth
date), are validators here. Rules that weigh several fields against each other (a student has no
employer, condition (1) needs five years) live in ``rules.py``, so every broken rule is reported and
not just the first. Models never read files or the environment; the loader resolves relative paths
before validation. Unknown keys are errors (``extra="forbid"``).

Validation context (optional): ``{"warnings": list[tuple[str, str]], "today": date}``; validators
append ``(field, message)`` warnings there.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping, Sequence
from datetime import date
from pathlib import Path
from typing import Annotated, Any, Literal

from pydantic import (
    AfterValidator,
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Field,
    ValidationInfo,
    field_validator,
    model_validator,
)
from pydantic_core import PydanticCustomError

from portal_bot.i18n import _
from portal_bot.profiles import idcard
from portal_bot.profiles.checks import condition_numbers, normalize_credit_code, normalize_phone, parse_date
from portal_bot.profiles.options import (
    APPLICATION_METHODS,
    CATEGORIES,
    CATEGORY_ALIASES,
    CERTIFICATE_TYPES,
    DEFAULT_APPLICATION_METHOD,
    EDUCATION,
    EDUCATION_ALIASES,
    ELIGIBILITY_CONDITIONS,
    GB11643_ID_TYPES,
    ID_TYPE_RESIDENT,
    ID_TYPES,
    LEVELS,
    NO_EMPLOYER_TEXTS,
    NO_TEXTS,
    SEX,
    SUBJECTS,
    YES_TEXTS,
    canonical_level,
)

_ENV_NAME_RE = re.compile(r"[A-Za-z_][A-Za-z0-9_]*")
_PLAN_CODE_RE = re.compile(r"\d{4}-[A-Z]+-\d+")


def problem(message: str) -> PydanticCustomError:
    """A validation error whose message is shown as written (no "Value error," prefix)."""
    return PydanticCustomError("profile", "{message}", {"message": message})


def _one_of(
    options: Sequence[str], label: str, aliases: Mapping[str, str] | None = None
) -> Callable[[str, ValidationInfo], str]:
    def check(value: str, info: ValidationInfo) -> str:
        if aliases and value in aliases:
            _warn(
                info,
                info.field_name or label,
                _("{} is written {} on the site; using {}").format(value, aliases[value], aliases[value]),
            )
            return aliases[value]
        if value not in options:
            raise problem(
                _("{!r} is not a {} option; choose one of: {}").format(value, label, "、".join(options))
            )
        return value

    return check


def _yes_no(value: Any) -> Any:
    if isinstance(value, str):
        text = value.strip().lower()
        if text in YES_TEXTS:
            return True
        if text in NO_TEXTS:
            return False
        raise problem(_("{!r} is not 是 or 否").format(value))
    return value


def _level(value: Any) -> Any:
    if value is None:
        return None
    canonical = canonical_level(str(value))
    if canonical is None:
        raise problem(
            _("{!r} is not a level; choose one of: {} (or 五级 … 一级)").format(value, "、".join(LEVELS))
        )
    return canonical


def _phone(value: Any) -> str:
    try:
        return normalize_phone(value)
    except ValueError as exc:
        raise problem(str(exc)) from None


def _credit_code(value: Any) -> Any:
    if value is None or (isinstance(value, str) and value.strip() in {"", "-", "无"}):
        return None
    try:
        return normalize_credit_code(value)
    except ValueError as exc:
        raise problem(str(exc)) from None


def _employer(value: Any) -> Any:
    if isinstance(value, str) and value.strip() in NO_EMPLOYER_TEXTS | {""}:
        return None
    return value


def _list_of(value: Any) -> Any:
    """A single value where a list is expected becomes a one-item list."""
    if value is None or isinstance(value, list | tuple):
        return value
    return [value]


def _eligibility(value: Any) -> Any:
    """``3``, ``"(1)(3)"``, ``"1,3"`` or ``[1, 3]`` → ``[1, 3]``."""
    if isinstance(value, str):
        numbers = condition_numbers(value)
        if not numbers:
            raise problem(_("{!r} names no condition; write the numbers, e.g. [3]").format(value))
        return numbers
    return _list_of(value)


def _eligibility_items(value: list[int]) -> list[int]:
    bad = [n for n in value if n not in ELIGIBILITY_CONDITIONS]
    if bad:
        raise problem(_("there is no condition ({}); the conditions are (1), (2) and (3)").format(bad[0]))
    if not value:
        raise problem(_("name at least one condition, e.g. [3]"))
    return sorted(set(value))


def _promotion(value: Any) -> Any:
    if value is False or (isinstance(value, str) and value.strip() in {"否", "无", ""}):
        return None
    if value is True or (isinstance(value, str) and value.strip() == "是"):
        return {}
    return value


_CJK_NAME_RE = re.compile(r"[\u3400-\u9fff\uf900-\ufaff·•\s]+")


def _name(value: str) -> str:
    """A Chinese name padded for alignment (``王　明``, common in spreadsheets) loses its spaces;
    a name in Latin script keeps them."""
    if _CJK_NAME_RE.fullmatch(value):
        value = "".join(value.split()).replace("•", "·")
    if not value:
        raise problem(_("must not be empty"))
    return value


def _plan_code(value: str | None) -> str | None:
    if value is not None and not _PLAN_CODE_RE.fullmatch(value):
        raise problem(_("{!r} is not a 计划编号; it looks like 2024-S-000911").format(value))
    return value


def _non_empty(value: str) -> str:
    if not value:
        raise problem(_("must not be empty"))
    return value


def _subjects(value: list[str]) -> list[str]:
    if not value:
        raise problem(_("choose at least one of: {}").format("、".join(SUBJECTS)))
    return list(dict.fromkeys(value))


Text = Annotated[str, AfterValidator(_non_empty)]
YesNo = Annotated[bool, BeforeValidator(_yes_no)]
Day = Annotated[date, BeforeValidator(parse_date)]
Level = Annotated[str, BeforeValidator(_level)]
Sex = Annotated[str, AfterValidator(_one_of(SEX, "性别"))]
IdType = Annotated[str, AfterValidator(_one_of(ID_TYPES, "身份证件类型"))]
Education = Annotated[str, AfterValidator(_one_of(EDUCATION, "文化程度", EDUCATION_ALIASES))]
Category = Annotated[str, AfterValidator(_one_of(CATEGORIES, "考生类别", CATEGORY_ALIASES))]
Method = Annotated[str, AfterValidator(_one_of(APPLICATION_METHODS, "申报方式"))]
Subject = Annotated[str, AfterValidator(_one_of(SUBJECTS, "申报科目"))]
CertificateType = Annotated[str, AfterValidator(_one_of(CERTIFICATE_TYPES, "原证书类型"))]

_TEXT_CONFIG = ConfigDict(extra="forbid", coerce_numbers_to_str=True, str_strip_whitespace=True)


class Account(BaseModel):
    """How a candidate logs in: ``{method: qr}`` (default), or a username with ``password_env`` or
    ``keyring``. A password itself never goes in a file."""

    model_config = _TEXT_CONFIG

    method: Literal["password", "qr"] | None = None
    username: str | None = None
    password_env: str | None = None
    keyring: str | None = None

    @model_validator(mode="before")
    @classmethod
    def _no_password(cls, data: Any) -> Any:
        if isinstance(data, dict) and "password" in data:
            raise problem(
                _(
                    "never put a password in a file: name an environment variable that holds it "
                    "(password_env: VAR_NAME) or a keyring service (keyring: SERVICE)"
                )
            )
        return data

    @model_validator(mode="after")
    def _consistent(self) -> Account:
        if self.method is None:
            self.method = "password" if self.username else "qr"
        secrets = [k for k in ("password_env", "keyring") if getattr(self, k)]
        if self.method == "qr":
            if secrets:
                raise problem(_("method qr logs in by scanning; remove {}").format(secrets[0]))
            return self
        if not self.username:
            raise problem(_("a password login needs username (the 政务服务网 account)"))
        if len(secrets) != 1:
            raise problem(_("give exactly one of password_env: VAR_NAME or keyring: SERVICE"))
        if self.password_env is not None and not _ENV_NAME_RE.fullmatch(self.password_env):
            raise problem(_("{!r} is not an environment variable name").format(self.password_env))
        return self


class Promotion(BaseModel):
    """是否晋级申报 = 是: the original (level-5) certificate. Completeness is checked in rules.py."""

    model_config = _TEXT_CONFIG

    certificate_type: CertificateType | None = None
    occupation: str | None = None
    number: str | None = None
    level: Level | None = None
    issued_on: Day | None = None
    issuer: str | None = None
    evidence: Path | None = None
    on_record: YesNo = False
    """The site holds this certificate on record (系统提取的证书): no evidence PDF is asked for it."""


def _today(info: ValidationInfo) -> date:
    context = info.context if isinstance(info.context, dict) else {}
    today = context.get("today")
    return today if isinstance(today, date) else date.today()


def _warn(info: ValidationInfo, field: str, message: str) -> None:
    if isinstance(info.context, dict) and isinstance(info.context.get("warnings"), list):
        info.context["warnings"].append((field, message))


def _id_info(info: ValidationInfo) -> idcard.IdInfo | None:
    """The parsed ID number validated earlier in this model, if it is a GB 11643 number."""
    number = info.data.get("id_number")
    id_type = info.data.get("id_type")
    if number is None or id_type not in GB11643_ID_TYPES:
        return None
    return idcard.parse(number, id_type=id_type, today=_today(info))


class Candidate(BaseModel):
    """One candidate, normalised: ASCII ID number and phone, canonical option texts, absolute paths
    (once loaded through the loader), sex and birth date derived from the ID number."""

    model_config = _TEXT_CONFIG

    name: Annotated[str, AfterValidator(_name)]
    id_type: IdType = ID_TYPE_RESIDENT
    id_number: str
    sex: Sex | None = Field(default=None, validate_default=True)
    birth_date: Day | None = Field(default=None, validate_default=True)
    education: Education
    address: Text
    phone: Annotated[str, BeforeValidator(_phone)]
    photo: Path | None = None
    materials: Annotated[list[Path], BeforeValidator(_list_of)]
    category: Category
    employer: Annotated[str | None, BeforeValidator(_employer)] = None
    credit_code: Annotated[str | None, BeforeValidator(_credit_code)] = None
    years_in_occupation: int = Field(ge=0, le=60)
    post: Text
    dispatched: YesNo = False
    technical_school_student: YesNo = False
    promotion: Annotated[Promotion | None, BeforeValidator(_promotion)] = None
    subjects: Annotated[list[Subject], BeforeValidator(_list_of), AfterValidator(_subjects)] = Field(
        default_factory=lambda: list(SUBJECTS)
    )
    application_method: Method = DEFAULT_APPLICATION_METHOD
    eligibility: Annotated[list[int], BeforeValidator(_eligibility), AfterValidator(_eligibility_items)]
    account: Account = Field(default_factory=Account)

    @field_validator("id_number", mode="before")
    @classmethod
    def _id_number(cls, value: Any, info: ValidationInfo) -> str:
        if isinstance(value, float):
            raise problem(_("is a number with lost digits (write it in quotes: id_number: '3301…')"))
        id_type = info.data.get("id_type")
        if id_type in GB11643_ID_TYPES:
            try:
                parsed = idcard.parse(value, id_type=id_type, today=_today(info))
            except idcard.IdNumberError as exc:
                raise problem(str(exc)) from None
            if parsed.converted_from_15:
                _warn(
                    info,
                    "id_number",
                    _(
                        "a 15-digit legacy number, converted to its 18-digit form; write the 18-character "
                        "number from the current ID card in the file"
                    ),
                )
            return parsed.number
        number = idcard.normalize(value)
        if not number:
            raise problem(_("must not be empty"))
        return number

    @field_validator("sex", mode="after")
    @classmethod
    def _sex(cls, value: str | None, info: ValidationInfo) -> str | None:
        parsed = _id_info(info)
        if parsed is None:
            return value
        if value is not None and value != parsed.sex:
            raise problem(
                _(
                    "the file says {} but the ID number says {}; remove sex (it comes from the ID number)"
                    " or correct the ID number"
                ).format(value, parsed.sex)
            )
        return parsed.sex

    @field_validator("birth_date", mode="after")
    @classmethod
    def _birth_date(cls, value: date | None, info: ValidationInfo) -> date | None:
        parsed = _id_info(info)
        if parsed is None:
            return value
        if value is not None and value != parsed.birth_date:
            raise problem(
                _(
                    "the file says {} but the ID number says {}; remove birth_date (it comes from the ID"
                    " number) or correct the ID number"
                ).format(value.isoformat(), parsed.birth_date.isoformat())
            )
        return parsed.birth_date


class PlanSelector(BaseModel):
    """Which plan to register for: any subset of these keys that picks exactly one plan."""

    model_config = _TEXT_CONFIG

    organization: str | None = None
    plan_code: Annotated[str | None, AfterValidator(_plan_code)] = None
    occupation: str | None = None
    work_type: str | None = None
    level: Level | None = None
    exam_date: Day | None = None
    city: str | None = None
    district: str | None = None

    @model_validator(mode="after")
    def _something(self) -> PlanSelector:
        if not any(v is not None for v in self.model_dump().values()):
            raise problem(_("name the plan: at least organization or plan_code"))
        return self


#: Keys of a candidate file, in the order the site's form asks for them.
CANDIDATE_KEYS: tuple[str, ...] = tuple(Candidate.model_fields)
#: Keys that belong to one person and make no sense in cohort.yaml defaults.
PERSONAL_KEYS: frozenset[str] = frozenset({"name", "id_number", "sex", "birth_date", "phone"})
#: Keys whose values are file paths (resolved against the file that names them).
PATH_KEYS: tuple[tuple[str, ...], ...] = (("photo",), ("materials",), ("promotion", "evidence"))
