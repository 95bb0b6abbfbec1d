"""Real images for the export benchmark: photos, phone photos of forms and scanned PDFs.

Random bytes under a ``.jpg`` name only come out as corrupt, which costs nothing; what a drive
holds costs OCR time. So ``benchmarks/export_throughput.py`` draws its pictures from here, made
with Pillow the way ``tests/extract/scans.py`` makes the OCR tests' forms:

- event photos: a class picture's worth of shapes and gradients, no text (OCR looks and finds
  nothing), 2 to 8 megapixels as JPEG, like a phone's;
- phone photos of forms (perspective, shadow, JPEG), with a planted SSN, student ID and IEP
  terms or without;
- scanned PDFs: image-only pages of 1 to 3 forms or letters at 150 to 200 DPI.

Every image drawn is unique (a few pixels changed by the seed), so nothing is answered by a
cache of repeated images.
"""

from __future__ import annotations

import random

from PIL import Image, ImageDraw, ImageFilter

from tests.extract.scans import (
    FORM_504_ES,
    IEP_EN,
    Planted,
    encoded,
    form,
    photographed,
    scanned_pdf,
)

# A letter home with no student record in it: what most scanned pages in a drive are.
LETTER = (
    Planted("", "Dear families, the spring book fair opens on Monday", ""),
    Planted("", "in the library from 8:00 to 3:30. Volunteers are welcome.", ""),
    Planted("", "Please return the field trip permission slip by Friday.", ""),
    Planted("", "Thank you for your support of our school.", ""),
)


class ScanPool:
    """Images to put in a generated export, each call a new one (seeded)."""

    def __init__(self, rng: random.Random) -> None:
        self.rng = rng
        # Rendering a form costs about as much as reading it: keep a few pages and vary them.
        self._pages = {
            True: [form(IEP_EN, dpi=dpi) for dpi in (150, 200)] + [form(FORM_504_ES, dpi=150)],
            False: [form(LETTER, dpi=dpi, title="Newsletter") for dpi in (150, 200)],
        }
        self._scenes = [self._scene(w, h) for w, h in ((2400, 1800), (3264, 2448))]

    def _scene(self, width: int, height: int) -> Image.Image:
        """A photo-like picture without text: a gradient sky, a floor, people-sized shapes."""
        rng = self.rng
        image = Image.linear_gradient("L").resize((width, height)).convert("RGB")
        draw = ImageDraw.Draw(image)
        draw.rectangle((0, height * 2 // 3, width, height), fill=(120, 90, 60))
        for _ in range(40):
            x, y = rng.randrange(width), rng.randrange(height // 3, height)
            size = rng.randrange(width // 40, width // 10)
            color = tuple(rng.randrange(256) for _ in range(3))
            draw.ellipse((x, y - 2 * size, x + size, y), fill=color)
            draw.rectangle((x, y, x + size, y + 2 * size), fill=color)
        return image.filter(ImageFilter.GaussianBlur(2))

    def _unique(self, image: Image.Image) -> Image.Image:
        copy = image.copy()
        for _ in range(8):
            xy = (self.rng.randrange(copy.width), self.rng.randrange(copy.height))
            copy.putpixel(xy, (self.rng.randrange(256),) * len(copy.getbands()))
        return copy

    def photo(self, small: bool = False) -> bytes:
        """An event photo as a phone takes it (about 1 to 3 MB), or a smaller one as pasted
        into a document."""
        scene = self._unique(self.rng.choice(self._scenes))
        if small:
            scene = scene.resize((scene.width // 3, scene.height // 3))
        return encoded(scene, "JPEG", quality=85)

    def document_photo(self, planted: bool) -> bytes:
        """A phone photo of a form (or of a letter)."""
        page = self._unique(self.rng.choice(self._pages[planted]).convert("RGB"))
        return encoded(photographed(page), "JPEG", quality=80)

    def scanned_pdf(self, planted: bool) -> bytes:
        """An image-only PDF of 1 to 3 pages, the first with the planted record."""
        pages = [self.rng.choice(self._pages[planted])]
        pages += [self.rng.choice(self._pages[False]) for _ in range(self.rng.randint(0, 2))]
        return scanned_pdf([self._unique(page.convert("RGB")) for page in pages])
