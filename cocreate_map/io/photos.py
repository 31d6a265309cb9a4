"""Photos residents attach to marks: type sniffed from the bytes, size-limited, metadata removed.

The file name and the browser's content type are not trusted: the first bytes decide (JPEG, PNG,
WebP). The picture is decoded with Pillow under a pixel limit (a "decompression bomb" is refused),
turned upright by its EXIF orientation, scaled to at most :data:`MAX_SIDE` pixels, and encoded
anew — so no EXIF block (GPS position, phone model, time) survives.
"""

from __future__ import annotations

import io
import math
from dataclasses import dataclass, field
from typing import Any

from cocreate_map import config
from cocreate_map.errors import InvalidInput, TooLarge
from cocreate_map.io.limits import heavy_job

MAX_SIDE = 1600
#: PNG and WebP decode at full size (no reduced-scale decoding as JPEG has): 12 MP is ~48 MB
LOSSLESS_MAX_PIXELS = 12_000_000
_GPS_TAG = 0x8825


@dataclass(frozen=True)
class Photo:
    mime: str
    width: int
    height: int
    data: bytes
    meta: dict[str, Any] = field(default_factory=dict)


def sniff(data: bytes) -> str | None:
    """The image type the bytes say, or None.

    >>> sniff(b"\\x89PNG\\r\\n\\x1a\\n....")
    'image/png'
    >>> sniff(b"<svg onload=alert(1)>") is None
    True
    """
    if data[:3] == b"\xff\xd8\xff":
        return "image/jpeg"
    if data[:8] == b"\x89PNG\r\n\x1a\n":
        return "image/png"
    if data[:4] == b"RIFF" and data[8:12] == b"WEBP":
        return "image/webp"
    return None


def clean_photo(data: bytes, max_mb: int | None = None) -> Photo:
    """A safe copy of an uploaded photo, or InvalidInput/TooLarge saying what to send instead."""
    from PIL import Image, ImageOps, UnidentifiedImageError

    limit_mb = max_mb or int(config.get("max_photo_mb"))
    if len(data) > limit_mb * 1024 * 1024:
        raise TooLarge(
            key="photos.photo_mb_most_mb", n_data=len(data) / 1024 / 1024, limit_mb=limit_mb
        )
    mime = sniff(data)
    if mime is None:
        raise InvalidInput(key="photos.file_jpeg_png_webp")
    max_pixels = int(config.get("max_photo_megapixels")) * 1_000_000
    try:
        with heavy_job("photo"), Image.open(io.BytesIO(data)) as probe:
            # the header's size, before a pixel is decoded (a 39 MP picture fits in 128 KB)
            if probe.width * probe.height > max_pixels:
                raise TooLarge(
                    key="photos.picture_pixels_most_megapixels",
                    width=probe.width,
                    height=probe.height,
                    max_pixels=max_pixels // 1_000_000,
                )
            if probe.format != "JPEG" and probe.width * probe.height > LOSSLESS_MAX_PIXELS:
                raise TooLarge(
                    key="photos.lossless_too_many_pixels",
                    kind=probe.format or mime,
                    width=probe.width,
                    height=probe.height,
                    max_pixels=LOSSLESS_MAX_PIXELS // 1_000_000,
                )
            probe.verify()
        with heavy_job("photo"), Image.open(io.BytesIO(data)) as img:
            exif = img.getexif()
            had_exif = len(exif) > 0
            had_gps = _GPS_TAG in exif
            if img.format == "JPEG":
                # decode at 1/2, 1/4 or 1/8 scale, still at least MAX_SIDE on the long side: a
                # 39 MP JPEG then needs ~2 MP of memory instead of 39 (603 MB peak before)
                scale = MAX_SIDE / max(img.width, img.height)
                if scale < 1:
                    img.draft("RGB", (math.ceil(img.width * scale), math.ceil(img.height * scale)))
            img.load()
            upright = ImageOps.exif_transpose(img)
            upright.thumbnail((MAX_SIDE, MAX_SIDE))
            # Pillow writes im.info["comment"] (a JPEG COM segment) into the new JPEG by default
            upright.info.pop("comment", None)
            keep_alpha = upright.mode in ("RGBA", "LA") or "transparency" in upright.info
            out = io.BytesIO()
            if keep_alpha:
                upright.save(out, format="PNG", optimize=True)
                out_mime = "image/png"
            else:
                upright.convert("RGB").save(out, format="JPEG", quality=85, optimize=True)
                out_mime = "image/jpeg"
            width, height = upright.size
    except (UnidentifiedImageError, OSError, SyntaxError, ValueError) as exc:
        raise InvalidInput(key="photos.picture_cannot_read_may", kind=type(exc).__name__) from None
    except Image.DecompressionBombError:
        raise TooLarge(
            key="photos.picture_too_large_open", max_pixels=max_pixels // 1_000_000
        ) from None
    return Photo(
        out_mime,
        width,
        height,
        out.getvalue(),
        {"original_type": mime, "original_bytes": len(data), "exif_removed": had_exif,
         "gps_removed": had_gps},
    )  # fmt: skip
