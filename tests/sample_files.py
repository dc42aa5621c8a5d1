"""Real files for tests of attachments, made here with Pillow and zipfile: a photo with EXIF (a place,
a date taken, an orientation), a PDF, a minimal Office Open XML document."""
from __future__ import annotations

import io
import zipfile

from PIL import ExifTags, Image

GPS = {ExifTags.GPS.GPSLatitudeRef: "N", ExifTags.GPS.GPSLatitude: (31.0, 14.0, 2.5),
       ExifTags.GPS.GPSLongitudeRef: "E", ExifTags.GPS.GPSLongitude: (121.0, 28.0, 7.25)}
TAKEN = "2026:11:30 09:12:00"
XMP = (b'<x:xmpmeta xmlns:x="adobe:ns:meta/"><rdf:RDF xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#">'
       b'<rdf:Description xmlns:exif="http://ns.adobe.com/exif/1.0/" exif:GPSLatitude="31,14.04N"/>'
       b"</rdf:RDF></x:xmpmeta>")
LIMIT = 20 * 1024 * 1024


def photo(file_format="JPEG", size=(40, 20), orientation=6, mode="RGB", **options) -> bytes:
    """Left half red, right half blue; EXIF with a place, a date taken and an orientation (6: the camera
    was turned, so the picture must be turned 90° clockwise to stand upright)."""
    image = Image.new("RGB", size, "blue")
    image.paste("red", (0, 0, size[0] // 2, size[1]))
    image = image.convert(mode)
    exif = Image.Exif()
    exif[ExifTags.Base.Make] = "TestCam"
    exif[ExifTags.Base.Orientation] = orientation
    exif[ExifTags.IFD.GPSInfo] = GPS
    exif[ExifTags.IFD.Exif] = {ExifTags.Base.DateTimeOriginal: TAKEN}
    out = io.BytesIO()
    image.save(out, file_format, exif=exif, **options)
    return out.getvalue()


def pdf() -> bytes:
    out = io.BytesIO()
    Image.new("RGB", (20, 20), "white").save(out, "PDF")  # a real PDF file, as Pillow writes it
    return out.getvalue()


def office(folder="word", extra: dict[str, bytes] | None = None) -> bytes:
    """A minimal OOXML package of the given kind: content types, package relations, the main part."""
    main = {"word": "word/document.xml", "xl": "xl/workbook.xml", "ppt": "ppt/presentation.xml"}[folder]
    parts = {"[Content_Types].xml": b'<?xml version="1.0"?><Types xmlns="http://schemas.openxmlformats.org/'
                                    b'package/2006/content-types"><Default Extension="xml" ContentType='
                                    b'"application/xml"/></Types>',
             "_rels/.rels": b'<?xml version="1.0"?><Relationships xmlns="http://schemas.openxmlformats.org/'
                            b'package/2006/relationships"><Relationship Id="rId1" Type="http://schemas.'
                            b'openxmlformats.org/officeDocument/2006/relationships/officeDocument" Target="'
                            + main.encode() + b'"/></Relationships>',
             main: "<document>楼上装修噪音</document>".encode(), **(extra or {})}
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, data in parts.items():
            archive.writestr(name, data)
    return out.getvalue()
