"""What an uploaded agreement document really is, judged by its content, never by its name;
and how a stored one is handed out."""

import hashlib
import logging
import zipfile
from dataclasses import dataclass
from typing import IO

from django.http import FileResponse, Http404

from .models import AgreementDocument

logger = logging.getLogger(__name__)

PDF = "application/pdf"
DOCX = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"
ODT = "application/vnd.oasis.opendocument.text"

EXTENSIONS = {PDF: ".pdf", DOCX: ".docx", ODT: ".odt"}


@dataclass(frozen=True)
class SniffedFile:
    content_type: str
    extension: str
    size: int
    sha256: str


def _is_pdf(head: bytes) -> bool:
    return head.startswith(b"%PDF-")


def _zip_kind(stream: IO[bytes]) -> str | None:
    """DOCX or ODT when `stream` is a zip archive laid out as one, else None."""
    try:
        with zipfile.ZipFile(stream) as archive:
            members = archive.infolist()
            names = {member.filename for member in members}
            if members and members[0].filename == "mimetype":
                if members[0].file_size > 200:
                    return None
                mimetype = archive.read(members[0]).decode("ascii", "replace").strip()
                if mimetype == ODT:
                    return ODT
                return None
            if "[Content_Types].xml" in names and "word/document.xml" in names:
                return DOCX
    except (zipfile.BadZipFile, zipfile.LargeZipFile, OSError, EOFError, ValueError):
        return None
    return None


def sniff(stream: IO[bytes]) -> str | None:
    """The content type of a PDF, DOCX or ODT document in `stream`; None for anything else
    (an executable, an image, a spreadsheet, a renamed file of any other kind)."""
    stream.seek(0)
    head = stream.read(8)
    stream.seek(0)
    if _is_pdf(head):
        return PDF
    if head.startswith(b"PK\x03\x04"):
        kind = _zip_kind(stream)
        stream.seek(0)
        return kind
    return None


def digest(stream: IO[bytes], chunk_size: int = 1024 * 1024) -> tuple[str, int]:
    """SHA-256 (hex) and size in bytes of everything in `stream`."""
    stream.seek(0)
    sha = hashlib.sha256()
    size = 0
    while chunk := stream.read(chunk_size):
        sha.update(chunk)
        size += len(chunk)
    stream.seek(0)
    return sha.hexdigest(), size


def inspect(stream: IO[bytes]) -> SniffedFile | None:
    """Type, size and checksum of an accepted document, or None when its type is refused."""
    content_type = sniff(stream)
    if content_type is None:
        return None
    sha256, size = digest(stream)
    return SniffedFile(
        content_type=content_type,
        extension=EXTENSIONS[content_type],
        size=size,
        sha256=sha256,
    )


def document_file_response(document: AgreementDocument) -> FileResponse:
    """The stored file as a private download. A file gone from storage is logged for the
    administrators and answers 404 rather than a server error."""
    try:
        handle = document.file.open("rb")
    except OSError:
        logger.error(
            "Document %s of agreement %s is missing from storage: %s",
            document.pk,
            document.agreement_id,
            document.file.name,
        )
        raise Http404("The file of this document is missing from storage.") from None
    response = FileResponse(
        handle,
        as_attachment=True,
        filename=document.original_name,
        content_type=document.content_type,
    )
    response["X-Content-Type-Options"] = "nosniff"
    response["Cache-Control"] = "private, no-store"
    return response
