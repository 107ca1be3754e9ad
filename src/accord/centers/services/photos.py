"""A center's photos: JPEG, PNG or WebP images, judged by their content, shown in order."""

import warnings
from collections import defaultdict
from dataclasses import dataclass
from pathlib import PurePath
from typing import cast

from django.conf import settings
from django.core.files import File
from django.db import transaction
from django.db.models import Max
from django.utils.text import get_valid_filename
from django.utils.translation import gettext as _
from PIL import Image, UnidentifiedImageError

from accord.core.audit import audit_record
from accord.core.models import User

from ..models import CenterPhoto, ResearchCenter
from ._base import _raise, _require_manager

# Pillow's name of each accepted format, with the extension the stored file gets.
PHOTO_FORMATS = {"JPEG": ".jpg", "PNG": ".png", "WEBP": ".webp"}
CAPTION_LENGTH = 300


@dataclass(frozen=True)
class _Picture:
    format: str
    width: int
    height: int


def _megabytes(size: int) -> str:
    value = size / (1024 * 1024)
    text = f"{value:.1f}" if value >= 1 else f"{value:.3f}"
    return text.rstrip("0").rstrip(".") or "0"


def _too_large() -> str:
    return _("The photo is larger than the limit of %(limit)s MB.") % {
        "limit": _megabytes(settings.ACCORD_PHOTO_MAX_BYTES)
    }


def _picture(image: File) -> _Picture | None:
    """What Pillow reads in `image`, when it is a whole JPEG, PNG or WebP picture."""
    try:
        image.seek(0)
        with warnings.catch_warnings():
            # A picture of absurd dimensions (a decompression bomb) is refused, not decoded.
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            with Image.open(image) as picture:
                kind = picture.format or ""
                width, height = picture.size
                picture.verify()
    except (
        UnidentifiedImageError,
        Image.DecompressionBombError,
        Image.DecompressionBombWarning,
        OSError,
        SyntaxError,
        ValueError,
    ):
        return None
    finally:
        image.seek(0)
    if kind not in PHOTO_FORMATS or width < 1 or height < 1:
        return None
    return _Picture(format=kind, width=width, height=height)


def _file_size(image: File) -> int:
    if image.size is not None:
        return int(image.size)
    image.seek(0, 2)
    size = image.tell()
    image.seek(0)
    return size


def center_photo_add(
    *, actor: User, center: ResearchCenter, image: File | None, caption: str = ""
) -> CenterPhoto:
    """Add a photo to the end of the center's photos; a manager of the center only. The file
    must be a JPEG, PNG or WebP picture (judged by its content, not its name) no larger than
    ACCORD_PHOTO_MAX_BYTES; it is stored as uploaded."""
    _require_manager(actor, center)
    errors: dict[str, list[str]] = defaultdict(list)
    caption = " ".join(str(caption or "").split())
    if len(caption) > CAPTION_LENGTH:
        errors["caption"].append(_("At most %(n)d characters.") % {"n": CAPTION_LENGTH})
    picture = None
    size = 0
    if image is None:
        errors["image"].append(_("Choose a photo to upload."))
    else:
        size = _file_size(image)
        if size > settings.ACCORD_PHOTO_MAX_BYTES:
            errors["image"].append(_too_large())
        else:
            picture = _picture(image)
            if picture is None:
                errors["image"].append(
                    _("Only JPEG, PNG and WebP pictures are accepted; this file is none of them.")
                )
    _raise(errors)
    image, picture = cast(File, image), cast(_Picture, picture)
    original = PurePath(str(image.name or "photo").replace("\\", "/")).name
    stem = get_valid_filename(PurePath(original).stem)[:80] if original else ""
    stored_name = f"{stem or 'photo'}{PHOTO_FORMATS[picture.format]}"
    saved_name = None
    try:
        with transaction.atomic():
            locked = ResearchCenter.objects.select_for_update().get(pk=center.pk)
            last = locked.photos.aggregate(last=Max("position"))["last"]
            photo = CenterPhoto(
                center=locked, caption=caption, position=0 if last is None else last + 1
            )
            image.seek(0)
            photo.image.save(stored_name, image, save=False)
            saved_name = photo.image.name
            photo.save()
            audit_record(
                actor=actor,
                action="center.photo_added",
                target=locked,
                changes={
                    "photo": photo.pk,
                    "name": original[:255],
                    "caption": caption,
                    "format": picture.format,
                    "width": picture.width,
                    "height": picture.height,
                    "size": size,
                },
            )
    except Exception:
        if saved_name:
            photo.image.storage.delete(saved_name)
        raise
    return photo


def center_photo_remove(*, actor: User, photo: CenterPhoto) -> None:
    """Remove a photo from its center's page and its file from storage (once committed)."""
    center = photo.center
    _require_manager(actor, center)
    storage, name = photo.image.storage, photo.image.name
    with transaction.atomic():
        audit_record(
            actor=actor,
            action="center.photo_removed",
            target=center,
            changes={"photo": photo.pk, "caption": photo.caption, "file": name},
        )
        photo.delete()
        if name:
            transaction.on_commit(lambda: storage.delete(name))


def center_photo_move(*, actor: User, photo: CenterPhoto, earlier: bool) -> None:
    """Swap the photo with the one shown before it (`earlier`) or after it."""
    _require_manager(actor, photo.center)
    with transaction.atomic():
        ResearchCenter.objects.select_for_update().filter(pk=photo.center_id).first()
        photos = list(
            CenterPhoto.objects.filter(center_id=photo.center_id).order_by("position", "pk")
        )
        index = next((i for i, row in enumerate(photos) if row.pk == photo.pk), None)
        if index is None:
            return
        other = index - 1 if earlier else index + 1
        if not 0 <= other < len(photos):
            return
        photos[index], photos[other] = photos[other], photos[index]
        changed = []
        for position, row in enumerate(photos):
            if row.position != position:
                row.position = position
                changed.append(row)
        CenterPhoto.objects.bulk_update(changed, ["position"])
        audit_record(
            actor=actor,
            action="center.photos_reordered",
            target=photo.center,
            changes={"photos": [row.pk for row in photos]},
        )
