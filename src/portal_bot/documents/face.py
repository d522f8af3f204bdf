"""Offline face detection for ID photos: OpenCV's frontal-face Haar cascade.

The cascade file ships inside the opencv-python-headless 4.x wheel (``cv2.data.haarcascades``), so
nothing is downloaded. Detection runs on a small greyscale copy (at most ``DETECT_SIDE`` pixels on
the long side): an ID photo's face is large, and the small copy keeps a 12-megapixel photo fast.
A first pass looks only for large faces (the usual case, and the cheap one); a second pass looks for
smaller ones when the first finds nothing; a third searches a larger copy (``SMALL_FACE_SIDE``) for
the small face of a full-body or half-body shot, only when the first two found nothing. Each pass
tries the histogram-equalised copy, then the raw one: Haar misses some faces at one contrast that
it finds at the other.

This module only locates a face. It must never decide what to crop or judge a photo: photo.py does.
"""

from __future__ import annotations

import functools
from dataclasses import dataclass
from pathlib import Path

import cv2
import numpy as np
from PIL import Image

from portal_bot.errors import DocumentError
from portal_bot.i18n import S_

#: Long side of the greyscale copy the detector sees.
DETECT_SIDE = 360
#: Long side of the larger copy searched when the first finds nothing: a full-body phone photo's
#: face (about a twelfth of the width) is ~20 pixels at DETECT_SIDE, too small for the cascade.
SMALL_FACE_SIDE = 1280
# alt2 gives far fewer false positives than the default cascade on clothing, flags and badges.
_CASCADE = "haarcascade_frontalface_alt2.xml"


@dataclass(frozen=True)
class Face:
    """A face box in the coordinates of the picture it was found in."""

    x: float
    y: float
    w: float
    h: float

    @property
    def cx(self) -> float:
        return self.x + self.w / 2

    @property
    def cy(self) -> float:
        return self.y + self.h / 2

    def scaled(self, factor: float) -> Face:
        return Face(self.x * factor, self.y * factor, self.w * factor, self.h * factor)


@functools.lru_cache(maxsize=1)
def _cascade() -> cv2.CascadeClassifier:
    path = Path(cv2.data.haarcascades) / _CASCADE  # type: ignore[attr-defined]  # missing from the stubs
    cascade = cv2.CascadeClassifier(str(path))
    if cascade.empty():
        raise DocumentError(
            S_("OpenCV's face cascade is missing"),
            path=path,
            hint=S_("reinstall opencv-python-headless 4.x (pip install 'opencv-python-headless<5')"),
        )
    return cascade


def find_face(image: Image.Image) -> Face | None:
    """The most prominent frontal face in ``image`` (the largest one found), or None."""
    found = _search(image, DETECT_SIDE, (0.2, 0.07))
    if found is None and max(image.size) > DETECT_SIDE * 1.5:
        found = _search(image, SMALL_FACE_SIDE, (0.03,))
    return found


def _search(image: Image.Image, side: int, fractions: tuple[float, ...]) -> Face | None:
    """Search a greyscale copy at most ``side`` pixels long for faces at least ``fractions`` of its
    short side, larger first."""
    scale = min(1.0, side / max(image.size))
    small = image.convert("L")
    if scale < 1.0:
        size = (max(1, round(image.width * scale)), max(1, round(image.height * scale)))
        small = small.resize(size, Image.Resampling.BILINEAR, reducing_gap=2.0)
    raw = np.asarray(small)
    # Haar misses faces at some scales and contrasts; trying the equalised and the raw picture
    # makes that much rarer, and costs nothing when the first attempt finds the face.
    variants = (cv2.equalizeHist(raw), raw)
    short = min(raw.shape[:2])
    cascade = _cascade()
    faces: list[tuple[int, int, int, int]] = []
    for min_fraction in fractions:
        min_side = max(24, int(short * min_fraction))
        if min_side > short:
            continue
        for grey in variants:
            found = cascade.detectMultiScale(
                grey, scaleFactor=1.1, minNeighbors=5, minSize=(min_side, min_side)
            )
            faces = [tuple(int(v) for v in box) for box in found]  # type: ignore[misc]
            if faces:
                break
        if faces:
            break
    if not faces:
        return None
    x, y, w, h = max(faces, key=lambda box: box[2] * box[3])
    sx = image.width / small.width
    sy = image.height / small.height
    return Face(x * sx, y * sy, w * sx, h * sy)
