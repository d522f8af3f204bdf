"""Decoding the pictures people actually send: phone photos, scans, WeChat forwards.

One function, :func:`decode`, turns file bytes into an upright sRGB (or greyscale) Pillow image:
EXIF orientation applied (a broken EXIF block is a warning, never a crash), CMYK and wide-gamut
pictures converted through their ICC profile, transparency put on white, 16-bit greyscale brought
to 8 bits. Large JPEGs are decoded at a reduced scale (libjpeg's DCT scaling, Pillow's draft mode)
when the caller only needs a smaller picture, which is what keeps a 12-megapixel photo fast.

Everything this module does is listed in ``actions``; anything doubtful in ``warnings``. It must
never change what the picture shows beyond that (no retouching, no invented pixels).
"""

from __future__ import annotations

import io
import math
import warnings
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
from PIL import Image, ImageCms, UnidentifiedImageError

from portal_bot.errors import DocumentError
from portal_bot.i18n import N_, S_, _

#: Above this many pixels a file is not a photo or a scan but a mistake (or a decompression bomb).
MAX_PIXELS = 150_000_000

_TRANSPOSE = {
    2: Image.Transpose.FLIP_LEFT_RIGHT,
    3: Image.Transpose.ROTATE_180,
    4: Image.Transpose.FLIP_TOP_BOTTOM,
    5: Image.Transpose.TRANSPOSE,
    6: Image.Transpose.ROTATE_270,
    7: Image.Transpose.TRANSVERSE,
    8: Image.Transpose.ROTATE_90,
}
#: Translated where shown.
_ORIENTATION_WORDS = {
    2: N_("mirrored"),
    3: N_("rotated 180°"),
    4: N_("flipped"),
    5: N_("transposed"),
    6: N_("rotated 90° clockwise"),
    7: N_("transversed"),
    8: N_("rotated 90° anticlockwise"),
}
_GREY_MODES = {"1", "L", "LA", "La", "I", "I;16", "I;16L", "I;16B", "I;16N", "F"}


@dataclass
class Decoded:
    """An upright picture ready to crop or place on a page.

    Attributes:
        image: mode "RGB", or "L" when the caller asked to keep greyscale pictures grey.
        kind: the real format ("JPEG", "PNG", …).
        full_size: (width, height) of the upright picture at full resolution.
        grey: the file itself is single-channel (not merely a colour picture of something grey).
        actions: what was done, in words.
        warnings: what the caller should tell the user.
        done: the actions that change how the picture looks (turned, colours converted, transparency
            on white), a subset of ``actions`` a person should hear about.
    """

    image: Image.Image
    kind: str
    full_size: tuple[int, int]
    grey: bool
    orientation: int = 1
    source_mode: str = "RGB"
    progressive: bool = False
    actions: list[str] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)
    done: list[str] = field(default_factory=list)

    @property
    def scale(self) -> float:
        """Decoded pixels per full-resolution pixel (1.0, or 1/2, 1/4, 1/8 after draft decoding)."""
        return self.image.width / self.full_size[0]


def _orientation(im: Image.Image, warn: list[str]) -> int:
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")  # Pillow *warns* about corrupt EXIF; we report it instead
        try:
            value = im.getexif().get(0x0112, 1)
        except Exception:  # noqa: BLE001 - Pillow raises many kinds of errors on malformed EXIF
            caught.append(warnings.WarningMessage("unreadable", UserWarning, __file__, 0))
            value = 1
    if any("EXIF" in str(w.message) or str(w.message) == "unreadable" for w in caught):
        warn.append(_("EXIF data is damaged; orientation left as stored"))
        return 1
    if isinstance(value, tuple) and value:
        value = value[0]
    if not isinstance(value, int) or not 1 <= value <= 8:
        warn.append(_("EXIF orientation {!r} is invalid; orientation left as stored").format(value))
        return 1
    return value


def _open(data: bytes, kind: str, path: Path) -> tuple[Image.Image, bool]:
    """Open (not decode) a picture; also tells whether Pillow found its EXIF block damaged."""
    if kind == "HEIF":
        try:
            import pillow_heif  # noqa: PLC0415 - loaded only for HEIC files
        except ImportError:
            # A dependency of portal-bot: missing only from a broken or hand-made install.
            raise DocumentError(
                S_("is a HEIC/HEIF picture and pillow-heif (a portal-bot dependency) is missing"),
                path=path,
                hint=S_(
                    "reinstall portal-bot (pip install --force-reinstall portal-bot), "
                    "or export the photo as JPEG on the phone"
                ),
            ) from None
        pillow_heif.register_heif_opener()
    try:
        with warnings.catch_warnings(record=True) as caught:
            # Our own MAX_PIXELS check replaces Pillow's bomb warning; damaged EXIF becomes ours.
            warnings.simplefilter("always")
            im = Image.open(io.BytesIO(data), formats=None if kind == "HEIF" else [kind])
        damaged = [w for w in caught if "EXIF" in str(w.message)]
        return im, bool(damaged)
    except Image.DecompressionBombError:
        raise DocumentError(S_("is far too large to be a photo or a scan"), path=path) from None
    except (UnidentifiedImageError, OSError, SyntaxError, ValueError) as exc:
        raise DocumentError(S_("is not a readable {} picture ({})").format(kind, exc), path=path) from exc


def _to_srgb(im: Image.Image, actions: list[str], warn: list[str]) -> Image.Image:
    icc = im.info.get("icc_profile")
    if im.mode == "CMYK":
        if icc:
            try:
                src = ImageCms.ImageCmsProfile(io.BytesIO(icc))
                out = ImageCms.profileToProfile(im, src, ImageCms.createProfile("sRGB"), outputMode="RGB")
            except (ImageCms.PyCMSError, OSError, ValueError):
                warn.append(
                    _("the embedded CMYK colour profile is unusable; colours converted approximately")
                )
            else:
                assert out is not None
                actions.append(_("converted CMYK to sRGB through the embedded ICC profile"))
                return out
        else:
            actions.append(_("converted CMYK to RGB (no colour profile embedded)"))
        return im.convert("RGB")
    if icc and im.mode in ("RGB", "L"):
        try:
            src = ImageCms.ImageCmsProfile(io.BytesIO(icc))
            name = ImageCms.getProfileDescription(src) or ""
            if "srgb" in name.lower() or im.mode == "L":
                return im
            out = ImageCms.profileToProfile(im, src, ImageCms.createProfile("sRGB"), outputMode="RGB")
        except (ImageCms.PyCMSError, OSError, ValueError):
            warn.append(_("the embedded colour profile is unusable; colours left as stored"))
            return im
        assert out is not None
        actions.append(
            _("converted colours from {} to sRGB").format(name.strip() or _("the embedded profile"))
        )
        return out
    return im


def _flatten(im: Image.Image, actions: list[str]) -> Image.Image:
    has_alpha = im.mode in ("RGBA", "LA", "La", "RGBa", "PA") or "transparency" in im.info
    if im.mode in ("I", "I;16", "I;16L", "I;16B", "I;16N", "F"):
        arr = np.asarray(im, dtype=np.float64)
        top = float(arr.max()) if arr.size else 0.0
        if top > 255:
            arr = arr * (255.0 / (65535.0 if top <= 65535 else top))
        im = Image.fromarray(np.clip(arr, 0, 255).astype(np.uint8), "L")
    if not has_alpha:
        return im if im.mode in ("RGB", "L") else im.convert("RGB")
    rgba = im.convert("RGBA")
    alpha = rgba.getchannel("A")
    if alpha.getextrema()[0] == 255:
        return rgba.convert("RGB")
    white = Image.new("RGBA", rgba.size, (255, 255, 255, 255))
    actions.append(_("put the transparent background on white"))
    return Image.alpha_composite(white, rgba).convert("RGB")


def decode(
    data: bytes,
    kind: str,
    path: Path,
    *,
    min_scale: float | None = None,
    min_long_side: int | None = None,
    keep_grey: bool = False,
) -> Decoded:
    """Decode a whole picture, upright, in sRGB.

    Args:
        data: the file's bytes.
        kind: the sniffed format (see ``files.sniff``).
        path: the file, for error messages.
        min_scale: the smallest scale (decoded pixels per full-resolution pixel) the caller can use;
            a JPEG is then decoded at 1/2, 1/4 or 1/8 scale where that is still enough.
        min_long_side: the long side (in pixels) the caller needs at least. With neither, the
            picture is decoded at full resolution.
        keep_grey: return a greyscale file as mode "L" instead of "RGB".

    Raises:
        DocumentError: not a readable picture, truncated, or absurdly large.
    """
    actions: list[str] = []
    warn: list[str] = []
    done: list[str] = []
    im, damaged = _open(data, kind, path)
    if damaged:
        warn.append(_("EXIF data is damaged; orientation left as stored"))
    width, height = im.size
    if width * height > MAX_PIXELS:
        raise DocumentError(
            S_("is {}×{} pixels, far too large to be a photo or a scan").format(width, height),
            path=path,
        )
    if getattr(im, "n_frames", 1) > 1:
        warn.append(_("has several frames; only the first is used"))
    orientation = 1 if damaged else _orientation(im, warn)
    swapped = orientation in (5, 6, 7, 8)
    full_size = (height, width) if swapped else (width, height)
    grey = im.mode in _GREY_MODES or (im.mode == "P" and _palette_is_grey(im))
    source_mode = im.mode
    progressive = bool(im.info.get("progressive") or im.info.get("progression"))
    scale = 1.0 if min_scale is None and min_long_side is None else (min_scale or 0.0)
    if min_long_side is not None:
        scale = max(scale, min_long_side / max(width, height))
    if scale < 1.0 and kind == "JPEG":
        # draft() picks the strongest DCT scaling whose result is still at least this size.
        im.draft(im.mode, (max(1, math.ceil(width * scale)), max(1, math.ceil(height * scale))))
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")  # damaged metadata: reported by _orientation
            im.load()
    except (OSError, SyntaxError, ValueError) as exc:
        said = (
            S_("is a truncated {} picture and cannot be decoded ({})")
            if "truncated" in str(exc)
            else S_("is a corrupt {} picture and cannot be decoded ({})")
        )
        raise DocumentError(
            said.format(kind, exc),
            path=path,
            hint=S_("send the original file again"),
        ) from exc
    except Image.DecompressionBombError:
        raise DocumentError(S_("is far too large to be a photo or a scan"), path=path) from None
    if orientation != 1:
        im = im.transpose(_TRANSPOSE[orientation])
        actions.append(_("turned upright (EXIF said {})").format(_(_ORIENTATION_WORDS[orientation])))
        done.append(actions[-1])
    converted = len(actions)
    im = _to_srgb(im, actions, warn)
    im = _flatten(im, actions)
    done.extend(actions[converted:])  # colours converted, transparency put on white: it looks different
    if grey and keep_grey:
        im = im.convert("L")
    elif im.mode != "RGB":
        im = im.convert("RGB")
    return Decoded(
        image=im,
        kind=kind,
        full_size=full_size,
        grey=grey,
        orientation=orientation,
        source_mode=source_mode,
        progressive=progressive,
        actions=actions,
        warnings=warn,
        done=done,
    )


def upright_size(data: bytes, kind: str, path: Path) -> tuple[int, int]:
    """(width, height) of the upright picture, read from the header without decoding the pixels."""
    im, _damaged = _open(data, kind, path)
    width, height = im.size
    orientation = _orientation(im, [])
    return (height, width) if orientation in (5, 6, 7, 8) else (width, height)


def _palette_is_grey(im: Image.Image) -> bool:
    palette = im.getpalette() or []
    triples = zip(palette[0::3], palette[1::3], palette[2::3], strict=False)
    return all(r == g == b for r, g, b in triples)


def fit_size(size: tuple[int, int], box: tuple[float, float]) -> tuple[int, int]:
    """The largest size with the aspect ratio of ``size`` inside ``box``, never larger than ``size``."""
    scale = min(box[0] / size[0], box[1] / size[1], 1.0)
    return max(1, math.floor(size[0] * scale + 0.5)), max(1, math.floor(size[1] * scale + 0.5))


def shrink_png(data: bytes, width: int, *, colours: int = 64) -> bytes:
    """A PNG (a page's screenshot) scaled down to ``width`` pixels and reduced to ``colours``.

    For recordings checked into the repository, where a screenshot only has to show the layout.
    The result carries no metadata (no text chunks); a narrower picture keeps its width.
    """
    with Image.open(io.BytesIO(data)) as source:
        im = source.convert("RGB")
    if im.width > width:
        im = im.resize((width, max(1, round(im.height * width / im.width))), Image.Resampling.LANCZOS)
    out = io.BytesIO()
    im.quantize(colors=colours, method=Image.Quantize.MEDIANCUT).save(out, format="PNG", optimize=True)
    return out.getvalue()
