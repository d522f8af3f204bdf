"""``portal-bot profiles import``: CSV (UTF-8, BOM, GBK) and xlsx rosters → a cohort folder that validates.

Rosters are written by the tests themselves (xlsx with openpyxl). Paths in the roster are relative
to the roster; in the output they must still point at the same files.
"""

import json
import shutil
from datetime import date, datetime
from pathlib import Path

import openpyxl
import pytest
import yaml
from typer.testing import CliRunner

from portal_bot.cli import app
from portal_bot.profiles import validate_cohort

ROOT = Path(__file__).resolve().parents[2]
SAMPLE = ROOT / "profiles" / "sample-cohort"
runner = CliRunner()

HEADER = ["序号", "姓名", "身份证件号码", "手机号码", "通讯地址", "照片", "其他材料", "出生日期"]
ROWS = [
    [
        "1",
        "王小明",
        "330106200403150318",
        "138 0571 0001",
        "浙江省杭州市",
        "photos/wang.jpg",
        "m/a.jpg；m/b.jpg",
        "2004/3/15",
    ],
    [
        "2",
        "陈雨桐",
        "330521200508220242",
        "+86 139-0571-0002",
        "浙江省湖州市",
        "photos/chen.png",
        "m/a.jpg;m/b.jpg",
        "",
    ],
]


@pytest.fixture
def workdir(tmp_path: Path) -> Path:
    """A roster folder with the files the rows name, and a cohort.yaml copied from the sample."""
    src = tmp_path / "roster"
    (src / "photos").mkdir(parents=True)
    (src / "m").mkdir()
    photo = SAMPLE / "photos" / "wang-xiaoming.jpg"
    shutil.copyfile(photo, src / "photos" / "wang.jpg")
    shutil.copyfile(SAMPLE / "photos" / "chen-yutong.png", src / "photos" / "chen.png")
    for name in ("a.jpg", "b.jpg"):
        shutil.copyfile(SAMPLE / "materials" / "wang-xiaoming-id-front.jpg", src / "m" / name)
    shutil.copyfile(SAMPLE / "cohort.yaml", src / "cohort.yaml")
    return tmp_path


def write_csv(path: Path, rows: list[list[str]], encoding: str) -> Path:
    text = "\r\n".join(",".join(r) for r in [HEADER, *rows]) + "\r\n"
    path.write_bytes(text.encode(encoding))
    return path


def run_import(roster: Path, out: Path, *extra: str) -> tuple[int, str]:
    result = runner.invoke(
        app,
        [
            "profiles",
            "import",
            str(roster),
            "--cohort",
            str(roster.parent / "cohort.yaml"),
            "--out",
            str(out),
            *extra,
        ],
    )
    return result.exit_code, result.output


@pytest.mark.parametrize("encoding", ["utf-8", "utf-8-sig", "gbk"])
def test_csv_in_every_excel_encoding_imports_and_validates(workdir: Path, encoding: str) -> None:
    roster = write_csv(workdir / "roster" / "名单.csv", ROWS, encoding)
    out = workdir / "cohort"
    code, output = run_import(roster, out)
    assert code == 0, output
    assert sorted(p.name for p in out.iterdir()) == ["001-0318.yaml", "002-0242.yaml", "cohort.yaml"]
    results = validate_cohort(out)
    assert [r.name for r in results] == ["王小明", "陈雨桐"]
    assert [(r.file.name, [p.message for p in r.problems]) for r in results if not r.ok] == []
    first = results[0].candidate
    assert first is not None
    assert first.photo == (workdir / "roster" / "photos" / "wang.jpg").resolve()
    assert first.materials == [(workdir / "roster" / "m" / n).resolve() for n in ("a.jpg", "b.jpg")]
    assert first.phone == "13805710001"


def test_output_names_the_person_and_roster_row(workdir: Path) -> None:
    roster = write_csv(workdir / "roster" / "r.csv", ROWS, "utf-8")
    run_import(roster, workdir / "out")
    text = (workdir / "out" / "002-0242.yaml").read_text(encoding="utf-8")
    assert text.startswith("# 陈雨桐 — r.csv row 3\n")
    data = yaml.safe_load(text)
    assert data["id_number"] == "330521200508220242"
    assert data["photo"] == "../roster/photos/chen.png"


def test_xlsx_with_dates_numbers_and_promotion(workdir: Path) -> None:
    book = openpyxl.Workbook()
    sheet = book.active
    sheet.append(
        [
            "姓名",
            "身份证件号码",
            "手机号码",
            "通讯地址",
            "照片",
            "其他材料",
            "出生日期",
            "考生类别",
            "所在单位",
            "统一社会信用代码",
            "本职业工作年限",
            "从事岗位",
            "符合申报条件",
            "是否晋级申报",
            "原证书类型",
            "原职业(工种)",
            "原证书编号",
            "原证书等级",
            "原证书取得时间",
            "原证书发证机构",
            "原证书佐证材料",
        ]
    )
    sheet.append(
        [
            "孙浩然",
            "330211199502180118",
            13505710005,
            "宁波",
            "photos/wang.jpg",
            "m/a.jpg",
            datetime(1995, 2, 18),
            "社会人员",
            "宁波示例低碳服务有限公司",
            "91330211MA2J8P4Q11",
            4,
            "环境监测员",
            "(2)",
            "是",
            "技能等级认定证书",
            "碳排放管理员",
            "S000000000000001",
            "五级",
            datetime(2020, 6, 30),
            "示例中心",
            "m/e.pdf",
        ]
    )
    shutil.copyfile(SAMPLE / "materials" / "sun-haoran-certificate.pdf", workdir / "roster" / "m" / "e.pdf")
    book.save(workdir / "roster" / "roster.xlsx")
    code, output = run_import(workdir / "roster" / "roster.xlsx", workdir / "out")
    assert code == 0, output
    [result] = validate_cohort(workdir / "out")
    assert result.ok, [p.message for p in result.problems]
    c = result.candidate
    assert c is not None and c.promotion is not None
    assert c.promotion.issued_on == date(2020, 6, 30)
    assert c.promotion.level == "初级工"
    assert c.years_in_occupation == 4 and c.eligibility == [2]


def test_xlsx_id_number_stored_as_a_number_is_reported(workdir: Path) -> None:
    book = openpyxl.Workbook()
    sheet = book.active
    sheet.append(["姓名", "身份证件号码", "出生日期"])
    sheet.append(["王小明", 330106200403150000, 38062])  # Excel kept 15 significant digits
    sheet.append(["陈雨桐", "330521200508220242", "not a date"])
    book.save(workdir / "roster" / "r.xlsx")
    code, output = run_import(workdir / "roster" / "r.xlsx", workdir / "out")
    assert code == 1
    assert "row 2: 身份证件号码: is stored as a number in Excel" in output
    assert "(reads 3301**********" in output and "3301062004031500" not in output
    assert "row 3: 出生日期: 'not a date' is not a date" in output
    assert "nothing was written" in output
    assert not (workdir / "out").exists()
    assert [p.name for p in workdir.iterdir() if p.name.startswith(".")] == []


def test_scientific_notation_in_csv_is_reported(workdir: Path) -> None:
    rows = [[*ROWS[0][:2], "3.30106E+17", *ROWS[0][3:]]]
    code, output = run_import(write_csv(workdir / "roster" / "r.csv", rows, "utf-8"), workdir / "out")
    assert code == 1
    assert "scientific notation" in output


def test_rows_missing_required_cells_are_each_reported(workdir: Path) -> None:
    rows = [["1", "", *ROWS[0][2:]], ["2", "陈雨桐", "", *ROWS[1][3:]], ROWS[0]]
    code, output = run_import(write_csv(workdir / "roster" / "r.csv", rows, "utf-8"), workdir / "out")
    assert code == 1
    assert "row 2: 姓名: is empty" in output
    assert "row 3: 身份证件号码: is empty" in output
    assert "row 4" not in output


def test_existing_folder_needs_force_and_is_then_replaced(workdir: Path) -> None:
    roster = write_csv(workdir / "roster" / "r.csv", ROWS, "utf-8")
    out = workdir / "out"
    out.mkdir()
    (out / "old.yaml").write_text("name: old\n", encoding="utf-8")
    (out / "keep.jpg").write_bytes(b"photo")
    code, output = run_import(roster, out)
    assert code == 1 and "--force" in output
    assert sorted(p.name for p in out.iterdir()) == ["keep.jpg", "old.yaml"]
    code, output = run_import(roster, out, "--force")
    assert code == 0, output
    assert sorted(p.name for p in out.iterdir()) == [
        "001-0318.yaml",
        "002-0242.yaml",
        "cohort.yaml",
        "keep.jpg",
    ]


def test_password_column_is_refused(workdir: Path) -> None:
    roster = workdir / "roster" / "r.csv"
    roster.write_text("姓名,身份证件号码,密码\n王小明,330106200403150318,secret\n", encoding="utf-8")
    code, output = run_import(roster, workdir / "out")
    assert code == 1
    assert "never hold passwords" in output
    assert "secret" not in output


def test_missing_required_header_is_one_line(workdir: Path) -> None:
    roster = workdir / "roster" / "r.csv"
    roster.write_text("姓名,手机号码\n王小明,13800000000\n", encoding="utf-8")
    code, output = run_import(roster, workdir / "out")
    assert code == 1
    assert "has no 身份证件号码 column" in output
    assert "Traceback" not in output


def test_unreadable_roster_types(workdir: Path) -> None:
    (workdir / "roster" / "r.xls").write_bytes(b"\xd0\xcf\x11\xe0")
    code, output = run_import(workdir / "roster" / "r.xls", workdir / "out")
    assert code == 1 and "save the roster as .xlsx or .csv" in output
    (workdir / "roster" / "bad.xlsx").write_bytes(b"not a zip")
    code, output = run_import(workdir / "roster" / "bad.xlsx", workdir / "out")
    assert code == 1 and "cannot be read as an Excel workbook" in output


def test_imported_cohort_validates_through_the_cli(workdir: Path) -> None:
    roster = write_csv(workdir / "roster" / "r.csv", ROWS, "gbk")
    run_import(roster, workdir / "out")
    result = runner.invoke(app, ["validate", str(workdir / "out"), "--json"])
    assert result.exit_code == 0, result.output
    assert [c["name"] for c in json.loads(result.stdout)["candidates"]] == ["王小明", "陈雨桐"]


def test_excel_unicode_text_export_is_read(workdir: Path) -> None:
    roster = workdir / "roster" / "r.txt.csv"
    roster.write_bytes("姓名\t身份证件号码\r\n王小明\t330106200403150318\r\n".encode("utf-16"))
    code, output = run_import(roster, workdir / "out")
    assert code == 0, output
    assert (workdir / "out" / "001-0318.yaml").is_file()


def test_the_same_person_twice_is_flagged(workdir: Path) -> None:
    code, output = run_import(
        write_csv(workdir / "roster" / "r.csv", [ROWS[0], ROWS[0]], "utf-8"), workdir / "out"
    )
    assert code == 0
    assert "row 3: 身份证件号码: the same ID number as row 2" in output


def test_validate_names_the_roster_row_beside_file_and_line(workdir: Path) -> None:
    roster = write_csv(workdir / "roster" / "名单.csv", ROWS, "utf-8")
    out = workdir / "out"
    assert run_import(roster, out)[0] == 0
    path = out / "002-0242.yaml"
    path.write_text(path.read_text(encoding="utf-8").replace("13905710002", "1390571"), encoding="utf-8")
    result = runner.invoke(app, ["validate", str(out), "--json"])
    assert result.exit_code == 1
    doc = json.loads(result.stdout)
    messages = [p["message"] for c in doc["candidates"] for p in c["problems"] if p["severity"] == "error"]
    assert len(messages) == 1 and messages[0].startswith("002-0242.yaml:"), messages
    assert "(名单.csv row 3): " in messages[0]


#: The payload of issue 13: a name cell that, written into a comment, would add top-level keys.
INJECTED_NAME = "王小明\nmaterials: [../../private.pdf]\naccount: {username: x, password_env: HOME}\n#"


def _xlsx(path: Path, rows: list[list[object]]) -> Path:
    book = openpyxl.Workbook()
    sheet = book.active
    for row in rows:
        sheet.append(row)
    book.save(path)
    return path


def test_a_name_cell_cannot_write_yaml_keys(workdir: Path) -> None:
    roster = _xlsx(
        workdir / "roster" / "r.xlsx",
        [["姓名", "身份证件号码"], [INJECTED_NAME, "330106200403150318"], ["陈雨桐", "330521200508220242"]],
    )
    code, output = run_import(roster, workdir / "out")
    assert code == 1
    assert "row 2: 姓名: has a line break" in output
    assert not (workdir / "out").exists()


def test_line_breaks_in_file_names_stay_inside_the_comment(tmp_path: Path) -> None:
    """The importer's comments name the roster file: a newline in that name must not start a line."""
    from portal_bot.profiles.roster import comment

    text = comment(f"{INJECTED_NAME} — r.csv row 2") + "name: 王小明\n"
    assert yaml.safe_load(text) == {"name": "王小明"}
    for brk in ("\r", "\x85", "\u2028", "\u2029"):
        assert yaml.safe_load(comment(f"a{brk}b: 1") + "name: x\n") == {"name": "x"}


def test_an_address_with_line_breaks_is_joined(workdir: Path) -> None:
    roster = _xlsx(
        workdir / "roster" / "r.xlsx",
        [["姓名", "身份证件号码", "通讯地址"], ["王小明", "330106200403150318", "浙江省\n杭州市\r\n西湖区"]],
    )
    code, output = run_import(roster, workdir / "out")
    assert code == 0, output
    assert "row 2: 通讯地址: has line breaks; they were joined with spaces" in output
    data = yaml.safe_load((workdir / "out" / "001-0318.yaml").read_text(encoding="utf-8"))
    assert data["address"] == "浙江省 杭州市 西湖区"


def test_validate_sees_no_injected_keys_when_the_name_is_in_a_roster_file_name(workdir: Path) -> None:
    """Even through the one text the importer writes unchecked (comments), no key gets in."""
    roster = write_csv(
        workdir / "roster" / "r\naccount: {username: x, password_env: HOME}\n.csv", ROWS, "utf-8"
    )
    code, output = run_import(roster, workdir / "out")
    assert code == 0, output
    for path in (workdir / "out").glob("0*.yaml"):
        data = yaml.safe_load(path.read_text(encoding="utf-8"))
        assert "account" not in data
    result = runner.invoke(app, ["validate", str(workdir / "out"), "--json"])
    assert result.exit_code == 0, result.output


def test_a_formula_cell_is_reported_as_a_formula(workdir: Path) -> None:
    roster = _xlsx(
        workdir / "roster" / "r.xlsx",
        [["姓名", "身份证件号码"], ['=HYPERLINK("http://x","王小明")', "330106200403150318"]],
    )
    code, output = run_import(roster, workdir / "out")
    assert code == 1
    assert "row 2: 姓名: is a formula (=HYPERLINK(" in output and "not a value" in output
    assert "is empty" not in output


def test_import_shares_the_roster_folder_but_not_beyond(workdir: Path) -> None:
    """The roster's own folder becomes a shared folder; a path climbing out of it is still refused."""
    (workdir / "private.pdf").write_bytes(b"%PDF-1.4\n%%EOF\n")
    rows = [ROWS[0], [*ROWS[1][:6], "../private.pdf", *ROWS[1][7:]]]
    code, output = run_import(write_csv(workdir / "roster" / "r.csv", rows, "utf-8"), workdir / "out")
    assert code == 0, output
    assert "cohort.yaml shares ../roster" in output
    assert yaml.safe_load((workdir / "out" / "cohort.yaml").read_text(encoding="utf-8"))["shared_dirs"] == [
        "../roster"
    ]
    results = validate_cohort(workdir / "out")
    assert results[0].ok, [p.message for p in results[0].problems]
    assert any("private.pdf is outside the cohort folder" in p.message for p in results[1].errors)


def test_a_bad_cell_is_reported_in_chinese_with_its_row_and_column(workdir: Path) -> None:
    """Issue 16: the import, a coordinator's first command, speaks Chinese with --lang zh, down to
    the row errors and the file-level errors with their hints."""
    rows = [ROWS[0][:-1] + ["明年三月"], ROWS[1]]
    roster = write_csv(workdir / "roster" / "名单.csv", rows, "utf-8")
    args = ["profiles", "import", str(roster), "--cohort", str(roster.parent / "cohort.yaml")]
    result = runner.invoke(app, ["--lang", "zh", *args, "--out", str(workdir / "out")])
    assert result.exit_code == 1, result.output
    line = next(x for x in result.output.splitlines() if "明年三月" in x)
    assert line == "错误 名单.csv 第 2 行: 出生日期: '明年三月' 不是日期；请写成 2005-03-01 这样", line
    assert not (workdir / "out").exists()
    english = runner.invoke(app, ["--lang", "en", *args, "--out", str(workdir / "out")])
    assert "名单.csv row 2: 出生日期: '明年三月' is not a date; write it like 2005-03-01" in english.output

    (workdir / "roster" / "r.xls").write_bytes(b"\xd0\xcf\x11\xe0")
    args[2] = str(workdir / "roster" / "r.xls")
    result = runner.invoke(app, ["--lang", "zh", *args, "--out", str(workdir / "out")])
    assert result.exit_code == 1 and "Traceback" not in result.output
    assert "r.xls: 是 .xls（请把花名册保存为 .xlsx 或 .csv）" in result.output, result.output
