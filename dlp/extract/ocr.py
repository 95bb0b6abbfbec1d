"""OCR engines: an image in, its text and the engine's confidence out.

Two engines, chosen by name in ``Limits.ocr_engine``:

- ``rapidocr``: RapidOCR on ONNX Runtime, pip-installable with its three ONNX models inside the
  wheel (the default: it works on a fresh machine with only python3). Its recognition model
  has no accented Latin letters: "evaluación" comes out as "evaluaci6n".
- ``tesseract``: Debian's ``tesseract-ocr`` (+ ``tesseract-ocr-spa``) through pytesseract,
  where installed. Reads accents; see benchmarks/ocr_throughput.py for both engines' figures.

Only models that are already on this machine are used: RapidOCR's must lie inside its
installed package and Tesseract's in its own tessdata; a configuration that would fetch one
from anywhere else is refused (``OcrUnavailable``). An engine is loaded lazily, the first time
a process OCRs, and runs with one intra-op thread: scanning parallelism comes from processes.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Protocol

from PIL import Image

ENGINES = ("rapidocr", "tesseract")


class OcrUnavailable(Exception):
    """The named engine is not installed here, or would need a model from elsewhere."""


@dataclass(frozen=True, slots=True)
class OcrText:
    """What an engine read: lines in reading order, and its mean confidence (0-1) weighted by
    the characters of each piece it read."""

    text: str
    confidence: float


class Engine(Protocol):
    name: str

    def read(self, image: Image.Image) -> OcrText: ...


def weighted(pieces: list[tuple[str, float]]) -> float:
    chars = sum(len(text) for text, _ in pieces)
    if not chars:
        return 0.0
    return sum(len(text) * conf for text, conf in pieces) / chars


# The models inside the rapidocr-onnxruntime wheel, named outright so that no configuration
# can point the engine at one from elsewhere.
_RAPID_MODELS = {
    "det": "ch_PP-OCRv4_det_infer.onnx",
    "cls": "ch_ppocr_mobile_v2.0_cls_infer.onnx",
    "rec": "ch_PP-OCRv4_rec_infer.onnx",
}


class RapidOcr:
    name = "rapidocr"

    def __init__(self) -> None:
        try:
            import cv2
            from rapidocr_onnxruntime import RapidOCR
            from rapidocr_onnxruntime.main import root_dir
        except ImportError as error:
            raise OcrUnavailable("rapidocr-onnxruntime is not installed") from error
        cv2.setNumThreads(1)
        models = Path(root_dir).resolve() / "models"
        paths = {stage: models / name for stage, name in _RAPID_MODELS.items()}
        missing = [path.name for path in paths.values() if not path.is_file()]
        if missing:
            raise OcrUnavailable(f"RapidOCR's packaged models are missing: {', '.join(missing)}")
        self._ocr: Any = RapidOCR(
            intra_op_num_threads=1,
            inter_op_num_threads=1,
            # The line-angle classifier turns long typed lines upside down (measured: a
            # 55-character form line read as "ear aads s buial tads resa"); pages come
            # upright from PDFs and from photos' EXIF orientation.
            use_cls=False,
            **{f"{stage}_model_path": str(path) for stage, path in paths.items()},
        )

    def read(self, image: Image.Image) -> OcrText:
        import numpy as np

        result, _ = self._ocr(np.asarray(image.convert("RGB")))
        boxes = [(box, str(text), float(conf)) for box, text, conf in result or ()]
        lines = _lines(boxes)
        pieces = [(text, conf) for _, text, conf in boxes]
        return OcrText("\n".join(lines), weighted(pieces))


def _lines(boxes: list[tuple[Any, str, float]]) -> list[str]:
    """Boxes on the same line (vertical centres within half a box height) joined by spaces,
    left to right: a label and its value read as separate boxes stay on one line."""
    placed = sorted(
        (
            (
                sum(p[1] for p in box) / 4,
                max(p[1] for p in box) - min(p[1] for p in box),
                min(p[0] for p in box),
                text,
            )
            for box, text, _ in boxes
        ),
    )
    lines: list[list[tuple[float, str]]] = []
    centre = height = -1.0
    for y, h, x, text in placed:
        if lines and abs(y - centre) <= max(h, height) / 2:
            lines[-1].append((x, text))
        else:
            lines.append([(x, text)])
            centre, height = y, h
    return [" ".join(text for _, text in sorted(line)) for line in lines]


class Tesseract:
    name = "tesseract"

    def __init__(self) -> None:
        try:
            import pytesseract
        except ImportError as error:
            raise OcrUnavailable("pytesseract is not installed") from error
        # The tesseract child inherits this: one OpenMP thread per scanning process.
        os.environ["OMP_THREAD_LIMIT"] = "1"
        try:
            installed = set(pytesseract.get_languages(config=""))
        except (pytesseract.TesseractNotFoundError, OSError) as error:
            raise OcrUnavailable("the tesseract program is not installed") from error
        wanted = [lang for lang in ("eng", "spa") if lang in installed]
        if "eng" not in wanted:
            raise OcrUnavailable("Tesseract's English data (tesseract-ocr-eng) is not installed")
        self._lang = "+".join(wanted)
        self._tesseract = pytesseract

    def read(self, image: Image.Image) -> OcrText:
        data = self._tesseract.image_to_data(
            image.convert("L"), lang=self._lang, output_type=self._tesseract.Output.DICT
        )
        lines: dict[tuple[int, int, int], list[str]] = {}
        pieces: list[tuple[str, float]] = []
        for index, word in enumerate(data["text"]):
            confidence = float(data["conf"][index])
            if not word.strip() or confidence < 0:
                continue
            key = (data["block_num"][index], data["par_num"][index], data["line_num"][index])
            lines.setdefault(key, []).append(word)
            pieces.append((word, confidence / 100))
        text = "\n".join(" ".join(words) for words in lines.values())
        return OcrText(text, weighted(pieces))


_LOADED: dict[str, Engine] = {}
_REFUSED: dict[str, str] = {}


def engine(name: str) -> Engine:
    """The named engine, loaded on first use in this process (and its refusal remembered)."""
    if name in _LOADED:
        return _LOADED[name]
    if name in _REFUSED:
        raise OcrUnavailable(_REFUSED[name])
    makers: dict[str, type[RapidOcr] | type[Tesseract]] = {
        "rapidocr": RapidOcr,
        "tesseract": Tesseract,
    }
    maker = makers.get(name)
    if maker is None:
        raise OcrUnavailable(f"unknown OCR engine {name!r}")
    try:
        loaded: Engine = maker()
    except OcrUnavailable as error:
        _REFUSED[name] = str(error)
        raise
    _LOADED[name] = loaded
    return loaded
