"""Agreement documents: stored by version, accepted by what they contain."""

from pathlib import PurePath

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.files import File
from django.db import transaction
from django.db.models import Max
from django.utils.text import get_valid_filename
from django.utils.translation import gettext as _

from accord.core import uploads
from accord.core.models import User

from .. import documents as document_types
from ..models import Agreement, AgreementDocument, DocumentKind
from ._base import _locked, _record_change, _require_change

# Documents -----------------------------------------------------------------------------------


def _megabytes(size: int) -> str:
    value = size / (1024 * 1024)
    text = f"{value:.1f}" if value >= 1 else f"{value:.3f}"
    return text.rstrip("0").rstrip(".") or "0"


def document_upload(
    *, actor: User, agreement: Agreement, kind: str, file: File
) -> AgreementDocument:
    """Store a new version of the agreement's `kind` document: a PDF, DOCX or ODT file,
    judged by its content. Earlier versions stay."""
    _require_change(actor, agreement)
    if kind not in DocumentKind.values:
        raise ValidationError({"kind": _("Unknown kind of document: %(kind)s.") % {"kind": kind}})
    if file is None:
        raise ValidationError({"file": _("Choose a file to upload.")})
    limit = settings.ACCORD_DOCUMENT_MAX_BYTES
    if file.size is not None and file.size > limit:
        raise ValidationError(
            {
                "file": _("The file is larger than the limit of %(limit)s MB.")
                % {"limit": _megabytes(limit)}
            }
        )
    sniffed = document_types.inspect(file)
    if sniffed is None:
        raise ValidationError(
            {
                "file": _(
                    "Only PDF, Word (DOCX) and OpenDocument (ODT) documents are accepted; "
                    "this file is none of them."
                )
            }
        )
    if sniffed.size > limit:
        raise ValidationError(
            {
                "file": _("The file is larger than the limit of %(limit)s MB.")
                % {"limit": _megabytes(limit)}
            }
        )
    try:
        if sniffed.content_type == document_types.PDF:
            uploads.check_pdf(file)
        else:
            uploads.check_zip_archive(file, uploads.DOCUMENT_ZIP_LIMITS)
    except uploads.UnsafeFile as refusal:
        raise ValidationError({"file": refusal.message}) from None
    original_name = PurePath(str(file.name or "document").replace("\\", "/")).name[:255]
    stem = get_valid_filename(PurePath(original_name).stem)[:80] if original_name else ""
    stored_name = f"{stem or 'document'}{sniffed.extension}"
    saved_name = None
    try:
        with transaction.atomic():
            current = _locked(agreement)
            latest = current.documents.filter(kind=kind).aggregate(v=Max("version"))["v"]
            document = AgreementDocument(
                agreement=current,
                kind=kind,
                version=(latest or 0) + 1,
                original_name=original_name or stored_name,
                content_type=sniffed.content_type,
                size=sniffed.size,
                sha256=sniffed.sha256,
                uploaded_by=actor if actor.is_authenticated else None,
            )
            file.seek(0)
            document.file.save(stored_name, file, save=False)
            saved_name = document.file.name
            document.save()
            _record_change(
                actor=actor,
                action="agreement.document_uploaded",
                agreement=current,
                changes={
                    "document": document.pk,
                    "kind": kind,
                    "version": document.version,
                    "name": document.original_name,
                    "sha256": sniffed.sha256,
                    "size": sniffed.size,
                },
            )
    except Exception:
        if saved_name:
            document.file.storage.delete(saved_name)
        raise
    return document
