"""Regenerate profiles/sample-cohort/: five fictional candidates with photos, materials and evidence.

Run: ``python scripts/make_sample_cohort.py`` (needs Pillow and a CJK font such as Noto Sans CJK).
Every person, number and organisation here is invented; the ID numbers and the credit code only carry
valid check characters. The photos are crops of the public-domain NASA portrait in fixtures/images,
saved as a phone would (most deliberately non-compliant, for the prepare step to fix); the ID cards,
student cards, diploma and certificate are drawn and stamped 样本 SAMPLE.
"""

from __future__ import annotations

import shutil
import sys
import time
from datetime import date
from pathlib import Path

from PIL import Image, ImageDraw, ImageFont, ImageOps

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "src"))

from portal_bot.profiles.checks import credit_check_char  # noqa: E402
from portal_bot.profiles.idcard import check_char  # noqa: E402

OUT = ROOT / "profiles" / "sample-cohort"
SOURCE = ROOT / "fixtures" / "images" / "astronaut.png"
FONT_CANDIDATES = (
    "/usr/share/fonts/opentype/noto/NotoSansCJK-Regular.ttc",
    "/usr/share/fonts/opentype/noto/NotoSansCJK-Bold.ttc",
    "/System/Library/Fonts/PingFang.ttc",
    "C:/Windows/Fonts/msyh.ttc",
)


def font(size: int) -> ImageFont.FreeTypeFont | ImageFont.ImageFont:
    for candidate in FONT_CANDIDATES:
        if Path(candidate).exists():
            return ImageFont.truetype(candidate, size)
    print("warning: no CJK font found; Chinese text will not render", file=sys.stderr)
    return ImageFont.load_default()


def id_number(first17: str) -> str:
    return first17 + check_char(first17)


def credit_code(first17: str) -> str:
    return first17 + credit_check_char(first17)


PEOPLE = [
    {
        "slug": "wang-xiaoming",
        "name": "王小明",
        "id": id_number("33010620040315031"),
        "phone": "138 0571 0001",
        "address": "浙江省杭州市西湖区示例路1号",
        "photo": "jpeg-compliant",
    },
    {
        "slug": "chen-yutong",
        "name": "陈雨桐",
        "id": id_number("33052120050822024"),
        "phone": "+86 139-0571-0002",
        "address": "浙江省湖州市德清县样本街2号",
        "photo": "png",
    },
    {
        "slug": "liu-zihan",
        "name": "刘子涵",
        "id": id_number("33078220041109053"),
        "phone": "13705710003",
        "address": "浙江省金华市义乌市演示大道3号",
        "photo": "exif-rotated",
    },
    {
        "slug": "zhao-jing",
        "name": "赵静",
        "id": id_number("33010219900607004"),
        "phone": "136 0571 0004",
        "address": "浙江省杭州市上城区虚构巷4号",
        "photo": "square",
    },
    {
        "slug": "sun-haoran",
        "name": "孙浩然",
        "id": id_number("33021119950218011"),
        "phone": "135 0571 0005",
        "address": "浙江省宁波市镇海区样例路5号",
        "photo": "landscape",
    },
]
EMPLOYER_CODE = credit_code("91330106MA2H3K5L7")
EMPLOYER_CODE_2 = credit_code("91330211MA2J8P4Q1")


def sample_stamp(img: Image.Image) -> None:
    """A diagonal 样本 SAMPLE watermark across the picture."""
    layer = Image.new("RGBA", img.size, (0, 0, 0, 0))
    draw = ImageDraw.Draw(layer)
    size = max(24, img.width // 9)
    f = font(size)
    for y in range(-img.height, img.height * 2, size * 3):
        draw.text((img.width // 8, y), "样本 SAMPLE  样本 SAMPLE", font=f, fill=(220, 0, 0, 90))
    rotated = layer.rotate(25, center=(img.width // 2, img.height // 2))
    img.paste(rotated, (0, 0), rotated)


def card(size: tuple[int, int], title: str, lines: list[str], color: tuple[int, int, int]) -> Image.Image:
    img = Image.new("RGB", size, (246, 246, 240))
    draw = ImageDraw.Draw(img)
    draw.rectangle((0, 0, size[0] - 1, 70), fill=color)
    draw.text((24, 14), title, font=font(34), fill=(255, 255, 255))
    f = font(26)
    for i, text in enumerate(lines):
        draw.text((32, 100 + i * 46), text, font=f, fill=(30, 30, 30))
    draw.rectangle((0, 0, size[0] - 1, size[1] - 1), outline=color, width=4)
    sample_stamp(img)
    return img


def portrait() -> Image.Image:
    return Image.open(SOURCE).convert("RGB")


def tint(img: Image.Image, rgb: tuple[int, int, int], amount: float) -> Image.Image:
    return Image.blend(img, Image.new("RGB", img.size, rgb), amount)


def make_photo(kind: str, folder: Path, slug: str) -> str:
    src = portrait()
    exif = Image.Exif()
    exif[0x010F] = "SamplePhone"  # Make
    exif[0x0110] = "SP-1 (sample)"  # Model
    if kind == "jpeg-compliant":
        img = src.crop((96, 0, 416, 427)).resize((390, 520), Image.Resampling.LANCZOS)
        name = f"{slug}.jpg"
        img.save(folder / name, "JPEG", quality=90, exif=exif)
    elif kind == "png":
        img = ImageOps.mirror(src.crop((80, 0, 440, 480))).resize((330, 440), Image.Resampling.LANCZOS)
        name = f"{slug}.png"
        img.save(folder / name, "PNG", optimize=True)
    elif kind == "exif-rotated":
        upright = tint(src.crop((72, 0, 456, 512)), (255, 200, 150), 0.12).resize((720, 960))
        stored = upright.rotate(90, expand=True)  # what the sensor wrote; EXIF says "rotate 90° CW"
        exif[0x0112] = 6
        name = f"{slug}.jpg"
        stored.save(folder / name, "JPEG", quality=80, exif=exif)
    elif kind == "square":
        img = tint(src, (150, 190, 255), 0.15).resize((600, 600))
        name = f"{slug}.jpg"
        img.save(folder / name, "JPEG", quality=85, exif=exif)
    else:  # landscape: large enough, but 4:3 across instead of ~5:7 upright (a too-small photo is a
        # test fixture, fixtures/images/too-small.jpg, so the sample cohort prepares clean)
        img = src.crop((0, 0, 512, 384)).resize((1200, 900), Image.Resampling.LANCZOS)
        name = f"{slug}.jpg"
        img.save(folder / name, "JPEG", quality=88, exif=exif)
    return f"photos/{name}"


def id_card_pictures(person: dict[str, str], folder: Path) -> list[str]:
    number = person["id"]
    born = date(int(number[6:10]), int(number[10:12]), int(number[12:14]))
    sex = "男" if int(number[16]) % 2 else "女"
    front = card(
        (856, 540),
        "居民身份证（样本）",
        [
            f"姓名  {person['name']}",
            f"性别  {sex}    民族  汉",
            f"出生  {born.year}年{born.month}月{born.day}日",
            f"住址  {person['address']}",
            f"公民身份号码  {number}",
        ],
        (40, 90, 160),
    )
    face = portrait().crop((96, 0, 416, 427)).resize((180, 240))
    front.paste(face, (640, 160))
    back = card(
        (856, 540),
        "中华人民共和国 居民身份证（样本）",
        [
            "签发机关  示例市公安局示例分局",
            "有效期限  2021.01.01-2031.01.01",
            "",
            "本证件为演示样本，不具任何效力",
        ],
        (40, 90, 160),
    )
    names = [f"{person['slug']}-id-front.jpg", f"{person['slug']}-id-back.jpg"]
    front.save(folder / names[0], "JPEG", quality=70)
    back.save(folder / names[1], "JPEG", quality=70)
    return [f"materials/{n}" for n in names]


def student_card(person: dict[str, str], folder: Path) -> str:
    img = card(
        (856, 540),
        "学生证（样本）示例职业技术学院",
        [
            f"姓名  {person['name']}",
            "专业  环境工程技术",
            "学号  S2022" + person["id"][-4:],
            "入学  2022年9月",
        ],
        (20, 120, 80),
    )
    name = f"{person['slug']}-student-card.jpg"
    img.save(folder / name, "JPEG", quality=70)
    return f"materials/{name}"


def diploma(person: dict[str, str], folder: Path) -> str:
    img = card(
        (1000, 700),
        "毕业证书（样本）",
        [
            f"学生 {person['name']}",
            "于示例大学环境科学专业",
            "修完本科全部课程，准予毕业。",
            "示例大学  2012年6月30日",
        ],
        (150, 30, 30),
    )
    name = f"{person['slug']}-diploma.jpg"
    img.save(folder / name, "JPEG", quality=70)
    return f"materials/{name}"


def certificate_pdf(person: dict[str, str], folder: Path) -> str:
    img = card(
        (1000, 700),
        "职业技能等级证书（样本）",
        [
            f"姓名 {person['name']}",
            "职业(工种) 碳排放管理员（碳排放核算员）",
            "等级 五级/初级工",
            "证书编号 S000000000000001",
            "发证机构 示例职业技能等级认定中心  2020年6月30日",
        ],
        (120, 80, 20),
    )
    name = f"{person['slug']}-certificate.pdf"
    fixed = time.gmtime(1709251200)  # 2024-03-01: a fixed date keeps the file byte-for-byte reproducible
    img.save(folder / name, "PDF", resolution=100.0, title="样本 SAMPLE", creationDate=fixed, modDate=fixed)
    return f"materials/{name}"


COHORT_YAML = """\
# Sample cohort: five fictional candidates for the guide's plan. Regenerate with
#   python scripts/make_sample_cohort.py
plan:
  organization: 浙江省生态与环境修复技术协会
  plan_code: 2024-S-000911
  level: 中级工

# Every candidate gets these unless their own file says otherwise.
defaults:
  id_type: 身份证
  education: 大专
  category: 院校学生
  employer: null          # 无工作单位
  years_in_occupation: 0
  post: 无
  dispatched: false
  technical_school_student: false
  promotion: null         # 是否晋级申报: 否
  subjects: [理论考试, 实操考试]
  application_method: 常规申报
  eligibility: [3]
  account: {method: qr}   # log in by scanning with the 浙里办 app
"""


def candidate_yaml(person: dict[str, str], photo: str, materials: list[str], extra: str = "") -> str:
    lines = [
        f"# {person['name']} (fictional sample candidate)",
        f"name: {person['name']}",
        f"id_number: '{person['id']}'",
        f"phone: {person['phone']}",
        f"address: {person['address']}",
        f"photo: {photo}",
        "materials:",
        *(f"  - {m}" for m in materials),
    ]
    return "\n".join(lines) + "\n" + extra


def main() -> None:
    if OUT.exists():
        shutil.rmtree(OUT)
    photos, materials = OUT / "photos", OUT / "materials"
    photos.mkdir(parents=True)
    materials.mkdir()
    (OUT / "cohort.yaml").write_text(COHORT_YAML, encoding="utf-8")
    for seq, person in enumerate(PEOPLE, start=1):
        photo = make_photo(person["photo"], photos, person["slug"])
        files = id_card_pictures(person, materials)
        extra = ""
        if seq <= 3:
            files.append(student_card(person, materials))
        elif seq == 4:
            files.append(diploma(person, materials))
            extra = (
                "education: 大学\n"
                "category: 社会人员\n"
                "employer: 杭州示例环境科技有限公司\n"
                f"credit_code: {EMPLOYER_CODE}\n"
                "years_in_occupation: 6\n"
                "post: 碳排放核算专员\n"
                "eligibility: [1]\n"
                "account:\n"
                "  username: sample_zhaojing\n"
                "  password_env: PORTAL_BOT_PASSWORD_ZHAOJING\n"
            )
        else:
            files.append(diploma(person, materials))
            evidence = certificate_pdf(person, materials)
            extra = (
                "education: 大学\n"
                "category: 企业职工\n"
                "employer: 宁波示例低碳服务有限公司\n"
                f"credit_code: {EMPLOYER_CODE_2}\n"
                "years_in_occupation: 4\n"
                "post: 环境监测员\n"
                "eligibility: [2]\n"
                "promotion:             # 是否晋级申报: 是\n"
                "  certificate_type: 技能等级认定证书\n"
                "  occupation: 碳排放管理员（碳排放核算员）\n"
                "  number: S000000000000001\n"
                "  level: 初级工\n"
                "  issued_on: 2020-06-30\n"
                "  issuer: 示例职业技能等级认定中心\n"
                f"  evidence: {evidence}\n"
            )
        name = f"{seq:03d}-{person['id'][-4:]}.yaml"
        (OUT / name).write_text(candidate_yaml(person, photo, files, extra), encoding="utf-8")
    for path in sorted(OUT.rglob("*")):
        if path.is_file():
            print(f"{path.stat().st_size:>8}  {path.relative_to(ROOT)}")


if __name__ == "__main__":
    main()
