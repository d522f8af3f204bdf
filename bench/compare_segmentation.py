"""Compare the person masks behind the white background: GrabCut (shipped) vs MediaPipe selfie seg.

    python bench/compare_segmentation.py crops OUT_DIR      # project venv: crops, truth, GrabCut
    python bench/compare_segmentation.py mediapipe OUT_DIR  # a venv with mediapipe==0.10.14

The first step makes the test suite's generated portraits (coloured, gradient and striped walls),
crops them as ``fix_photo`` does, saves each crop, its true person mask (where the picture does not
depend on the wall) and GrabCut's result, and prints IoU and CPU time. The second runs MediaPipe's
selfie-segmentation model (the .tflite inside the mediapipe 0.10.14 wheel) on the same crops. The
figures are in docs/documents.md. MediaPipe is not a dependency: install it in a throw-away venv
(``pip install --no-deps mediapipe==0.10.14`` plus absl-py attrs flatbuffers "numpy<2"
opencv-python-headless "protobuf<5" matplotlib pillow sounddevice).
"""

from __future__ import annotations

import sys
import time
from pathlib import Path

import numpy as np
from PIL import Image

KINDS = ("coloured", "gradient", "patterned")


def _iou(mask: np.ndarray, truth: np.ndarray) -> float:
    return float((mask & truth).sum() / (mask | truth).sum())


def crops(out: Path) -> None:
    sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
    from tests import docfactory as f

    from portal_bot.documents.background import person_mask, whiten
    from portal_bot.documents.face import find_face
    from portal_bot.documents.photo import plan_crop

    out.mkdir(parents=True, exist_ok=True)
    for kind in KINDS:
        size = (1200, 1600)
        on_wall = f.portrait(size, background=f.backdrop(size, kind))
        on_black = f.portrait(size, background=(0, 0, 0))  # same noise seed: differs only in the wall
        face = find_face(on_wall)
        assert face is not None
        plan = plan_crop(on_wall.size, face)
        assert plan is not None
        crop = on_wall.resize(plan.out_size, Image.Resampling.LANCZOS, box=plan.box)
        a = np.asarray(on_wall.resize(plan.out_size, box=plan.box), np.int16)
        b = np.asarray(on_black.resize(plan.out_size, box=plan.box), np.int16)
        truth = np.abs(a - b).max(axis=2) < 25
        crop.save(out / f"{kind}.png")
        np.save(out / f"{kind}_truth.npy", truth)
        cpu = []
        for _ in range(5):
            start = time.process_time()
            result = whiten(crop, person_mask(on_wall, face, plan.box))
            cpu.append(time.process_time() - start)
        result.image.save(out / f"{kind}_grabcut.png")
        print(
            f"{kind}: GrabCut IoU {_iou(result.alpha > 0.5, truth):.3f}, CPU {np.median(cpu) * 1000:.0f} ms"
        )


def mediapipe(out: Path) -> None:
    import mediapipe as mp

    segmenter = mp.solutions.selfie_segmentation.SelfieSegmentation(model_selection=0)
    for kind in KINDS:
        image = np.asarray(Image.open(out / f"{kind}.png").convert("RGB"))
        truth = np.load(out / f"{kind}_truth.npy")
        segmenter.process(image)  # warm-up
        cpu = []
        for _ in range(5):
            start = time.process_time()
            alpha = segmenter.process(image).segmentation_mask
            cpu.append(time.process_time() - start)
        white = image * alpha[..., None] + 255 * (1 - alpha[..., None])
        Image.fromarray(white.astype(np.uint8)).save(out / f"{kind}_mediapipe.png")
        print(f"{kind}: MediaPipe IoU {_iou(alpha > 0.5, truth):.3f}, CPU {np.median(cpu) * 1000:.0f} ms")


if __name__ == "__main__":
    {"crops": crops, "mediapipe": mediapipe}[sys.argv[1]](Path(sys.argv[2]))
