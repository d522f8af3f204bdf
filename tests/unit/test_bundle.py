"""bundle_pdf: order, A4 pages, the ID pair, the byte budget, and refusing bad PDFs by name."""

from __future__ import annotations

import hashlib
import io
from pathlib import Path

import numpy as np
import pytest
from PIL import Image
from pypdf import PdfReader, PdfWriter

from portal_bot.documents.bundle import A4, bundle_pdf
from portal_bot.errors import ConfigError, DocumentError
from tests import docfactory as f


def _colour(rgb: tuple[int, int, int], size: tuple[int, int] = (1200, 900)) -> Image.Image:
    return f.noisy(Image.new("RGB", size, rgb), 3)


def _page_images(reader: PdfReader, index: int) -> list[Image.Image]:
    return [image.image for image in reader.pages[index].images]


def _mean(image: Image.Image) -> tuple[float, ...]:
    return tuple(np.asarray(image.convert("RGB"), dtype=np.float64).reshape(-1, 3).mean(axis=0))


def _read(path: Path) -> PdfReader:
    return PdfReader(io.BytesIO(path.read_bytes()))


def test_order_is_kept_and_pages_add_up(tmp_path: Path) -> None:
    red = f.save(_colour((220, 30, 30)), tmp_path / "red.jpg")
    pdf = f.pdf_of_pages(tmp_path / "two.pdf", [(300, 400), (400, 300)])
    blue = f.save(_colour((30, 30, 220), (900, 1200)), tmp_path / "blue.png", "PNG")
    out = tmp_path / "bundle.pdf"
    result = bundle_pdf([red, pdf, blue], out)
    reader = _read(out)
    assert len(reader.pages) == result.pages == 4
    assert not reader.is_encrypted
    assert _mean(_page_images(reader, 0)[0])[0] > 150  # red first
    assert [float(reader.pages[i].mediabox.width) for i in (1, 2)] == [300, 400]  # the PDF's pages
    assert _mean(_page_images(reader, 3)[0])[2] > 150  # blue last
    # Pictures sit on A4: landscape for the landscape picture, portrait for the portrait one.
    first = reader.pages[0].mediabox
    assert (float(first.width), float(first.height)) == pytest.approx((A4[1], A4[0]), abs=0.01)
    assert float(reader.pages[3].mediabox.height) == pytest.approx(A4[1], abs=0.01)
    assert result.sha256 == hashlib.sha256(out.read_bytes()).hexdigest()
    assert result.bytes == out.stat().st_size
    assert [i.pages for i in result.inputs] == [1, 2, 1]
    assert [i.kind for i in result.inputs] == ["image", "pdf", "image"]


def test_image_pages_draw_their_picture(tmp_path: Path) -> None:
    src = f.save(_colour((10, 200, 10)), tmp_path / "green.jpg")
    out = tmp_path / "b.pdf"
    bundle_pdf([src], out)
    page = _read(out).pages[0]
    content = page.get_contents()
    assert content is not None and b"Do" in content.get_data()
    assert _mean(page.images[0].image)[1] > 150


def test_id_pair_puts_front_and_back_on_one_page(tmp_path: Path) -> None:
    front = f.save(_colour((220, 30, 30), (856, 540)), tmp_path / "front.jpg")
    back = f.save(_colour((30, 30, 220), (856, 540)), tmp_path / "back.jpg")
    diploma = f.save(_colour((200, 200, 200), (900, 1200)), tmp_path / "diploma.jpg")
    out = tmp_path / "b.pdf"
    result = bundle_pdf([front, back, diploma], out, id_pair=True)
    reader = _read(out)
    assert len(reader.pages) == result.pages == 2
    first = _page_images(reader, 0)
    assert len(first) == 2
    assert [i.pages for i in result.inputs] == [1, 0, 1]
    means = sorted(_mean(image) for image in first)
    assert means[0][2] > 150 and means[1][0] > 150  # one blue, one red


def test_id_pair_needs_two_pictures_first(tmp_path: Path) -> None:
    pdf = f.pdf_of_pages(tmp_path / "a.pdf", [(595, 842)])
    picture = f.save(_colour((1, 2, 3)), tmp_path / "a.jpg")
    with pytest.raises(ConfigError, match="id-pair"):
        bundle_pdf([pdf, picture], tmp_path / "b.pdf", id_pair=True)


def test_big_photos_are_scaled_to_the_page(tmp_path: Path) -> None:
    big = f.save(
        f.noisy(Image.new("RGB", (4000, 3000), (120, 140, 160)), 8), tmp_path / "big.jpg", quality=90
    )
    out = tmp_path / "b.pdf"
    result = bundle_pdf([big], out)
    image = _page_images(_read(out), 0)[0]
    assert max(image.size) <= 2400  # about 200 dpi across A4, not the 4000 pixels of the photo
    assert result.bytes < big.stat().st_size


def _noisy_pdf(path: Path, pages: int = 3) -> Path:
    images = [f.noisy(Image.new("RGB", (1240, 1754), (200, 190, 180)), 25, seed=i) for i in range(pages)]
    return f.pdf_of_images(path, images, resolution=150, quality=95)


def test_oversized_pdf_is_recompressed_to_fit(tmp_path: Path) -> None:
    heavy = _noisy_pdf(tmp_path / "heavy.pdf")
    budget = heavy.stat().st_size // 3
    out = tmp_path / "b.pdf"
    result = bundle_pdf([heavy], out, max_bytes=budget)
    assert result.bytes <= budget
    assert result.recompressed_pdfs
    reader = _read(out)
    assert len(reader.pages) == 3
    image = _page_images(reader, 1)[0]
    assert abs(_mean(image)[0] - 200) < 12  # still the same picture, only smaller


def test_budget_that_cannot_be_met_is_refused_and_nothing_written(tmp_path: Path) -> None:
    heavy = _noisy_pdf(tmp_path / "heavy.pdf", pages=2)
    out = tmp_path / "b.pdf"
    out.write_bytes(b"previous bundle")
    with pytest.raises(DocumentError, match="cannot fit under 10,000 bytes") as caught:
        bundle_pdf([heavy], out, max_bytes=10_000)
    assert "heavy.pdf" in str(caught.value) and "\n" not in str(caught.value)
    assert out.read_bytes() == b"previous bundle"
    assert [p.name for p in tmp_path.iterdir() if p.name.endswith(".tmp")] == []


def test_owner_password_only_pdf_is_opened_and_output_is_not_encrypted(tmp_path: Path) -> None:
    writer = PdfWriter()
    writer.add_blank_page(width=595, height=842)
    writer.encrypt(user_password="", owner_password="owner-secret", algorithm="AES-256")
    locked = tmp_path / "locked.pdf"
    with locked.open("wb") as handle:
        writer.write(handle)
    assert PdfReader(locked).is_encrypted
    out = tmp_path / "b.pdf"
    assert bundle_pdf([locked], out).pages == 1
    assert not _read(out).is_encrypted


def _encrypted(path: Path) -> Path:
    writer = PdfWriter()
    writer.add_blank_page(width=595, height=842)
    writer.encrypt(user_password="1234", owner_password="owner", algorithm="AES-128")
    with path.open("wb") as handle:
        writer.write(handle)
    return path


def _zero_pages(path: Path) -> Path:
    with path.open("wb") as handle:
        PdfWriter().write(handle)
    return path


def _garbage(path: Path) -> Path:
    path.write_bytes(b"%PDF-1.7\n" + bytes(range(256)) * 20)
    return path


def _truncated(path: Path) -> Path:
    good = _noisy_pdf(path.with_name("whole.pdf"), pages=2).read_bytes()
    path.write_bytes(good[: len(good) // 3])
    return path


@pytest.mark.parametrize(
    ("make", "words"),
    [
        (_encrypted, "password"),
        (_zero_pages, "no pages"),
        (_garbage, "corrupt"),
        (_truncated, "corrupt"),
        (lambda p: p.write_text("名单", encoding="utf-8") and p, "not an image or PDF"),
        (lambda p: p, "not found"),
    ],
    ids=["encrypted", "zero-pages", "garbage", "truncated", "text", "missing"],
)
def test_bad_inputs_are_refused_by_name(tmp_path: Path, make, words: str) -> None:  # type: ignore[no-untyped-def]
    good = f.save(_colour((100, 100, 100)), tmp_path / "good.jpg")
    bad = make(tmp_path / "材料-bad.pdf")
    out = tmp_path / "b.pdf"
    with pytest.raises(DocumentError) as caught:
        bundle_pdf([good, bad], out)
    message = str(caught.value)
    assert words in message and "材料-bad.pdf" in message and "\n" not in message
    assert not out.exists()


@pytest.mark.parametrize(
    ("kwargs", "words"),
    [({"max_bytes": 20_000_000}, "max-bytes"), ({"max_bytes": 5}, "max-bytes")],
)
def test_bad_options(tmp_path: Path, kwargs: dict[str, int], words: str) -> None:
    src = f.save(_colour((1, 2, 3)), tmp_path / "a.jpg")
    with pytest.raises(ConfigError, match=words):
        bundle_pdf([src], tmp_path / "b.pdf", **kwargs)
    with pytest.raises(ConfigError):
        bundle_pdf([], tmp_path / "b.pdf")
    with pytest.raises(ConfigError):
        bundle_pdf([src], tmp_path / "b.jpg")


def test_photos_with_exif_and_alpha_are_placed_upright_on_white(tmp_path: Path) -> None:
    rotated = f.exif_rotated(f.portrait((600, 800)), tmp_path / "rotated.jpg")
    rgba = _colour((200, 30, 30), (600, 800)).convert("RGBA")
    rgba.putalpha(0)
    clear = f.save(rgba, tmp_path / "clear.png", "PNG")
    out = tmp_path / "b.pdf"
    bundle_pdf([rotated, clear], out)
    reader = _read(out)
    first = _page_images(reader, 0)[0]
    assert first.height > first.width  # turned upright: portrait again
    assert min(_mean(_page_images(reader, 1)[0])) > 240  # fully transparent → white


def test_greyscale_scans_stay_greyscale(tmp_path: Path) -> None:
    scan = f.save(f.noisy(Image.new("L", (1240, 1754), 230), 10), tmp_path / "scan.png", "PNG")
    out = tmp_path / "b.pdf"
    bundle_pdf([scan], out)
    image = _read(out).pages[0].images[0]
    assert image.image.mode == "L"


def _scripted_pdf(path: Path) -> Path:
    """A page with /AA, a link running JavaScript, a widget with /AA and a harmless URI link."""
    from pypdf.generic import ArrayObject, DictionaryObject, NameObject, NumberObject, TextStringObject

    def js(code: str) -> DictionaryObject:
        return DictionaryObject(
            {NameObject("/S"): NameObject("/JavaScript"), NameObject("/JS"): TextStringObject(code)}
        )

    def annot(subtype: str, **extra: object) -> DictionaryObject:
        data = DictionaryObject(
            {
                NameObject("/Type"): NameObject("/Annot"),
                NameObject("/Subtype"): NameObject(subtype),
                NameObject("/Rect"): ArrayObject([NumberObject(n) for n in (10, 10, 100, 40)]),
            }
        )
        for key, value in extra.items():
            data[NameObject(f"/{key}")] = value  # type: ignore[assignment]
        return data

    writer = PdfWriter()
    page = writer.add_blank_page(width=595, height=842)
    page[NameObject("/AA")] = DictionaryObject({NameObject("/O"): js("app.alert('page open')")})
    uri = DictionaryObject(
        {NameObject("/S"): NameObject("/URI"), NameObject("/URI"): TextStringObject("https://example.org/")}
    )
    chained = DictionaryObject(
        {
            NameObject("/S"): NameObject("/URI"),
            NameObject("/URI"): TextStringObject("https://example.org/"),
            NameObject("/Next"): js("app.alert('chained')"),
        }
    )
    annots = [
        annot("/Link", A=js("app.alert('link')")),
        annot("/Widget", AA=DictionaryObject({NameObject("/E"): js("app.alert('enter')")})),
        annot("/Link", A=chained),
        annot("/Link", A=uri),
    ]
    page[NameObject("/Annots")] = ArrayObject([writer._add_object(a) for a in annots])
    writer._root_object[NameObject("/OpenAction")] = js("app.alert('document open')")
    with path.open("wb") as handle:
        writer.write(handle)
    assert b"JavaScript" in path.read_bytes()
    return path


def test_page_and_annotation_javascript_is_stripped(tmp_path: Path) -> None:
    out = tmp_path / "b.pdf"
    bundle_pdf([_scripted_pdf(tmp_path / "scripted.pdf")], out)
    data = out.read_bytes()
    assert b"JavaScript" not in data and b"app.alert" not in data
    page = _read(out).pages[0]
    assert "/AA" not in page
    annots = [a.get_object() for a in page["/Annots"]]
    assert [("/A" in a, "/AA" in a) for a in annots] == [(False, False)] * 3 + [(True, False)]
    assert annots[3]["/A"]["/URI"] == "https://example.org/"  # a plain link stays a link
