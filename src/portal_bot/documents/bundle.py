"""One PDF from many inputs, under the site's 20 MB limit: 其他材料PDF扫描件 and 原证书佐证材料.

``bundle_pdf`` keeps the order it is given. Every picture becomes one A4 page (or, with ``id_pair``,
the first two pictures — ID card front and back — share the first page); every PDF is appended page
by page. The result must stay under ``max_bytes``: a ladder of (resolution, JPEG quality) steps is
tried from the sharpest down, and from the second step on the pictures inside imported PDFs are
recompressed too, until the bundle fits; when even the last step is too large, the bundle is refused
with the sizes involved. The output is re-opened and checked (page count, not encrypted) before it
is moved into place atomically.

Only pages are copied, so document-level actions (``/OpenAction``, ``/Names`` JavaScript) never
reach the bundle; page-level ones are stripped too (:func:`_strip_actions`): ``/AA`` and ``/JS`` on
pages and annotations, and annotation actions other than going to a page, a named page or a URL.

Encrypted PDFs are opened with an empty password when that works (owner-password-only files from
scanner apps); anything else encrypted, corrupt or empty is refused, naming the file. This module
must never write a bundle it has not re-read, and never use pypdf's ``compress_identical_objects``
together with ``compress_content_streams`` (pypdf issue #4111: page content silently lost).
"""

from __future__ import annotations

import hashlib
import io
import logging
import warnings
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Literal

from loguru import logger
from PIL import Image
from pydantic import BaseModel, ConfigDict
from pypdf import PasswordType, PdfReader, PdfWriter
from pypdf.errors import DependencyError
from pypdf.generic import (
    ArrayObject,
    DecodedStreamObject,
    DictionaryObject,
    NameObject,
    NumberObject,
    StreamObject,
)

from portal_bot.documents.files import IMAGE_KINDS, atomic_write, describe, read_input, sniff
from portal_bot.documents.images import decode, fit_size, upright_size
from portal_bot.errors import ConfigError, DocumentError
from portal_bot.i18n import S_

# pypdf logs repairable damage ("EOF marker not found") through the logging module; with no
# handler configured Python would print it to stderr beside our one-line error.
logging.getLogger("pypdf").addHandler(logging.NullHandler())

SITE_LIMIT = 20_000_000  # "< 20 MB", read the strict way
DEFAULT_MAX_BYTES = 19_000_000
A4 = (595.276, 841.890)  # points
MARGIN = 28.35  # 10 mm
#: (dpi, JPEG quality, recompress pictures inside imported PDFs), sharpest first.
LEVELS: tuple[tuple[int, int, bool], ...] = (
    (200, 80, False),
    (150, 80, True),
    (150, 65, True),
    (120, 55, True),
    (100, 45, True),
    (72, 35, True),
)
_RECOMPRESSIBLE_FILTERS = {"/DCTDecode", "/FlateDecode"}
_RECOMPRESSIBLE_SPACES = {"/DeviceRGB", "/DeviceGray", "/ICCBased"}


class BundleInput(BaseModel):
    """One input of a bundle, as it went in."""

    model_config = ConfigDict(extra="forbid")

    path: str
    kind: Literal["image", "pdf"]
    pages: int  # pages it contributes (the ID back shares the front's page with id_pair)
    bytes: int


class BundleResult(BaseModel):
    """What ``bundle_pdf`` wrote."""

    model_config = ConfigDict(extra="forbid")

    path: str
    pages: int
    bytes: int
    sha256: str
    dpi: int
    quality: int
    recompressed_pdfs: bool
    inputs: list[BundleInput]


@dataclass
class _Source:
    path: Path
    size: int
    image: Image.Image | None = None
    reader: PdfReader | None = None

    @property
    def pages(self) -> int:
        return 1 if self.reader is None else len(self.reader.pages)


@dataclass
class _Cache:
    """Encoded pictures, so each ladder step only encodes what changed."""

    pictures: dict[tuple[int, tuple[int, int], int], bytes] = field(default_factory=dict)
    # (sha1 of the stream, pixel cap, quality) → (JPEG, mode, size)
    pdf_images: dict[tuple[bytes, float, int], tuple[bytes, str, tuple[int, int]]] = field(
        default_factory=dict
    )


def bundle_pdf(
    inputs: Sequence[Path],
    out: Path,
    *,
    max_bytes: int = DEFAULT_MAX_BYTES,
    id_pair: bool = False,
) -> BundleResult:
    """Bundle pictures and PDFs, in order, into one PDF of at most ``max_bytes`` at ``out``.

    Args:
        inputs: pictures (JPEG, PNG, WebP, HEIC, …) and PDFs, in the order wanted.
        out: the PDF to write (atomically).
        max_bytes: the size budget; the site's own limit is 20 MB.
        id_pair: put the first two inputs (pictures: ID card front and back) on one page.

    Raises:
        DocumentError: an input is missing, not a picture or PDF, encrypted, corrupt or empty (the
            error names it), or the bundle cannot be made small enough.
        ConfigError: no inputs, a bad budget, an output not ending in .pdf, or id_pair without two
            pictures first.
    """
    if not inputs:
        raise ConfigError(S_("nothing to bundle: give at least one picture or PDF"))
    if out.suffix.lower() != ".pdf":
        raise ConfigError(S_("the output must end in .pdf"), path=out)
    if not 10_000 <= max_bytes < SITE_LIMIT:
        raise ConfigError(
            S_("--max-bytes must be between 10,000 and {:,} (the site's limit)").format(SITE_LIMIT - 1)
        )
    sources = [_load(Path(p), pair_half=id_pair and i < 2) for i, p in enumerate(inputs)]
    if id_pair and (len(sources) < 2 or sources[0].image is None or sources[1].image is None):
        raise ConfigError(S_("--id-pair needs the ID card front and back pictures as the first two inputs"))
    expected = sum(s.pages for s in sources) - (1 if id_pair else 0)
    cache = _Cache()
    smallest: tuple[int, int, int] | None = None
    for dpi, quality, recompress in LEVELS:
        data = _build(sources, dpi=dpi, quality=quality, recompress=recompress, id_pair=id_pair, cache=cache)
        logger.debug("bundle at {} dpi, quality {}: {:,} bytes", dpi, quality, len(data))
        if len(data) <= max_bytes:
            break
        if smallest is None or len(data) < smallest[0]:
            smallest = (len(data), dpi, quality)
    else:
        assert smallest is not None
        biggest = max(sources, key=lambda s: s.size)
        raise DocumentError(
            S_(
                "cannot fit under {:,} bytes: the smallest bundle was {:,} bytes at {} dpi, JPEG quality {};"
                " the largest input is {} ({:,} bytes)"
            ).format(max_bytes, smallest[0], smallest[1], smallest[2], biggest.path, biggest.size),
            path=out,
            hint=S_("split the materials, or scan them at a lower resolution"),
        )
    _verify(data, expected, out)
    atomic_write(out, data)
    contributed = [s.pages for s in sources]
    if id_pair:
        contributed[1] = 0
    return BundleResult(
        path=str(out),
        pages=expected,
        bytes=len(data),
        sha256=hashlib.sha256(data).hexdigest(),
        dpi=dpi,
        quality=quality,
        recompressed_pdfs=recompress and any(s.reader is not None for s in sources),
        inputs=[
            BundleInput(
                path=str(s.path),
                kind="image" if s.reader is None else "pdf",
                pages=n,
                bytes=s.size,
            )
            for s, n in zip(sources, contributed, strict=True)
        ],
    )


# --- inputs ------------------------------------------------------------------------------------


def _area(size: tuple[int, int], *, pair_half: bool) -> tuple[float, float]:
    """The printable box (points) a picture of ``size`` gets: its own A4 page, or half of one."""
    if pair_half:
        return A4[0] - 2 * MARGIN, (A4[1] - 3 * MARGIN) / 2
    page = (A4[1], A4[0]) if size[0] > size[1] else A4
    return page[0] - 2 * MARGIN, page[1] - 2 * MARGIN


def _load(path: Path, *, pair_half: bool) -> _Source:
    data = read_input(path)
    kind = sniff(data[:1024])
    if kind == "PDF":
        return _Source(path, len(data), reader=_open_pdf(data, path))
    if kind not in IMAGE_KINDS:
        raise DocumentError(
            S_("is {}").format(describe(data[:16])), path=path, hint=S_("give pictures or PDFs")
        )
    top_dpi = LEVELS[0][0]
    size = upright_size(data, kind, path)
    box = _area(size, pair_half=pair_half)
    fitted = fit_size(size, (box[0] / 72 * top_dpi, box[1] / 72 * top_dpi))
    decoded = decode(data, kind, path, min_scale=fitted[0] / size[0], keep_grey=True)
    for note in decoded.warnings:
        logger.warning("{}: {}", path, note)
    return _Source(path, len(data), image=decoded.image)


def _open_pdf(data: bytes, path: Path) -> PdfReader:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # pypdf warns about repairable damage; we judge below
        try:
            reader = PdfReader(io.BytesIO(data), strict=False)
            if reader.is_encrypted:
                try:
                    result = reader.decrypt("")
                except (DependencyError, NotImplementedError) as exc:
                    raise DocumentError(
                        S_("is encrypted in a way portal-bot cannot open ({})").format(exc),
                        path=path,
                        hint=S_("print it to a new PDF without protection"),
                    ) from exc
                if result == PasswordType.NOT_DECRYPTED:
                    raise DocumentError(
                        S_("is protected by a password"),
                        path=path,
                        hint=S_("ask for a copy without a password, or print it to a new PDF"),
                    )
            count = len(reader.pages)
            for page in reader.pages:
                _box = page.mediabox
                contents = page.get_contents()
                if contents is not None:
                    contents.get_data()
        except DocumentError:
            raise
        except Exception as exc:  # noqa: BLE001 - pypdf raises many kinds of errors on broken files
            raise DocumentError(
                S_("is a corrupt PDF that cannot be read ({})")
                .format(f"{type(exc).__name__}: {exc}")
                .replace("\n", " "),
                path=path,
                hint=S_("export or scan it again"),
            ) from exc
    if count == 0:
        raise DocumentError(S_("is a PDF with no pages"), path=path, hint=S_("export or scan it again"))
    return reader


# --- building ----------------------------------------------------------------------------------


def _jpeg(image: Image.Image, quality: int) -> bytes:
    buf = io.BytesIO()
    image.save(buf, "JPEG", quality=quality, optimize=True, progressive=False)
    return buf.getvalue()


def _scaled_jpeg(
    image: Image.Image, box_px: tuple[float, float], quality: int, cache: _Cache
) -> tuple[bytes, tuple[int, int]]:
    size = fit_size(image.size, box_px)
    if image.width <= size[0] * 1.1:
        size = image.size  # a resampling pass to save under 10 % of the pixels is not worth its time
    key = (id(image), size, quality)
    if key not in cache.pictures:
        scaled = image
        if size != image.size:
            scaled = image.resize(size, Image.Resampling.LANCZOS, reducing_gap=3.0)
        cache.pictures[key] = _jpeg(scaled, quality)
    return cache.pictures[key], size


def _image_page(
    writer: PdfWriter,
    placements: list[tuple[Image.Image, tuple[float, float, float, float]]],
    page_size: tuple[float, float],
    *,
    dpi: int,
    quality: int,
    cache: _Cache,
) -> None:
    """A page showing each picture centred in its box (x, y, w, h in points, origin bottom-left)."""
    page = writer.add_blank_page(width=page_size[0], height=page_size[1])
    xobjects = DictionaryObject()
    commands = []
    for number, (image, (bx, by, bw, bh)) in enumerate(placements):
        jpeg, (pw, ph) = _scaled_jpeg(image, (bw / 72 * dpi, bh / 72 * dpi), quality, cache)
        stream = DecodedStreamObject()
        stream._data = jpeg  # already DCT-encoded: written as is
        stream.update(
            {
                NameObject("/Type"): NameObject("/XObject"),
                NameObject("/Subtype"): NameObject("/Image"),
                NameObject("/Width"): NumberObject(pw),
                NameObject("/Height"): NumberObject(ph),
                NameObject("/ColorSpace"): NameObject("/DeviceGray" if image.mode == "L" else "/DeviceRGB"),
                NameObject("/BitsPerComponent"): NumberObject(8),
                NameObject("/Filter"): NameObject("/DCTDecode"),
            }
        )
        name = f"/Im{number}"
        xobjects[NameObject(name)] = writer._add_object(stream)  # pypdf has no public add_object
        scale = min(bw / pw, bh / ph)
        dw, dh = pw * scale, ph * scale
        x, y = bx + (bw - dw) / 2, by + (bh - dh) / 2
        commands.append(f"q {dw:.3f} 0 0 {dh:.3f} {x:.3f} {y:.3f} cm {name} Do Q")
    page[NameObject("/Resources")] = DictionaryObject({NameObject("/XObject"): xobjects})
    content = DecodedStreamObject()
    content.set_data("\n".join(commands).encode("ascii"))
    page[NameObject("/Contents")] = writer._add_object(content)


def _build(
    sources: list[_Source],
    *,
    dpi: int,
    quality: int,
    recompress: bool,
    id_pair: bool,
    cache: _Cache,
) -> bytes:
    writer = PdfWriter()
    start = 0
    if id_pair:
        front, back = sources[0].image, sources[1].image
        assert front is not None and back is not None
        half = (A4[1] - 3 * MARGIN) / 2
        width = A4[0] - 2 * MARGIN
        boxes = [(MARGIN, 2 * MARGIN + half, width, half), (MARGIN, MARGIN, width, half)]
        pair = list(zip((front, back), boxes, strict=True))
        _image_page(writer, pair, A4, dpi=dpi, quality=quality, cache=cache)
        start = 2
    for source in sources[start:]:
        if source.image is not None:
            landscape = source.image.width > source.image.height
            page_size = (A4[1], A4[0]) if landscape else A4
            box = (MARGIN, MARGIN, page_size[0] - 2 * MARGIN, page_size[1] - 2 * MARGIN)
            _image_page(writer, [(source.image, box)], page_size, dpi=dpi, quality=quality, cache=cache)
            continue
        assert source.reader is not None
        first = len(writer.pages)
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            try:
                for page in source.reader.pages:
                    _strip_actions(writer.add_page(page))
                if recompress:
                    for page in writer.pages[first:]:
                        _recompress_page(page, dpi=dpi, quality=quality, cache=cache)
            except Exception as exc:  # noqa: BLE001 - pypdf raises many kinds of errors on broken files
                reason = f"{type(exc).__name__}: {exc}".replace("\n", " ")
                raise DocumentError(
                    S_("is a corrupt PDF that cannot be copied ({})").format(reason),
                    path=source.path,
                    hint=S_("export or scan it again"),
                ) from exc
    writer.add_metadata({"/Producer": "portal-bot"})
    buf = io.BytesIO()
    writer.write(buf)
    return buf.getvalue()


#: Annotation actions that only move the reader (to a page, a named page or a web address).
_SAFE_ACTIONS = frozenset({"/GoTo", "/Named", "/URI"})


def _safe_action(action: object) -> bool:
    """True when ``action`` and every action chained after it (``/Next``) is in :data:`_SAFE_ACTIONS`."""
    pending, seen = [action], 0
    while pending and seen < 64:  # /Next may loop in a hostile file
        seen += 1
        item = pending.pop()
        item = item.get_object() if hasattr(item, "get_object") else item
        if isinstance(item, ArrayObject):
            pending.extend(item)
            continue
        if not isinstance(item, DictionaryObject) or item.get("/S") not in _SAFE_ACTIONS or "/JS" in item:
            return False
        if "/Next" in item:
            pending.append(item["/Next"])
    return not pending


def _strip_actions(page: DictionaryObject) -> None:
    """Remove what runs when the page or one of its annotations is opened, shown or clicked."""
    for key in ("/AA", "/JS"):
        page.pop(NameObject(key), None)
    annots = page.get("/Annots")
    annots = annots.get_object() if annots is not None else None
    if not isinstance(annots, ArrayObject):
        return
    for ref in annots:
        annot = ref.get_object()
        if not isinstance(annot, DictionaryObject):
            continue
        for key in ("/AA", "/JS"):
            annot.pop(NameObject(key), None)
        if "/A" in annot and not _safe_action(annot["/A"]):
            del annot[NameObject("/A")]


def _images_in(resources: object, seen: set[int]) -> Iterator[StreamObject]:
    if not isinstance(resources, DictionaryObject):
        return
    xobjects = resources.get("/XObject")
    xobjects = xobjects.get_object() if xobjects is not None else None
    if not isinstance(xobjects, DictionaryObject):
        return
    for value in xobjects.values():
        obj = value.get_object()
        if not isinstance(obj, StreamObject) or id(obj) in seen:
            continue
        seen.add(id(obj))
        subtype = obj.get("/Subtype")
        if subtype == "/Image":
            yield obj
        elif subtype == "/Form":
            inner = obj.get("/Resources")
            yield from _images_in(inner.get_object() if inner is not None else None, seen)


def _recompressible(obj: StreamObject) -> bool:
    filters = obj.get("/Filter")
    filters = filters.get_object() if filters is not None else None
    names = list(filters) if isinstance(filters, ArrayObject) else [filters]
    space = obj.get("/ColorSpace")
    space = space.get_object() if space is not None else None
    space_name = space[0] if isinstance(space, ArrayObject) and space else space
    return (
        all(name in _RECOMPRESSIBLE_FILTERS for name in names)
        and not obj.get("/ImageMask", False)
        and not isinstance(obj.get("/Mask"), ArrayObject)
        and "/Decode" not in obj
        and obj.get("/BitsPerComponent") == 8
        and space_name in _RECOMPRESSIBLE_SPACES
    )


def _recompress_page(page: DictionaryObject, *, dpi: int, quality: int, cache: _Cache) -> None:
    """Downscale and re-encode the pictures of an imported page, in place, where that saves bytes."""
    box = page.get("/MediaBox")
    box = box.get_object() if box is not None else None
    long_points = A4[1]
    if isinstance(box, ArrayObject) and len(box) == 4:
        long_points = max(abs(float(box[2]) - float(box[0])), abs(float(box[3]) - float(box[1])))
    cap = long_points / 72 * dpi
    resources = page.get("/Resources")
    for obj in list(_images_in(resources.get_object() if resources is not None else None, set())):
        if not _recompressible(obj):
            continue
        key = (hashlib.sha1(obj._data).digest(), cap, quality)
        if key not in cache.pdf_images:
            image = obj.decode_as_image()
            if image.mode not in ("RGB", "L"):
                image = image.convert("RGB")
            scale = min(1.0, cap / max(image.size))
            if scale < 1.0:
                size = (max(1, round(image.width * scale)), max(1, round(image.height * scale)))
                image = image.resize(size, Image.Resampling.LANCZOS, reducing_gap=3.0)
            cache.pdf_images[key] = (_jpeg(image, quality), image.mode, image.size)
        jpeg, mode, size = cache.pdf_images[key]
        if len(jpeg) >= len(obj._data) * 0.9:
            continue
        obj._data = jpeg
        if hasattr(obj, "decoded_self"):
            obj.decoded_self = None
        obj[NameObject("/Filter")] = NameObject("/DCTDecode")
        obj[NameObject("/Width")] = NumberObject(size[0])
        obj[NameObject("/Height")] = NumberObject(size[1])
        obj[NameObject("/ColorSpace")] = NameObject("/DeviceGray" if mode == "L" else "/DeviceRGB")
        obj[NameObject("/BitsPerComponent")] = NumberObject(8)
        obj.pop(NameObject("/DecodeParms"), None)


def _verify(data: bytes, expected: int, out: Path) -> None:
    """Re-read the bundle before it replaces anything: readable, unencrypted, every page there."""
    try:
        with warnings.catch_warnings():
            # Lenient, like the site's own reader: imported pages may carry harmless quirks.
            warnings.simplefilter("ignore")
            reader = PdfReader(io.BytesIO(data), strict=False)
            encrypted = reader.is_encrypted
            count = len(reader.pages)
            for page in reader.pages:
                _box = page.mediabox
    except Exception as exc:  # noqa: BLE001 - any failure to read our own output is fatal
        raise DocumentError(S_("the bundle could not be read back ({})").format(exc), path=out) from exc
    if encrypted or count != expected:
        raise DocumentError(
            S_(
                "the bundle read back wrong ({count} pages, expected {expected}; encrypted: {encrypted})"
            ).format(count=count, expected=expected, encrypted=encrypted),
            path=out,
        )
