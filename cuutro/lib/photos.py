"""Evidence photos: decode, check and re-encode uploads before anything is stored.

Shared by needs (photos of the damage) and pledges (photos of the hand-over or of the signed
receipt), so both refuse the same files with the same words.
"""

from __future__ import annotations

import io
import warnings
from dataclasses import dataclass

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import UploadedFile
from django.utils.translation import gettext as _

PHOTO_FORMATS = {"JPEG": "jpg", "PNG": "png", "WEBP": "webp"}
PHOTO_MAX_SIDE = 2000  # px: plenty to judge damage or read a receipt, light enough for 3G
PHOTO_MAX_PIXELS = 60_000_000  # refuse decompression bombs before decoding them


@dataclass(frozen=True)
class PreparedPhoto:
    content: bytes
    extension: str


def not_a_photo(field: str = "photos") -> ValidationError:
    return ValidationError({field: [_("This file is not a photo. Use a JPEG, PNG or WebP picture.")]})


def prepare_photo(upload: UploadedFile, *, field: str = "photos") -> PreparedPhoto:
    """Decode the upload, then re-encode it without metadata.

    Re-encoding proves it is a picture and drops EXIF, whose GPS tags and camera owner name
    would otherwise travel with a photo of someone's home. Errors name ``field``.
    """
    from PIL import Image, ImageOps, UnidentifiedImageError

    if upload.size is None or upload.size > settings.EVIDENCE_PHOTO_MAX_BYTES:
        raise ValidationError(
            {field: [_("A photo may be at most %(mb)d MB.") % {"mb": settings.EVIDENCE_PHOTO_MAX_BYTES // (1024 * 1024)}]}
        )
    try:
        upload.seek(0)
        with warnings.catch_warnings():
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            with Image.open(upload) as image:
                image_format = image.format
                if image_format not in PHOTO_FORMATS or image.width * image.height > PHOTO_MAX_PIXELS:
                    raise not_a_photo(field)
                image.load()
                picture = ImageOps.exif_transpose(image)
                picture.thumbnail((PHOTO_MAX_SIDE, PHOTO_MAX_SIDE))
                if image_format == "JPEG" and picture.mode not in ("RGB", "L"):
                    picture = picture.convert("RGB")
                buffer = io.BytesIO()
                picture.save(buffer, format=image_format, **({"quality": 85} if image_format != "PNG" else {}))
    except (UnidentifiedImageError, OSError, SyntaxError, ValueError, Image.DecompressionBombError, Image.DecompressionBombWarning):
        raise not_a_photo(field) from None
    finally:
        upload.seek(0)
    return PreparedPhoto(content=buffer.getvalue(), extension=PHOTO_FORMATS[image_format])
