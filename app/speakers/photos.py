"""Speaker photos: checked by content, shrunk to at most 600×600 and re-encoded without metadata.

Re-encoding from the decoded pixels drops EXIF (camera, GPS position), XMP and ICC data, and anything
hidden after the image data; the orientation EXIF held is applied to the pixels first.
"""

import io
from dataclasses import dataclass

from PIL import Image, ImageOps, UnidentifiedImageError

from app.errors import InvalidInput
from app.i18n import _

MAX_PHOTO_SIDE = 600
# Enough for any camera picture; a bigger upload is refused before Pillow reads it.
MAX_PHOTO_BYTES = 15 * 1024 * 1024
# A decompression bomb (tiny file, huge canvas) is refused before decoding.
MAX_PHOTO_PIXELS = 50_000_000
ACCEPTED_FORMATS = {"JPEG", "PNG", "WEBP"}


@dataclass(frozen=True)
class PreparedPhoto:
    content: bytes
    content_type: str
    extension: str
    width: int
    height: int


def _refuse() -> InvalidInput:
    return InvalidInput(_("Choose a JPEG, PNG or WebP picture."), field="photo")


def prepare_photo(raw: bytes) -> PreparedPhoto:
    """The picture as we publish it: at most 600 px on each side, PNG stays PNG, everything else JPEG."""
    if len(raw) > MAX_PHOTO_BYTES:
        raise InvalidInput(_("This picture is larger than 15 MB; choose a smaller one."), field="photo")
    try:
        with Image.open(io.BytesIO(raw)) as image:
            if image.format not in ACCEPTED_FORMATS:
                raise _refuse()
            if image.width * image.height > MAX_PHOTO_PIXELS:
                raise InvalidInput(
                    _("This picture has too many pixels; choose a smaller one."), field="photo"
                )
            image.load()
            upright = ImageOps.exif_transpose(image)
            source_format = image.format
    except (UnidentifiedImageError, OSError, Image.DecompressionBombError, ValueError) as error:
        raise _refuse() from error
    upright.thumbnail((MAX_PHOTO_SIDE, MAX_PHOTO_SIDE), Image.Resampling.LANCZOS)
    keeps_transparency = source_format == "PNG"
    output = io.BytesIO()
    if keeps_transparency:
        clean = upright.convert("RGBA") if upright.mode not in ("RGB", "RGBA", "L", "LA") else upright
        # A fresh image holds only the pixels: no text chunks, no ICC profile, no EXIF.
        bare = Image.new(clean.mode, clean.size)
        bare.paste(clean)
        bare.save(output, format="PNG", optimize=True)
        content_type, extension = "image/png", "png"
    else:
        clean = upright.convert("RGB")
        bare = Image.new("RGB", clean.size)
        bare.paste(clean)
        bare.save(output, format="JPEG", quality=85, optimize=True)
        content_type, extension = "image/jpeg", "jpg"
    return PreparedPhoto(
        content=output.getvalue(),
        content_type=content_type,
        extension=extension,
        width=bare.width,
        height=bare.height,
    )
