"""An agreement document may not carry what a reader's software would run or choke on: a PDF
with JavaScript or a launch action, an Office file that expands to gigabytes."""

import io
import zipfile
import zlib

import pytest
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile

from accord.agreements import services
from accord.core.uploads import ZipLimits, check_zip_archive
from tests.factories import AgreementFactory, agreement_row_counts, docx_bytes, pdf_bytes

pytestmark = pytest.mark.django_db

JAVASCRIPT_REFUSED = (
    "The PDF holds JavaScript, which Accord does not accept. Save it again as plain PDF."
)


@pytest.fixture
def agreement(institution, partner):
    return AgreementFactory(parties=[institution, partner])


def upload(actor, agreement, name, content):
    return services.document_upload(
        actor=actor,
        agreement=agreement,
        kind="signed",
        file=SimpleUploadedFile(name, content, content_type="application/octet-stream"),
    )


def pdf_with(catalog_extra: bytes, *objects: bytes) -> bytes:
    body = b"%PDF-1.7\n1 0 obj<</Type/Catalog/Pages 2 0 R" + catalog_extra + b">>endobj\n"
    body += b"2 0 obj<</Type/Pages/Kids[]/Count 0>>endobj\n"
    for number, content in enumerate(objects, start=3):
        body += b"%d 0 obj" % number + content + b"endobj\n"
    return body + b"trailer<</Root 1 0 R>>\n%%EOF\n"


def refused_with(officer, agreement, name, content) -> list[str]:
    before = agreement_row_counts()
    with pytest.raises(ValidationError) as error:
        upload(officer, agreement, name, content)
    assert agreement_row_counts() == before
    return error.value.message_dict["file"]


def test_a_pdf_that_runs_javascript_on_opening_is_refused(officer, agreement):
    content = pdf_with(b"/OpenAction<</S/JavaScript/JS(app.alert('hi'))>>")

    assert refused_with(officer, agreement, "memo.pdf", content) == [JAVASCRIPT_REFUSED]


def test_javascript_spelled_with_escapes_is_refused(officer, agreement):
    content = pdf_with(b"/OpenAction 3 0 R", b"<</S/J#61vaScript/J#53 (app.alert(1))>>")

    assert refused_with(officer, agreement, "memo.pdf", content) == [JAVASCRIPT_REFUSED]


def test_javascript_hidden_in_a_compressed_object_stream_is_refused(officer, agreement):
    hidden = zlib.compress(b"4 0 obj<</S/JavaScript/JS(app.alert(1))>>endobj")
    stream = b"<</Type/ObjStm/Filter/FlateDecode/Length %d>>stream\n%s\nendstream" % (
        len(hidden),
        hidden,
    )
    content = pdf_with(b"/OpenAction 4 0 R", stream)

    assert refused_with(officer, agreement, "memo.pdf", content) == [JAVASCRIPT_REFUSED]


def test_a_pdf_that_launches_a_program_is_refused(officer, agreement):
    content = pdf_with(b"/OpenAction<</S/Launch/F(cmd.exe)>>")

    assert refused_with(officer, agreement, "memo.pdf", content) == [
        "The PDF holds an action that starts another program, which Accord does not accept. "
        "Save it again as plain PDF."
    ]


def test_a_pdf_that_only_mentions_javascript_in_its_text_is_accepted(officer, agreement):
    page_text = zlib.compress(b"BT /F1 12 Tf (How JavaScript runs in a browser) Tj ET")
    content = pdf_with(
        b"",
        b"<</Filter/FlateDecode/Length %d>>stream\n%s\nendstream" % (len(page_text), page_text),
    )

    assert upload(officer, agreement, "memo.pdf", content).size == len(content)
    assert upload(officer, agreement, "plain.pdf", pdf_bytes()).version == 2


def docx_with_document(document_xml: bytes | None = None, zeros: int = 0) -> bytes:
    """A DOCX whose word/document.xml is `document_xml`, or `zeros` bytes of zeros."""
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("[Content_Types].xml", "<Types/>")
        with archive.open("word/document.xml", "w") as part:
            if document_xml is not None:
                part.write(document_xml)
            chunk = bytes(1024 * 1024)
            for _ in range(zeros // len(chunk)):
                part.write(chunk)
    return buffer.getvalue()


def test_a_docx_that_is_a_zip_bomb_is_refused_naming_the_limit(officer, agreement):
    content = docx_with_document(zeros=200 * 1024 * 1024)
    stored = zipfile.ZipFile(io.BytesIO(content)).getinfo("word/document.xml").compress_size
    ratio = 200 * 1024 * 1024 / stored

    assert len(content) < 1024 * 1024
    assert refused_with(officer, agreement, "memo.docx", content) == [
        f"The file's part word/document.xml is compressed {ratio:,.0f} times; the limit is "
        "200 times, which no real document needs."
    ]


def test_a_real_docx_passes_the_archive_limits(officer, agreement):
    assert upload(officer, agreement, "memo.docx", docx_bytes()).content_type.endswith(
        "wordprocessingml.document"
    )


def limits_refusal(content: bytes, limits: ZipLimits) -> str:
    from accord.core.uploads import UnsafeFile

    with pytest.raises(UnsafeFile) as error:
        check_zip_archive(io.BytesIO(content), limits)
    return error.value.message


def test_the_archive_limits_on_entries_and_total_size_are_named():
    content = docx_bytes()

    assert limits_refusal(content, ZipLimits(entries=2, uncompressed_bytes=10**9)) == (
        "The file is an archive of 3 parts; the limit is 2."
    )
    assert limits_refusal(content, ZipLimits(entries=10, uncompressed_bytes=100)) == (
        f"The file's content expands to {sum_of_sizes(content)}\xa0bytes; "
        "the limit is 100\xa0bytes."
    )


def sum_of_sizes(content: bytes) -> int:
    return sum(entry.file_size for entry in zipfile.ZipFile(io.BytesIO(content)).infolist())
