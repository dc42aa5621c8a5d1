"""Photos made safe to keep and to show: the location a phone writes into a photo removed, the photo
turned upright, and a small JPEG preview for lists and the case file.

A complaint's photo is often taken at the complainant's home, so its GPS position is personal data
that no member of staff needs. Decoding is where image bombs go off, so every entry point here refuses
too many pixels before a single one is decoded, and a damaged image with ``InvalidInput``.
"""
from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from io import BytesIO
from typing import Any

from PIL import ExifTags, Image, ImageFile, ImageOps

from runtime.errors import InvalidInput

# Below Pillow's own bomb warning (89.5 M), so Pillow never warns first; a 64 MP phone photo passes.
MAX_PIXELS = 80_000_000
MAX_FRAMES = 300  # an animated GIF or WebP: its frames are decoded one by one when it is cleaned
THUMBNAIL_SIZE = 320
FORMATS = ("JPEG", "PNG", "GIF", "WEBP")
# What a re-saved image keeps from its file's metadata; comments and XMP can hold anything, a place too.
_KEPT_INFO = ("icc_profile", "transparency", "dpi", "duration", "loop", "background", "disposal")
# EXIF tags never copied: the location, the orientation (applied to the pixels instead), XMP and IPTC
# blocks (both may name the place), and the IFD pointers that are rebuilt.
_DROPPED_TAGS = {ExifTags.IFD.GPSInfo, ExifTags.Base.Orientation, ExifTags.Base.XMLPacket, ExifTags.Base.IPTCNAA,
                 ExifTags.IFD.Exif, ExifTags.IFD.Interop, ExifTags.Base.MakerNote}
_DECODE_ERRORS = (OSError, ValueError, SyntaxError, EOFError, Image.DecompressionBombError)


def open_image(data: bytes, subject: str = "The image") -> Image.Image:
    """``data`` opened (header only) as one of the accepted formats, its size checked; ``subject`` names
    it in the messages (the file's name, quoted)."""
    # A damaged image must never pass as whole: WeasyPrint (the archive) sets Pillow's process-wide
    # LOAD_TRUNCATED_IMAGES when it is imported, so the checks here set it back before every look.
    ImageFile.LOAD_TRUNCATED_IMAGES = False
    try:
        image = Image.open(BytesIO(data), formats=FORMATS)
    except _DECODE_ERRORS as e:
        raise damaged(subject) from e
    width, height = image.size
    frames = getattr(image, "n_frames", 1)  # an animation is decoded frame by frame: every frame counts
    if width * height * frames > MAX_PIXELS or frames > MAX_FRAMES:
        image.close()
        what = f"{width} × {height} pixels" + (f" in each of {frames} frames" if frames > 1 else "")
        raise InvalidInput(f"{subject} has {what}; at most {MAX_PIXELS // 1_000_000} million pixels in all "
                           f"(and {MAX_FRAMES} frames) are accepted.", reason="too_many_pixels", width=width,
                           height=height)
    return image


def damaged(subject: str) -> InvalidInput:
    return InvalidInput(f"{subject} is damaged or incomplete, so it cannot be read as an image.",
                        reason="damaged_image")


@contextmanager
def opened(data: bytes, subject: str = "The image") -> Iterator[Image.Image]:
    """``open_image``, closed after use; a decoding error inside the block is a damaged image."""
    image = open_image(data, subject)
    try:
        yield image
    except _DECODE_ERRORS as e:
        raise damaged(subject) from e
    finally:
        image.close()


def clean(data: bytes) -> bytes:
    """The image re-saved in its own format without its location, upright. An animation keeps its
    frames and loses all metadata (GIF has no EXIF; an animated WebP's is dropped whole)."""
    with opened(data) as image:
        file_format = image.format or "PNG"
        if getattr(image, "n_frames", 1) > 1:
            return _save(image, file_format, save_all=True)
        exif = _without_location(image.getexif())
        return _save(ImageOps.exif_transpose(image), file_format, exif=exif)


def thumbnail(data: bytes) -> bytes:
    """A JPEG preview, upright, at most ``THUMBNAIL_SIZE`` pixels on each side, RGB, no metadata."""
    with opened(data) as image:
        image.draft("RGB", (THUMBNAIL_SIZE, THUMBNAIL_SIZE))  # a JPEG decodes at 1/2 to 1/8 scale: far faster
        small = ImageOps.exif_transpose(image)
        small.thumbnail((THUMBNAIL_SIZE, THUMBNAIL_SIZE))
        out = BytesIO()
        _on_white(small).save(out, "JPEG", quality=85)
        return out.getvalue()


def _without_location(exif: Image.Exif) -> bytes:
    """The EXIF block rebuilt from what describes the picture (date taken, camera, exposure). Rebuilt,
    not edited: deleting GPSInfo from Pillow's parsed block can leave the GPS data it loaded behind, to
    be written again, and the embedded preview (IFD1) would still show the photo as it was before a crop."""
    kept = Image.Exif()
    for tag, value in exif.items():
        if tag not in _DROPPED_TAGS:
            kept[tag] = value
    details = {tag: value for tag, value in exif.get_ifd(ExifTags.IFD.Exif).items() if tag not in _DROPPED_TAGS}
    if details:
        kept[ExifTags.IFD.Exif] = details
    if not len(kept):
        return b""
    try:
        return kept.tobytes()
    except (ValueError, TypeError, KeyError, OverflowError):
        return b""  # metadata Pillow cannot write back is dropped: never a reason to refuse the photo


def _save(image: Image.Image, file_format: str, exif: bytes = b"", **options: Any) -> bytes:
    image.info = {key: value for key, value in image.info.items() if key in _KEPT_INFO}
    options["icc_profile"] = image.info.get("icc_profile")
    if "dpi" in image.info:
        options["dpi"] = image.info["dpi"]
    if exif and file_format != "GIF":
        options["exif"] = exif
    if file_format in ("JPEG", "WEBP"):
        options["quality"] = 90
    out = BytesIO()
    image.save(out, file_format, **options)
    return out.getvalue()


def _on_white(image: Image.Image) -> Image.Image:
    """RGB for JPEG: what was transparent becomes white (black would hide dark text on a screenshot)."""
    if image.mode in ("RGBA", "LA", "PA") or "transparency" in image.info:
        rgba = image.convert("RGBA")
        background = Image.new("RGB", rgba.size, "white")
        background.paste(rgba, mask=rgba.getchannel("A"))
        return background
    return image.convert("RGB")
