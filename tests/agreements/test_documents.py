"""Agreement documents: accepted by what they contain, versioned, never overwritten."""

import hashlib
import threading

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection

from accord.agreements import services
from accord.agreements.documents import sniff
from accord.agreements.models import AgreementDocument
from accord.core.audit import audit_events_for
from tests.factories import (
    AgreementFactory,
    agreement_row_counts,
    docx_bytes,
    odt_bytes,
    pdf_bytes,
)

pytestmark = pytest.mark.django_db

ELF = b"\x7fELF\x02\x01\x01\x00" + b"\x00" * 200
PE = b"MZ\x90\x00\x03\x00\x00\x00" + b"\x00" * 200


@pytest.fixture
def agreement(institution, partner):
    return AgreementFactory(parties=[institution, partner])


def upload(actor, agreement, name, content, kind="signed"):
    return services.document_upload(
        actor=actor,
        agreement=agreement,
        kind=kind,
        file=SimpleUploadedFile(name, content, content_type="application/pdf"),
    )


@pytest.mark.parametrize(
    ("name", "content", "content_type"),
    [
        ("memorandum.pdf", pdf_bytes(), "application/pdf"),
        (
            "memorandum.docx",
            docx_bytes(),
            "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
        ),
        ("memorandum.odt", odt_bytes(), "application/vnd.oasis.opendocument.text"),
    ],
)
def test_pdf_docx_and_odt_documents_are_accepted(officer, agreement, name, content, content_type):
    document = upload(officer, agreement, name, content)

    assert (document.kind, document.version, document.original_name) == ("signed", 1, name)
    assert document.content_type == content_type
    assert document.size == len(content)
    assert document.sha256 == hashlib.sha256(content).hexdigest()
    with document.file.open("rb") as stored:
        assert stored.read() == content
    event = audit_events_for(agreement).first()
    assert event.action == "agreement.document_uploaded"
    assert event.changes["sha256"] == document.sha256


@pytest.mark.parametrize(
    ("name", "content"),
    [
        ("memorandum.pdf", ELF),
        ("memorandum.pdf", PE),
        ("memorandum.docx", b"PK\x03\x04 not really a zip"),
        ("memorandum.pdf", b"<html><script>alert(1)</script></html>"),
        ("memorandum.pdf", b""),
    ],
    ids=["elf", "pe", "broken-zip", "html", "empty"],
)
def test_anything_else_renamed_as_a_document_is_refused(officer, agreement, name, content):
    before = agreement_row_counts()
    with pytest.raises(ValidationError) as error:
        upload(officer, agreement, name, content)
    assert error.value.message_dict == {
        "file": [
            "Only PDF, Word (DOCX) and OpenDocument (ODT) documents are accepted; "
            "this file is none of them."
        ]
    }
    assert agreement_row_counts() == before


def test_a_spreadsheet_zip_is_not_a_word_document(officer, agreement):
    import io
    import zipfile

    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("[Content_Types].xml", "<Types/>")
        archive.writestr("xl/workbook.xml", "<workbook/>")
    assert sniff(io.BytesIO(buffer.getvalue())) is None
    with pytest.raises(ValidationError):
        upload(officer, agreement, "sheet.docx", buffer.getvalue())


def test_a_file_over_the_limit_is_refused_naming_the_limit(officer, agreement, settings):
    settings.ACCORD_DOCUMENT_MAX_BYTES = 2 * 1024 * 1024
    before = agreement_row_counts()
    content = pdf_bytes() + b"0" * (2 * 1024 * 1024)
    with pytest.raises(ValidationError) as error:
        upload(officer, agreement, "big.pdf", content)
    assert error.value.message_dict == {"file": ["The file is larger than the limit of 2 MB."]}
    assert agreement_row_counts() == before


def test_each_upload_is_a_new_version_of_its_kind(officer, agreement):
    first = upload(officer, agreement, "draft.pdf", pdf_bytes(), kind="draft")
    second = upload(officer, agreement, "draft.docx", docx_bytes(), kind="draft")
    signed = upload(officer, agreement, "signed.pdf", pdf_bytes(), kind="signed")

    assert [first.version, second.version, signed.version] == [1, 2, 1]
    assert first.file.name != second.file.name
    assert AgreementDocument.objects.filter(agreement=agreement).count() == 3


def test_the_stored_name_is_safe_and_matches_the_content(officer, agreement):
    document = upload(officer, agreement, "../../etc/passwd memo.exe", pdf_bytes())
    assert document.original_name == "passwd memo.exe"
    assert document.file.name.startswith(f"agreements/{agreement.pk}/signed-v1-")
    assert document.file.name.endswith(".pdf")
    assert ".." not in document.file.name


def test_an_unknown_kind_of_document_is_refused(officer, agreement):
    with pytest.raises(ValidationError) as error:
        upload(officer, agreement, "x.pdf", pdf_bytes(), kind="secret")
    assert error.value.message_dict == {"kind": ["Unknown kind of document: secret."]}


def test_an_outsider_uploads_nothing(outsider, agreement):
    before = agreement_row_counts()
    with pytest.raises(PermissionDenied):
        upload(outsider, agreement, "x.pdf", pdf_bytes())
    assert agreement_row_counts() == before


@pytest.mark.postgres_only
@pytest.mark.django_db(transaction=True)
def test_concurrent_uploads_get_distinct_versions(officer, agreement):
    if connection.vendor != "postgresql":
        pytest.skip("needs PostgreSQL: concurrent writers")
    barrier = threading.Barrier(3)
    errors: list[Exception] = []

    def run(n: int) -> None:
        try:
            barrier.wait()
            upload(officer, agreement, f"draft-{n}.pdf", pdf_bytes(), kind="draft")
        except Exception as error:
            errors.append(error)
        finally:
            connection.close()

    threads = [threading.Thread(target=run, args=(n,)) for n in range(3)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    assert errors == []
    versions = AgreementDocument.objects.filter(agreement=agreement).values_list(
        "version", flat=True
    )
    assert sorted(versions) == [1, 2, 3]
