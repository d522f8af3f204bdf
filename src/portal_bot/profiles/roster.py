"""Roster import: a coordinator's spreadsheet (.xlsx or .csv) → a complete cohort folder.

Reads the Chinese headers of the site's form (姓名, 身份证件号码, …), converts what spreadsheets do to
data (ID numbers stored as numbers lose digits, dates become Excel dates, CSV may be GBK), and writes
``cohort.yaml`` plus one YAML file per row with paths rebased so they still point at the same files.
Import reads and converts; the rules are ``validate``'s job. This module must never leave a
half-written folder (it builds in a temporary folder and moves it into place) and never overwrite
files unless asked to.
"""

from __future__ import annotations

import csv
import io
import os
import re
import shutil
import tempfile
import unicodedata
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date, datetime
from pathlib import Path
from typing import Any, Literal

import yaml

from portal_bot.errors import ProfileError
from portal_bot.i18n import S_, Said, _
from portal_bot.privacy import mask_id
from portal_bot.profiles.checks import condition_numbers, excel_serial_to_date, normalize_phone, parse_date
from portal_bot.profiles.idcard import check_char
from portal_bot.profiles.idcard import normalize as idcard_normalize
from portal_bot.profiles.loader import COHORT_FILE, YAML_SUFFIXES, read_cohort_file, shared_dirs_of
from portal_bot.profiles.models import CANDIDATE_KEYS, PATH_KEYS
from portal_bot.profiles.options import NO_EMPLOYER_TEXTS, NO_TEXTS, YES_TEXTS

#: Roster header → candidate key (dotted for promotion/account details). The contract in PRODUCT.md.
HEADERS: dict[str, str] = {
    "姓名": "name",
    "身份证件类型": "id_type",
    "身份证件号码": "id_number",
    "性别": "sex",
    "出生日期": "birth_date",
    "文化程度": "education",
    "通讯地址": "address",
    "手机号码": "phone",
    "照片": "photo",
    "其他材料": "materials",
    "考生类别": "category",
    "所在单位": "employer",
    "统一社会信用代码": "credit_code",
    "本职业工作年限": "years_in_occupation",
    "从事岗位": "post",
    "是否人力资源派遣员工": "dispatched",
    "是否省内技工学校在籍生": "technical_school_student",
    "是否晋级申报": "promotion",
    "原证书类型": "promotion.certificate_type",
    "原职业(工种)": "promotion.occupation",
    "原证书编号": "promotion.number",
    "原证书等级": "promotion.level",
    "原证书取得时间": "promotion.issued_on",
    "原证书发证机构": "promotion.issuer",
    "原证书佐证材料": "promotion.evidence",
    "申报科目": "subjects",
    "申报方式": "application_method",
    "符合申报条件": "eligibility",
    "登录账号": "account.username",
    "密码环境变量": "account.password_env",
}
#: Other ways coordinators head the same columns.
ALIASES: dict[str, str] = {
    "身份证号": "身份证件号码",
    "身份证号码": "身份证件号码",
    "证件号码": "身份证件号码",
    "证件类型": "身份证件类型",
    "手机号": "手机号码",
    "手机": "手机号码",
    "联系电话": "手机号码",
    "学历": "文化程度",
    "地址": "通讯地址",
    "工作单位": "所在单位",
    "工作年限": "本职业工作年限",
    "岗位": "从事岗位",
    "申报条件": "符合申报条件",
    "原职业": "原职业(工种)",
    "证件照": "照片",
}
IGNORED_HEADERS = frozenset({"序号", "编号", "备注", "说明"})
PASSWORD_HEADERS = frozenset({"密码", "登录密码", "password", "口令"})
REQUIRED_KEYS = ("name", "id_number")
PATH_COLUMNS = frozenset({"photo", "materials", "promotion.evidence"})
DATE_COLUMNS = frozenset({"birth_date", "promotion.issued_on"})
BOOL_COLUMNS = frozenset({"dispatched", "technical_school_student"})
LIST_SPLIT = re.compile(r"[;；]")
SUBJECT_SPLIT = re.compile(r"[;；,，、/]")
_SCIENTIFIC = re.compile(r"\d+(\.\d+)?[eE][+]?\d+")
_KEY_TO_HEADER = {v: k for k, v in HEADERS.items()}
#: Everything YAML (1.1, as PyYAML reads it) takes for the end of a line. A comment holding one ends
#: there, and what follows becomes data: the way a roster cell could write its own keys.
_LINE_BREAKS = re.compile("[\r\n\x85\u2028\u2029]")
#: The one column where a line break (Alt+Enter in Excel) is harmless: joined with a space.
_MULTILINE_KEYS = frozenset({"address"})


@dataclass(frozen=True)
class Formula:
    """An xlsx cell holding a formula: its text is not what the coordinator sees, so it is refused."""

    text: str

    def __str__(self) -> str:
        return self.text


@dataclass
class RowIssue:
    """Something the import could not read (error) or changed on the way (warning)."""

    row: int | None
    column: str
    severity: Literal["error", "warning"]
    message: str

    def __str__(self) -> str:
        where = _("row {}").format(self.row) if self.row is not None else _("header")
        return f"{where}: {self.column}: {self.message}"


@dataclass
class ImportReport:
    """What an import did: the folder, the files written (none if any row had an error) and the issues."""

    out_dir: Path
    written: list[Path] = field(default_factory=list)
    issues: list[RowIssue] = field(default_factory=list)
    rows: int = 0

    @property
    def ok(self) -> bool:
        return not any(i.severity == "error" for i in self.issues)


def _clean_header(text: object) -> str:
    cleaned = unicodedata.normalize("NFKC", str(text or ""))
    return re.sub(r"\s+", "", cleaned).strip("*＊:：")


def _read_csv(path: Path) -> list[list[Any]]:
    raw = path.read_bytes()
    encodings = ("utf-16",) if raw[:2] in (b"\xff\xfe", b"\xfe\xff") else ("utf-8-sig", "gb18030")
    for encoding in encodings:
        try:
            text = raw.decode(encoding)
            break
        except UnicodeDecodeError:
            continue
    else:
        raise ProfileError(
            S_("is not UTF-8, GBK or UTF-16 text"), path=path, hint=S_("save it as CSV UTF-8 from Excel")
        )
    first = text.split("\n", 1)[0]  # Excel's "Unicode text" is tab-separated
    delimiter = "\t" if "\t" in first and "," not in first else ","
    return [list(r) for r in csv.reader(io.StringIO(text, newline=""), delimiter=delimiter)]


def _read_xlsx(path: Path) -> list[list[Any]]:
    import zipfile

    import openpyxl

    try:
        # Not data_only: a formula's cached value may be missing (files written by programs) or stale,
        # and a formula is refused anyway, so its text is what we need to see.
        book = openpyxl.load_workbook(path, read_only=True, data_only=False)
    except (zipfile.BadZipFile, KeyError, ValueError, OSError) as exc:
        raise ProfileError(S_("cannot be read as an Excel workbook: {}").format(exc), path=path) from exc
    try:
        sheet = book.worksheets[0]
        return [
            [Formula(str(c.value)) if c.data_type == "f" else c.value for c in r] for r in sheet.iter_rows()
        ]
    finally:
        book.close()


def read_table(path: Path) -> list[list[Any]]:
    """All rows of the first sheet (xlsx) or the CSV file, cells as the reader gives them."""
    suffix = path.suffix.lower()
    if not path.is_file():
        raise ProfileError(S_("does not exist"), path=path)
    if suffix == ".csv":
        return _read_csv(path)
    if suffix in (".xlsx", ".xlsm"):
        return _read_xlsx(path)
    raise ProfileError(
        S_("is a {}").format(suffix) if suffix else S_("is a file without extension"),
        path=path,
        hint=S_("save the roster as .xlsx or .csv"),
    )


def _blank(value: Any) -> bool:
    return value is None or (isinstance(value, str) and not value.strip())


def _text(value: Any) -> str:
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    if isinstance(value, datetime):
        return value.date().isoformat()
    return str(value).strip()


class _RowError(Exception):
    pass


def _id_number(value: Any, warn: Callable[[str], None]) -> str:
    if isinstance(value, bool):
        raise _RowError(S_("is not an ID number"))
    digits = str(value)
    if (
        isinstance(value, int)
        and len(digits) == 18
        and not digits.endswith("000")
        and check_char(digits[:17]) == digits[17]
    ):
        # An exact integer (written by a program; Excel keeps 15 digits and zeroes the rest) with a
        # valid check digit.
        warn(S_("is stored as a number; format the column as Text before Excel rounds it"))
        return str(value)
    if isinstance(value, int | float):
        digits = str(int(value)) if float(value).is_integer() else str(value)
        if len(digits) == 15:
            return digits
        raise _RowError(
            S_(
                "is stored as a number in Excel, so its last digits are lost (reads {}); "
                "format the column as Text and type the numbers again"
            ).format(mask_id(digits))
        )
    text = idcard_normalize(value).lstrip("'‘’`")  # an apostrophe typed to make Excel keep text
    if _SCIENTIFIC.fullmatch(text):
        raise _RowError(
            S_(
                "was saved in scientific notation, so its last digits are lost; format the column as Text "
                "in Excel, type the numbers again and save"
            )
        )
    return text


def _date(value: Any) -> date:
    if isinstance(value, datetime):
        return value.date()
    if isinstance(value, date):
        return value
    if isinstance(value, int | float) and 1 < value < 80000:
        return excel_serial_to_date(value)
    parsed = parse_date(_text(value))
    if isinstance(parsed, date):
        return parsed
    raise _RowError(S_("{!r} is not a date; write it like 2005-03-01").format(_text(value)))


def _years(value: Any) -> int:
    if isinstance(value, int | float) and not isinstance(value, bool):
        if float(value).is_integer():
            return int(value)
        raise _RowError(S_("{} is not a whole number of years").format(value))
    text = unicodedata.normalize("NFKC", _text(value)).removesuffix("年").strip()
    if text.isdigit():
        return int(text)
    raise _RowError(S_("{!r} is not a number of years").format(_text(value)))


def _yes_no(value: Any) -> bool:
    text = _text(value).lower()
    if text in YES_TEXTS:
        return True
    if text in NO_TEXTS:
        return False
    raise _RowError(S_("{!r} is not 是 or 否").format(_text(value)))


def _eligibility(value: Any) -> list[int]:
    numbers = condition_numbers(_text(value))
    if not numbers:
        raise _RowError(S_("{!r} names no condition; write e.g. (3) or 1,3").format(_text(value)))
    return numbers


class _Rebase:
    """Paths in the roster are relative to the roster's folder; in the output, to the cohort folder."""

    def __init__(self, source_dir: Path, out_dir: Path) -> None:
        self.source_dir = source_dir.resolve()
        self.out_dir = out_dir.resolve()

    def __call__(self, text: str) -> str:
        text = text.strip()
        if os.sep == "/":
            text = text.replace("\\", "/")
        path = Path(text).expanduser()
        if not path.is_absolute():
            path = self.source_dir / path
        path = Path(os.path.normpath(path))
        try:
            return Path(os.path.relpath(path, self.out_dir)).as_posix()
        except ValueError:  # another drive on Windows: keep it absolute
            return path.as_posix()


def _phone(value: Any) -> str:
    """The normalised number when it is one; otherwise as written, for validate to explain."""
    try:
        return normalize_phone(_text(value))
    except ValueError:
        return _text(value)


def _single_line(key: str, value: Any, warn: Callable[[str], None]) -> Any:
    """Refuse formulas and line breaks where the site's field is one line; join them in the address."""
    if isinstance(value, Formula):
        raise _RowError(
            S_("is a formula ({}), not a value; copy the column and paste it back as values").format(
                value.text[:40]
            )
        )
    if not isinstance(value, str) or not _LINE_BREAKS.search(value):
        return value
    if key in _MULTILINE_KEYS:
        warn(S_("has line breaks; they were joined with spaces"))
        return " ".join(part.strip() for part in _LINE_BREAKS.split(value) if part.strip())
    raise _RowError(S_("has a line break, but this field is one line; remove it (Alt+Enter in Excel)"))


def _cell(key: str, value: Any, rebase: _Rebase, warn: Callable[[str], None]) -> Any:
    value = _single_line(key, value, warn)
    if key == "id_number":
        return _id_number(value, warn)
    if key == "phone":
        return _phone(value)
    if key in DATE_COLUMNS:
        return _date(value)
    if key == "years_in_occupation":
        return _years(value)
    if key in BOOL_COLUMNS:
        return _yes_no(value)
    if key == "eligibility":
        return _eligibility(value)
    if key == "materials":
        return [rebase(p) for p in LIST_SPLIT.split(_text(value)) if p.strip()]
    if key in PATH_COLUMNS:
        return rebase(_text(value))
    if key == "subjects":
        return [s.strip() for s in SUBJECT_SPLIT.split(_text(value)) if s.strip()]
    if key == "employer" and _text(value) in NO_EMPLOYER_TEXTS:
        return None
    return _text(value)


def _map_headers(header: list[Any], report: ImportReport, path: Path, row: int) -> dict[int, str]:
    columns: dict[int, str] = {}
    for index, raw in enumerate(header):
        name = _clean_header(raw)
        if not name or name in IGNORED_HEADERS:
            continue
        if name.lower() in PASSWORD_HEADERS:
            raise ProfileError(
                S_("has a {} column: a roster must never hold passwords").format(name),
                path=path,
                row=row,
                hint=S_("delete the column; name an environment variable per person instead (密码环境变量)"),
            )
        canonical = ALIASES.get(name, name)
        key = HEADERS.get(canonical)
        if key is None:
            report.issues.append(RowIssue(None, name, "warning", S_("unknown column, ignored")))
            continue
        if key in columns.values():
            raise ProfileError(
                S_("has two {} columns").format(canonical), path=path, row=row, hint=S_("keep one")
            )
        columns[index] = key
    missing = [_KEY_TO_HEADER[k] for k in REQUIRED_KEYS if k not in columns.values()]
    if missing:
        either = S_(" or ")
        raise ProfileError(
            S_("has no {} column").format(Said(either.join(missing), either.english.join(missing))),
            path=path,
            row=row,
            hint=S_("the first row must hold the headers; known headers: {}").format("、".join(HEADERS)),
        )
    return columns


def _build_row(
    row_no: int, cells: list[Any], columns: dict[int, str], rebase: _Rebase, report: ImportReport
) -> dict[str, Any] | None:
    flat: dict[str, Any] = {}
    failed = False
    for index, key in columns.items():
        value = cells[index] if index < len(cells) else None
        if _blank(value):
            continue
        header = _KEY_TO_HEADER[key]

        def warn(message: str, header: str = header) -> None:
            report.issues.append(RowIssue(row_no, header, "warning", message))

        try:
            flat[key] = _cell(key, value, rebase, warn)
        except _RowError as exc:
            report.issues.append(RowIssue(row_no, _KEY_TO_HEADER[key], "error", str(exc)))
            failed = True
    for key in REQUIRED_KEYS:
        if key not in flat and not any(
            i.row == row_no and i.column == _KEY_TO_HEADER[key] for i in report.issues
        ):
            report.issues.append(RowIssue(row_no, _KEY_TO_HEADER[key], "error", S_("is empty")))
            failed = True
    if failed:
        return None
    data: dict[str, Any] = {}
    nested: dict[str, dict[str, Any]] = {"promotion": {}, "account": {}}
    for key, value in flat.items():
        head, _, sub = key.partition(".")
        if sub:
            nested[head][sub] = value
        elif key != "promotion":
            data[key] = value
    if "promotion" in flat:
        try:
            flag = _yes_no(flat["promotion"])
        except _RowError as exc:
            report.issues.append(RowIssue(row_no, "是否晋级申报", "error", str(exc)))
            return None
        if flag:
            data["promotion"] = nested["promotion"]
        else:
            data["promotion"] = None
            if nested["promotion"]:
                report.issues.append(
                    RowIssue(
                        row_no, "是否晋级申报", "warning", S_("is 否, so the 原证书 columns were ignored")
                    )
                )
    elif nested["promotion"]:
        report.issues.append(
            RowIssue(
                row_no, "是否晋级申报", "error", S_("is empty but 原证书 columns are filled: write 是 or 否")
            )
        )
        return None
    if nested["account"]:
        data["account"] = nested["account"]
    return {k: data[k] for k in CANDIDATE_KEYS if k in data}


def comment(text: str) -> str:
    """A one-line YAML comment: whatever ``text`` holds, nothing after ``#`` can become data."""
    return "# " + _LINE_BREAKS.sub(" ", text) + "\n"


def _file_stem(seq: int, width: int, id_number: str) -> str:
    tail = re.sub(r"[^0-9A-Za-z]", "", unicodedata.normalize("NFKC", id_number))[-4:].upper()
    return f"{seq:0{width}d}-{tail or 'none'}"


#: LibYAML's emitter when available: writing 500 files is mostly YAML emitting.
_Dumper: type[yaml.SafeDumper] = getattr(yaml, "CSafeDumper", yaml.SafeDumper)


def _dump(data: Any) -> str:
    return yaml.dump(
        data, Dumper=_Dumper, allow_unicode=True, sort_keys=False, default_flow_style=False, width=1000
    )


def _cohort_document(cohort_yaml: Path, out_dir: Path) -> dict[str, Any]:
    """The cohort file to write: plan, defaults and shared folders, paths rebased to ``out_dir``."""
    loaded, _plan, defaults = read_cohort_file(cohort_yaml)
    shared = shared_dirs_of(loaded)
    rebase = _Rebase(cohort_yaml.parent, out_dir)
    for key, value in defaults.items():
        if isinstance(value, Path):
            defaults[key] = rebase(str(value))
        elif isinstance(value, list):
            defaults[key] = [rebase(str(v)) if isinstance(v, Path) else v for v in value]
        elif isinstance(value, dict) and isinstance(value.get("evidence"), Path):
            defaults[key] = {**value, "evidence": rebase(str(value["evidence"]))}
    document: dict[str, Any] = {"plan": loaded.data["plan"]}
    if defaults:
        document["defaults"] = defaults
    if shared:
        document["shared_dirs"] = [rebase(str(folder)) for folder in shared]
    return document


def _paths_in(data: dict[str, Any]) -> list[str]:
    """Every file path a candidate (or the defaults) names, as written (relative to the cohort)."""
    found: list[str] = []
    for key in PATH_KEYS:
        holder: Any = data
        for part in key:
            holder = holder.get(part) if isinstance(holder, dict) else None
        found.extend(str(v) for v in (holder if isinstance(holder, list) else [holder]) if v is not None)
    return found


def _share_roster_folder(
    document: dict[str, Any], rows: list[dict[str, Any]], roster: Path, out_dir: Path, report: ImportReport
) -> None:
    """Name the roster's folder under ``shared_dirs:`` when the files it lists lie outside the cohort.

    Validation confines files to the cohort folder and its shared folders; the roster's own folder
    is where its paths point, so it is shared explicitly (visible in cohort.yaml) rather than silently.
    """
    root = out_dir.resolve()
    roster_dir = roster.parent.resolve()
    needed = False
    for data in [*rows, document.get("defaults", {})]:
        for text in _paths_in(data):
            real = Path(os.path.normpath(root / text))
            if not real.is_relative_to(root) and real.is_relative_to(roster_dir):
                needed = True
    if not needed:
        return
    folder = _Rebase(roster_dir, out_dir)(".")
    shared = document.setdefault("shared_dirs", [])
    if folder not in shared:
        shared.append(folder)
        report.issues.append(
            RowIssue(
                None,
                "shared_dirs",
                "warning",
                f"the roster's files lie outside the cohort folder: cohort.yaml shares {folder}",
            )
        )


def _place(build: Path, out_dir: Path, force: bool) -> None:
    """Move the finished folder into place; with ``force``, replace only YAML files already there."""
    if not out_dir.exists():
        os.replace(build, out_dir)
        return
    if not any(out_dir.iterdir()):
        out_dir.rmdir()  # Windows cannot rename onto an existing folder, even an empty one
        os.replace(build, out_dir)
        return
    if not force:
        raise ProfileError(
            S_("already has files"), path=out_dir, hint=S_("use --force to replace its YAML files")
        )
    backup = Path(tempfile.mkdtemp(prefix=".old-", dir=out_dir))
    old = [p for p in out_dir.iterdir() if p.is_file() and p.suffix.lower() in YAML_SUFFIXES]
    for path in old:
        os.replace(path, backup / path.name)
    try:
        for path in build.iterdir():
            os.replace(path, out_dir / path.name)
    except OSError:
        for path in backup.iterdir():
            os.replace(path, out_dir / path.name)
        raise
    shutil.rmtree(backup, ignore_errors=True)
    shutil.rmtree(build, ignore_errors=True)


def import_roster(roster: Path, cohort_yaml: Path, out_dir: Path, *, force: bool = False) -> ImportReport:
    """Read ``roster`` and write a cohort folder at ``out_dir`` (nothing is written if a row fails).

    Raises:
        ProfileError: unreadable roster, missing or password headers, a broken cohort file, or an
            existing non-empty ``out_dir`` without ``force``.
    """
    out_dir = Path(out_dir)
    report = ImportReport(out_dir=out_dir)
    if out_dir.exists() and not out_dir.is_dir():
        raise ProfileError(S_("exists and is not a folder"), path=out_dir)
    # The folder `portal-bot init` made holds only the cohort.yaml being read: that is not "in use".
    occupied = out_dir.is_dir() and any(p.resolve() != Path(cohort_yaml).resolve() for p in out_dir.iterdir())
    if occupied and not force:
        raise ProfileError(
            S_("already has files"), path=out_dir, hint=S_("use --force to replace its YAML files")
        )
    force = force or out_dir.is_dir()
    cohort_document = _cohort_document(cohort_yaml, out_dir)
    numbered = [(n, r) for n, r in enumerate(read_table(roster), start=1) if not all(_blank(c) for c in r)]
    if not numbered:
        raise ProfileError(
            S_("is empty"), path=roster, hint=S_("the first row holds the headers, one person per row")
        )
    columns = _map_headers(numbered[0][1], report, roster, numbered[0][0])
    rebase = _Rebase(roster.parent, out_dir)
    rows: list[tuple[int, dict[str, Any]]] = []
    numbered = numbered[1:]
    for row_no, cells in numbered:
        data = _build_row(row_no, cells, columns, rebase, report)
        if data is not None:
            rows.append((row_no, data))
    report.rows = len(numbered)
    first_row: dict[str, int] = {}
    for row_no, data in rows:
        number = idcard_normalize(data["id_number"])
        if number in first_row:
            report.issues.append(
                RowIssue(
                    row_no,
                    "身份证件号码",
                    "warning",
                    S_("the same ID number as row {}").format(first_row[number]),
                )
            )
        first_row.setdefault(number, row_no)
    if not report.ok:
        return report
    _share_roster_folder(cohort_document, [data for _, data in rows], roster, out_dir, report)
    cohort_text = comment(
        f"Cohort plan and defaults, written by `portal-bot profiles import` from {cohort_yaml.name}"
    ) + _dump(cohort_document)
    out_dir.parent.mkdir(parents=True, exist_ok=True)
    build = Path(tempfile.mkdtemp(prefix=f".{out_dir.name}-import-", dir=out_dir.parent))
    try:
        (build / COHORT_FILE).write_text(cohort_text, encoding="utf-8")
        width = max(3, len(str(len(rows))))
        names: list[str] = []
        for seq, (row_no, data) in enumerate(rows, start=1):
            name = _file_stem(seq, width, str(data["id_number"])) + ".yaml"
            header = comment(f"{data['name']} — {roster.name} row {row_no}")
            (build / name).write_text(header + _dump(data), encoding="utf-8")
            names.append(name)
        _place(build, out_dir, force)
    finally:
        if build.exists():
            shutil.rmtree(build, ignore_errors=True)
    report.written = [out_dir / COHORT_FILE, *(out_dir / n for n in names)]
    return report
