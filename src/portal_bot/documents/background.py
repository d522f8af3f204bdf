"""White backgrounds for ID photos: segment the person offline and put them on white.

The person is cut out with OpenCV's GrabCut, seeded from the face box: the inner face and a strip
below the chin are surely the person, the head ellipse and a shoulder trapezoid probably are, and
the top edge and the sides of the head surely are not. GrabCut learns the two colour models from
those seeds, so it copes with coloured, gradient and patterned walls without a trained model; it
runs on a small copy (``WORK_WIDTH`` pixels wide) of a context a little larger than the crop, so a
12-megapixel photo costs the same as a small one. The small mask is brought to the output size and
refined by a guided filter on the output picture (edges follow the hair, not the small copy's
pixels), and the wall's colour is taken out of the edge pixels before they are put on white, so no
coloured halo is left around the hair.

docs/documents.md compares this with MediaPipe's selfie-segmentation model and says why GrabCut
was chosen. Every result is checked (:func:`verify`); a mask that fails is never used silently.

This module only computes masks and composites. It must never decide whether to replace a
background or write a file: photo.py does.
"""

from __future__ import annotations

from dataclasses import dataclass

import cv2
import numpy as np
from PIL import Image

from portal_bot.documents.face import Face

#: Width of the copy GrabCut runs on: the CPU cost grows with its area.
WORK_WIDTH = 200
#: GrabCut iterations: the masks stop changing after 3–4 on ID photos.
ITERATIONS = 4
#: Near-white: every channel at least this (the check in photo.py uses the same figure).
WHITE = 235


@dataclass(frozen=True)
class Whitened:
    """A picture put on white, with the mask that did it (alpha 0..1 at the picture's size)."""

    image: Image.Image
    alpha: np.ndarray


def _seeds(shape: tuple[int, int], face: Face) -> np.ndarray:
    """GrabCut's starting labels for a picture of ``shape`` (h, w) with ``face`` in its pixels."""
    h, w = shape
    mask = np.full((h, w), cv2.GC_PR_BGD, np.uint8)
    cx, fw, fh = face.cx, face.w, face.h
    ys, xs = np.mgrid[0:h, 0:w].astype(np.float32)
    # Head and hair: from about 0.5 box heights above the box to the chin.
    head = ((xs - cx) / (0.72 * fw)) ** 2 + ((ys - (face.y + 0.3 * fh)) / (0.85 * fh)) ** 2 <= 1
    chin = face.y + 1.05 * fh
    # Neck widening to the shoulders, down to the bottom of the picture.
    spread = np.clip((ys - chin) / (0.9 * fh), 0, 1)
    body = (ys >= chin - 0.1 * fh) & (np.abs(xs - cx) <= (0.45 + 1.2 * spread) * fw)
    mask[head | body] = cv2.GC_PR_FGD
    # Sure background: above the crown with a margin, and beside the head above the chin.
    crown = face.y - 0.55 * fh
    mask[ys < crown] = cv2.GC_BGD
    beside = (np.abs(xs - cx) > 0.95 * fw) & (ys < chin)
    mask[beside] = cv2.GC_BGD
    mask[:, :1][ys[:, :1] < chin] = cv2.GC_BGD
    mask[:, -1:][ys[:, -1:] < chin] = cv2.GC_BGD
    # Sure person: the inner face, and a strip of clothing below the chin.
    inner = ((xs - cx) / (0.3 * fw)) ** 2 + ((ys - (face.y + 0.55 * fh)) / (0.38 * fh)) ** 2 <= 1
    chest = (ys > chin + 0.2 * fh) & (np.abs(xs - cx) <= 0.25 * fw)
    mask[inner | chest] = cv2.GC_FGD
    return mask


def person_mask(image: Image.Image, face: Face, box: tuple[float, float, float, float]) -> np.ndarray:
    """A coarse person mask (float32, 0..1) for the ``box`` crop of ``image``, at WORK_WIDTH scale.

    Args:
        image: the upright picture.
        face: the face box in ``image``'s pixels.
        box: the crop (left, top, right, bottom) in ``image``'s pixels; the mask covers exactly it.
    """
    left, top, right, bottom = box
    # A context wider than the crop gives GrabCut more wall to learn the background from.
    pad_x, pad_y = 0.3 * (right - left), 0.08 * (bottom - top)
    context = (
        max(0.0, left - pad_x),
        max(0.0, top - pad_y),
        min(float(image.width), right + pad_x),
        min(float(image.height), bottom),
    )
    k = WORK_WIDTH / (right - left)
    size = (max(8, round((context[2] - context[0]) * k)), max(8, round((context[3] - context[1]) * k)))
    small = np.asarray(image.resize(size, Image.Resampling.BILINEAR, box=context, reducing_gap=2.0))
    kx, ky = size[0] / (context[2] - context[0]), size[1] / (context[3] - context[1])
    work_face = Face((face.x - context[0]) * kx, (face.y - context[1]) * ky, face.w * kx, face.h * ky)
    mask = _seeds((size[1], size[0]), work_face)
    bgd = np.zeros((1, 65), np.float64)
    fgd = np.zeros((1, 65), np.float64)
    bgr = np.ascontiguousarray(small[..., ::-1])
    # GrabCut seeds its colour models with k-means on OpenCV's per-thread RNG, whose state depends
    # on what ran before: seeding it makes the same photo give the same bytes in every process.
    cv2.setRNGSeed(15)
    cv2.grabCut(bgr, mask, None, bgd, fgd, ITERATIONS, cv2.GC_INIT_WITH_MASK)  # type: ignore[call-overload]
    person = ((mask == cv2.GC_FGD) | (mask == cv2.GC_PR_FGD)).astype(np.uint8)
    person = _largest_component(person, work_face)
    # Cut the crop's part out of the context mask (sub-pixel, so it lines up with the output).
    m = np.array([[1, 0, -(left - context[0]) * kx], [0, 1, -(top - context[1]) * ky]], np.float32)
    out_w, out_h = round((right - left) * kx), round((bottom - top) * ky)
    crop = cv2.warpAffine(person.astype(np.float32), m, (out_w, out_h), flags=cv2.INTER_LINEAR)
    return np.asarray(crop, np.float32)


def _largest_component(person: np.ndarray, face: Face) -> np.ndarray:
    """Keep only the blob under the face: a chair or a poster GrabCut took for the person goes."""
    count, labels = cv2.connectedComponents(person, connectivity=8)
    if count <= 2:
        return person
    x = min(max(int(face.cx), 0), person.shape[1] - 1)
    y = min(max(int(face.cy), 0), person.shape[0] - 1)
    keep = labels[y, x]
    if keep == 0:
        sizes = np.bincount(labels.ravel())
        sizes[0] = 0
        keep = int(sizes.argmax())
    return np.asarray(labels == keep, np.uint8)


def _guided(guide: np.ndarray, p: np.ndarray, radius: int, eps: float) -> np.ndarray:
    """He et al.'s guided filter (grey guide): the mask's edges snap to the picture's edges."""
    size = (2 * radius + 1, 2 * radius + 1)

    def mean(a: np.ndarray) -> np.ndarray:
        return np.asarray(cv2.boxFilter(a, cv2.CV_32F, size), np.float32)

    mi, mp = mean(guide), mean(p)
    var = mean(guide * guide) - mi * mi
    cov = mean(guide * p) - mi * mp
    a = cov / (var + eps)
    b = mp - a * mi
    return np.asarray(mean(a) * guide + mean(b), np.float32)


def whiten(image: Image.Image, coarse: np.ndarray) -> Whitened:
    """Put the person of ``image`` (the output crop, RGB) on white using the ``coarse`` mask."""
    w, h = image.size
    rgb = np.asarray(image, np.float32)
    alpha = cv2.resize(coarse, (w, h), interpolation=cv2.INTER_LINEAR)
    grey = cv2.cvtColor(rgb, cv2.COLOR_RGB2GRAY) / 255.0
    radius = max(2, round(w / 100))
    alpha = np.clip(_guided(grey, alpha.astype(np.float32), radius, 1e-3), 0.0, 1.0)
    # Hard 0/1 away from the edge: only a band around the outline stays soft.
    alpha[alpha < 0.04] = 0.0
    alpha[alpha > 0.96] = 1.0
    # The wall's local colour, from pixels that are surely wall, spread into the edge band.
    wall = (alpha == 0.0).astype(np.float32)
    k = (max(3, w // 12) | 1,) * 2
    weight = cv2.blur(wall, k)
    local = cv2.blur(rgb * wall[..., None], k) / np.maximum(weight, 1e-3)[..., None]
    if wall.any():
        overall = rgb[wall > 0].mean(axis=0)
    else:
        overall = np.full(3, 255.0, np.float32)
    local = np.where((weight > 0.02)[..., None], local, overall)
    # Composite with the wall colour removed from the edge pixels: I = aF + (1-a)B, out = aF + (1-a)·255.
    a = alpha[..., None]
    out = rgb - (1.0 - a) * local + (1.0 - a) * 255.0
    out = np.where(a > 0.0, out, 255.0)
    result = Image.fromarray(np.clip(out + 0.5, 0, 255).astype(np.uint8), "RGB")
    return Whitened(result, alpha)


def border_colour(image: Image.Image, face: Face | None) -> tuple[float, float, float, float]:
    """Mean RGB of the border region and the share of its pixels that are near-white.

    The border region is the top strip and the left and right strips down to the middle of the
    face (lower down, shoulders and collars reach the edges), less an ellipse around the head
    where hair may touch the sides: where a reviewer sees the background.
    """
    arr = np.asarray(image.convert("RGB"), np.float32)
    h, w = arr.shape[:2]
    t, s = max(1, round(0.06 * h)), max(1, round(0.06 * w))
    low = round(0.45 * h) if face is None else round(min(h, face.cy))
    ys, xs = np.mgrid[0:h, 0:w]
    region = (ys < t) | (((xs < s) | (xs >= w - s)) & (ys < low))
    if face is not None:
        region &= ((xs - face.cx) / (0.92 * face.w)) ** 2 + ((ys - (face.y + 0.3 * face.h)) / face.h) ** 2 > 1
    pixels = arr[region] if region.any() else arr[:t].reshape(-1, 3)
    mean = pixels.mean(axis=0)
    white = float((pixels.min(axis=1) >= WHITE).mean())
    return float(mean[0]), float(mean[1]), float(mean[2]), white


def verify(result: Whitened, face: Face) -> list[str]:
    """Why the whitened picture should not be trusted; empty when it passes every check."""
    alpha = result.alpha
    h, w = alpha.shape
    reasons: list[str] = []
    *_, white = border_colour(result.image, face)
    if white < 0.97:
        reasons.append(f"only {white:.0%} of the border is white afterwards")
    ys, xs = np.mgrid[0:h, 0:w]
    inner = ((xs - face.cx) / (0.3 * face.w)) ** 2 + ((ys - (face.y + 0.55 * face.h)) / (0.38 * face.h)) ** 2
    kept = float(alpha[inner <= 1].mean()) if (inner <= 1).any() else 0.0
    if kept < 0.95:
        reasons.append(f"the mask keeps only {kept:.0%} of the face")
    share = float(alpha.mean())
    if not 0.2 <= share <= 0.85:
        reasons.append(f"the person covers {share:.0%} of the picture (20–85 % expected)")
    return reasons


def crown_row(alpha: np.ndarray, face: Face) -> float | None:
    """The top of the head in the mask: the first row with person pixels above the face's centre."""
    h, w = alpha.shape
    x0, x1 = max(0, round(face.cx - 0.35 * face.w)), min(w, round(face.cx + 0.35 * face.w))
    column = alpha[: max(1, round(face.cy)), x0:x1]
    rows = np.nonzero((column > 0.5).mean(axis=1) > 0.2)[0]
    return float(rows[0]) if rows.size else None
