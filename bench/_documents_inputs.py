"""Benchmark inputs, generated on the fly: photo-like JPEGs and a scanner-like PDF.

A 12-megapixel "phone photo" is the public-domain astronaut portrait (fixtures/images/astronaut.png)
enlarged onto a 4000×3000 canvas with sensor-like noise, so it compresses like a real photo.
"""

from __future__ import annotations

import io
from pathlib import Path

import numpy as np
from PIL import Image, ImageDraw

ROOT = Path(__file__).resolve().parents[1]
ASTRONAUT = ROOT / "fixtures" / "images" / "astronaut.png"


def phone_photo(path: Path, *, size: tuple[int, int] = (4000, 3000), seed: int = 0) -> Path:
    """A 12-megapixel JPEG that looks and compresses like a phone photo of a person."""
    rng = np.random.default_rng(seed)
    width, height = size
    canvas = Image.new("RGB", size, (214, 208, 200))
    face = Image.open(ASTRONAUT).convert("RGB").resize((height, height), Image.Resampling.BICUBIC)
    canvas.paste(face, ((width - height) // 2, 0))
    arr = np.asarray(canvas, dtype=np.int16)
    noise = rng.normal(0, 6, size=(height // 2, width // 2, 1)).astype(np.int16)
    noise = noise.repeat(2, axis=0).repeat(2, axis=1)  # grain a little coarser than one pixel
    arr = np.clip(arr + noise, 0, 255).astype(np.uint8)
    Image.fromarray(arr).save(path, "JPEG", quality=90)
    return path


def scanned_pdf(path: Path, *, pages: int = 2, seed: int = 1) -> Path:
    """A scanner-like PDF: A4 pages at 150 dpi with text lines and paper noise."""
    rng = np.random.default_rng(seed)
    images = []
    for number in range(pages):
        page = Image.new("L", (1240, 1754), 245)
        draw = ImageDraw.Draw(page)
        draw.rectangle((100, 100, 1140, 1654), outline=40, width=4)
        for line in range(40):
            y = 200 + line * 35
            draw.line((160, y, 160 + int(rng.integers(300, 900)), y), fill=30, width=6)
        draw.text((160, 150), f"page {number + 1}", fill=0)
        arr = np.asarray(page, dtype=np.int16) + rng.normal(0, 5, size=(1754, 1240)).astype(np.int16)
        images.append(Image.fromarray(np.clip(arr, 0, 255).astype(np.uint8)).convert("RGB"))
    buf = io.BytesIO()
    images[0].save(buf, "PDF", resolution=150, save_all=True, append_images=images[1:], quality=80)
    path.write_bytes(buf.getvalue())
    return path
