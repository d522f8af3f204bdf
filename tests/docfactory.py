"""Test inputs for the documents tests, made on the fly: photos, scans, broken files, PDFs.

The only real photo is fixtures/images/astronaut.png (public-domain NASA portrait); everything else
is generated here so every case is reproducible and nothing large is stored in the repository.
"""

from __future__ import annotations

import io
import struct
from pathlib import Path

import numpy as np
from PIL import Image, ImageDraw
from pypdf import PdfWriter

from tests.conftest import REPO_ROOT

ASTRONAUT = REPO_ROOT / "fixtures" / "images" / "astronaut.png"


def astronaut() -> Image.Image:
    return Image.open(ASTRONAUT).convert("RGB")


def load(path: Path | io.BytesIO) -> Image.Image:
    """Open and decode a picture, closing the file (Pillow keeps it open otherwise)."""
    with Image.open(path) as image:
        image.load()
        return image.copy()


def noisy(image: Image.Image, sigma: float = 5.0, seed: int = 0) -> Image.Image:
    """Sensor-like noise, so a generated picture compresses like a photo."""
    rng = np.random.default_rng(seed)
    arr = np.asarray(image, dtype=np.int16)
    arr = arr + rng.normal(0, sigma, size=arr.shape).astype(np.int16)
    return Image.fromarray(np.clip(arr, 0, 255).astype(np.uint8), image.mode)


def backdrop(size: tuple[int, int], kind: str) -> Image.Image:
    """A wall behind the person: "coloured", "gradient" (top to bottom) or "patterned" (stripes)."""
    width, height = size
    if kind == "coloured":
        return Image.new("RGB", size, (70, 120, 190))
    ys, xs = np.mgrid[0:height, 0:width].astype(np.float64)
    if kind == "gradient":
        t = (ys / height)[..., None]
        arr = (1 - t) * np.array([120, 170, 90]) + t * np.array([210, 150, 120])
    elif kind == "patterned":
        stripe = ((xs + ys) // max(8, width // 24) % 2)[..., None]
        arr = np.where(stripe > 0, np.array([200, 190, 150]), np.array([150, 110, 90]))
    else:
        raise ValueError(kind)
    return Image.fromarray(arr.astype(np.uint8), "RGB")


def portrait(
    size: tuple[int, int] = (900, 1200),
    *,
    background: tuple[int, int, int] | Image.Image = (250, 250, 250),
) -> Image.Image:
    """A person (the astronaut's head and shoulders) on a plain background, like a phone ID photo."""
    width, height = size
    if isinstance(background, Image.Image):
        canvas = background.resize(size)
    else:
        canvas = Image.new("RGB", size, background)
    face = astronaut().crop((110, 0, 400, 330))  # head and shoulders
    mask = Image.new("L", face.size, 0)
    draw = ImageDraw.Draw(mask)
    draw.ellipse((30, 12, 200, 235), fill=255)  # the head, without the studio backdrop
    draw.rectangle((0, 215, face.width, face.height), fill=255)  # the shoulders
    scale = width * 0.8 / face.width
    size = (round(face.width * scale), round(face.height * scale))
    face = face.resize(size, Image.Resampling.BICUBIC)
    mask = mask.resize(size, Image.Resampling.BILINEAR)
    canvas.paste(face, ((width - face.width) // 2, round(height * 0.12)), mask)
    return noisy(canvas, 4.0)


def full_body(size: tuple[int, int] = (2400, 3200)) -> Image.Image:
    """A full-body phone photo: the face is about a twelfth of the width, the body below it."""
    width, height = size
    canvas = Image.new("RGB", size, (196, 186, 172))
    draw = ImageDraw.Draw(canvas)
    draw.rectangle((0, round(height * 0.85), width, height), fill=(120, 100, 80))  # the floor
    head = astronaut().crop((110, 0, 400, 330))
    scale = width / 12 / 115  # the astronaut's face box is about 115 pixels wide
    head = head.resize((round(head.width * scale), round(head.height * scale)), Image.Resampling.BICUBIC)
    mask = Image.new("L", (290, 330), 0)
    mdraw = ImageDraw.Draw(mask)
    mdraw.ellipse((30, 12, 200, 235), fill=255)
    mdraw.rectangle((0, 215, 290, 330), fill=255)
    mask = mask.resize(head.size, Image.Resampling.BILINEAR)
    left, top = (width - head.width) // 2, round(height * 0.12)
    draw.rectangle((left, top + head.height - 5, left + head.width, round(height * 0.9)), fill=(200, 90, 40))
    canvas.paste(head, (left, top), mask)
    return noisy(canvas, 4.0)


def tight_head(size: tuple[int, int] = (600, 800)) -> Image.Image:
    """A head shot cropped so tight that the hair is cut by the top edge and the chin nearly by the
    bottom one, on a beige wall."""
    return noisy(astronaut().crop((140, 30, 320, 270)).resize(size, Image.Resampling.BICUBIC), 3.0)


def heic(image: Image.Image, path: Path) -> Path:
    """A real HEIC file, encoded by pillow-heif's libheif (x265), as an iPhone writes them."""
    import pillow_heif

    pillow_heif.from_pillow(image).save(path, quality=90)
    return path


def save(image: Image.Image, path: Path, fmt: str = "JPEG", **options: object) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    image.save(path, fmt, **options)
    return path


def cmyk_profile() -> bytes:
    """A minimal ICC v2 CMYK input profile whose colour comes from K alone (L* = 100·(1−K)).

    With it, a CMYK picture inked in cyan but with its tones in K converts to neutral grey; converting
    naively (ignoring the profile) gives cyan. So a test can tell whether the profile was used.
    """

    def s15(value: float) -> bytes:
        return struct.pack(">i", round(value * 65536))

    def desc(text: str) -> bytes:
        ascii_ = text.encode("ascii") + b"\0"
        return (
            b"desc" + b"\0" * 4 + struct.pack(">I", len(ascii_)) + ascii_ + b"\0" * 8 + b"\0\0\0" + b"\0" * 67
        )

    wtpt = b"XYZ " + b"\0" * 4 + s15(0.9642) + s15(1.0) + s15(0.8249)
    cprt = b"text" + b"\0" * 4 + b"public domain\0"
    ramp = bytes(range(256))
    clut = bytearray()
    for index in range(16):  # grid of 2 points per channel; C varies slowest, K fastest
        k = index & 1
        clut += bytes((0 if k else 255, 128, 128))  # Lab: L* from K only, a* = b* = 0
    identity = s15(1) + s15(0) + s15(0) + s15(0) + s15(1) + s15(0) + s15(0) + s15(0) + s15(1)
    a2b0 = b"mft1" + b"\0" * 4 + bytes((4, 3, 2, 0)) + identity + ramp * 4 + bytes(clut) + ramp * 3
    tags = [(b"desc", desc("K-only test CMYK")), (b"wtpt", wtpt), (b"cprt", cprt), (b"A2B0", a2b0)]
    offset = 128 + 4 + 12 * len(tags)
    table, body = b"", b""
    for signature, data in tags:
        padded = data + b"\0" * (-len(data) % 4)
        table += signature + struct.pack(">II", offset + len(body), len(data))
        body += padded
    size = offset + len(body)
    header = (
        struct.pack(">I", size)
        + b"lcms"
        + bytes((2, 0x10, 0, 0))
        + b"scnr"
        + b"CMYK"
        + b"Lab "
        + struct.pack(">6H", 2024, 1, 1, 0, 0, 0)
        + b"acsp"
        + b"APPL"
        + b"\0" * 4
        + b"\0" * 8
        + b"\0" * 8
        + struct.pack(">I", 0)
        + s15(0.9642)
        + s15(1.0)
        + s15(0.8249)
        + b"lcms"
        + b"\0" * 44
    )
    assert len(header) == 128
    return header + struct.pack(">I", len(tags)) + table + body


def cmyk_cyan_with_tones(image: Image.Image) -> Image.Image:
    """``image`` as CMYK: full cyan ink everywhere, the picture's tones in K."""
    grey = np.asarray(image.convert("L"), dtype=np.uint8)
    arr = np.zeros((*grey.shape, 4), dtype=np.uint8)
    arr[..., 0] = 255
    arr[..., 3] = 255 - grey
    return Image.fromarray(arr, "CMYK")


def exif_rotated(image: Image.Image, path: Path) -> Path:
    """``image`` stored turned 90° anticlockwise with EXIF orientation 6 (display: turn clockwise)."""
    exif = Image.Exif()
    exif[0x0112] = 6
    return save(image.rotate(90, expand=True), path, "JPEG", quality=92, exif=exif)


def broken_exif_jpeg(image: Image.Image, path: Path) -> Path:
    """A JPEG whose APP1 segment says Exif but holds garbage."""
    buf = io.BytesIO()
    image.save(buf, "JPEG", quality=92)
    data = buf.getvalue()
    payload = b"Exif\0\0" + b"MM\0*\xff\xff\xff\xf0garbage-not-a-tiff"
    segment = b"\xff\xe1" + struct.pack(">H", len(payload) + 2) + payload
    path.write_bytes(data[:2] + segment + data[2:])
    return path


def padded(data: bytes, size: int) -> bytes:
    """A JPEG padded after its end marker to exactly ``size`` bytes (decoders ignore the tail)."""
    assert len(data) <= size
    return data + b"\0" * (size - len(data))


def jpeg_bytes(image: Image.Image, **options: object) -> bytes:
    buf = io.BytesIO()
    image.save(buf, "JPEG", **options)
    return buf.getvalue()


def pdf_of_pages(path: Path, sizes: list[tuple[float, float]]) -> Path:
    """A PDF with blank pages of the given sizes (points): cheap, and tells pages apart."""
    writer = PdfWriter()
    for width, height in sizes:
        writer.add_blank_page(width=width, height=height)
    with path.open("wb") as handle:
        writer.write(handle)
    return path


def pdf_of_images(
    path: Path, images: list[Image.Image], *, resolution: float = 150, quality: int = 90
) -> Path:
    buf = io.BytesIO()
    images[0].save(
        buf, "PDF", resolution=resolution, save_all=True, append_images=images[1:], quality=quality
    )
    path.write_bytes(buf.getvalue())
    return path
