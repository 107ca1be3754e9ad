"""Reading an import file row by row, in constant memory: CSV through `csv.reader` over a text
stream, XLSX through openpyxl's read-only mode. Whatever makes a file unreadable as a whole
(not UTF-8, not a workbook, no header) is an ImportFileError with a message for people."""

import codecs
import csv
import io
import re
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import IO, Any

from django.utils.translation import gettext as _

from accord.core import uploads

Opener = Callable[[], IO[bytes]]
Cells = list[Any]

ZIP_MAGIC = b"PK\x03\x04"
OLE_MAGIC = b"\xd0\xcf\x11\xe0"  # the old binary .xls format
UTF16_BOMS = (codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)
SNIFF_BYTES = 64 * 1024
SAVE_AS_UTF8 = _(
    "Save it as “CSV UTF-8 (comma delimited)” in your spreadsheet program, or re-encode it "
    "as UTF-8, and import it again."
)


class ImportFileError(Exception):
    """The file cannot be read as a table of mobilities at all."""

    def __init__(self, message: str, field: str = "file") -> None:
        super().__init__(message)
        self.message = message
        self.field = field


def file_format(head: bytes, name: str) -> str:
    """ "csv" or "xlsx", judged by the content first and the name second."""
    lower = name.lower()
    if head.startswith(ZIP_MAGIC):
        return "xlsx"
    if head.startswith(OLE_MAGIC) or lower.endswith(".xls"):
        raise ImportFileError(
            _(
                "This is an old Excel workbook (.xls); save it as an Excel workbook (.xlsx) or as "
                "CSV UTF-8 and import it again."
            )
        )
    if lower.endswith((".xlsx", ".xlsm")):
        raise ImportFileError(
            _(
                "The file is named %(name)s but is not an Excel workbook (.xlsx): it may be "
                "damaged, or another kind of file renamed. Save it from your spreadsheet "
                "program as .xlsx or as CSV UTF-8."
            )
            % {"name": name}
        )
    if head.startswith(UTF16_BOMS):
        raise ImportFileError(
            _("The file is UTF-16 text, not UTF-8. %(advice)s") % {"advice": SAVE_AS_UTF8}
        )
    return "csv"


# A workbook's sheets are XML, which compresses 10-20 times; a 200 MB upload of them expands
# to about 2.5 GB.
WORKBOOK_ZIP_LIMITS = uploads.ZipLimits(entries=10_000, uncompressed_bytes=3 * 1024**3, ratio=200)


def sniff(opener: Opener, name: str) -> str:
    """The file's format, after checking that its start is readable as that format and that
    a workbook's archive stays within WORKBOOK_ZIP_LIMITS."""
    with opener() as stream:
        kind = sniff_head(stream.read(SNIFF_BYTES), name)
        if kind == "xlsx":
            try:
                uploads.check_zip_archive(stream, WORKBOOK_ZIP_LIMITS)
            except uploads.UnsafeFile as refusal:
                raise ImportFileError(refusal.message) from None
        return kind


def sniff_head(head: bytes, name: str) -> str:
    """`sniff` for the first SNIFF_BYTES of the file."""
    if not head.strip():
        raise ImportFileError(_("The file is empty."))
    kind = file_format(head, name)
    if kind == "csv":
        decoder = codecs.getincrementaldecoder("utf-8")()
        try:
            decoder.decode(head, final=False)
        except UnicodeDecodeError as error:
            raise ImportFileError(_not_utf8(head, error.start)) from None
    return kind


def _not_utf8(data: bytes, position: int, row: int | None = None) -> str:
    line = data.count(b"\n", 0, position) + 1 if row is None else row
    return _(
        "The file is not UTF-8 text: the byte 0x%(byte)s on line %(line)s is not valid UTF-8 "
        "(the file was probably saved as Windows-1251, Latin-1 or another legacy encoding). "
        "%(advice)s"
    ) % {"byte": f"{data[position]:02X}", "line": line, "advice": SAVE_AS_UTF8}


def rows(opener: Opener, kind: str) -> Iterator[tuple[int, Cells]]:
    """(row number, cells) for every row, the header first as row 1; blank rows are left
    out but keep their number, so numbers match what a spreadsheet program shows."""
    if kind == "xlsx":
        return _xlsx_rows(opener)
    return _csv_rows(opener)


def count_rows(opener: Opener, kind: str) -> int:
    """How many data rows (not counting the header) the file holds, cheaply: a bare CSV
    parse, or the dimension an XLSX sheet declares."""
    if kind == "xlsx":
        with _workbook(opener) as workbook:
            sheet = workbook.worksheets[0]
            declared = sheet.max_row or _count_row_tags(sheet._get_source())
        return max(int(declared) - 1, 0)
    total = 0
    for _row in rows(opener, kind):
        total += 1
    return max(total - 1, 0)


_ROW_TAG = re.compile(rb"<(?:\w+:)?row[\s>/]")


def _count_row_tags(source: IO[bytes]) -> int:
    """The <row> elements of a sheet's XML, counted in the raw stream: a workbook that does
    not declare its size (many programs write none) is measured without parsing its cells."""
    count = 0
    tail = b""
    with source:
        while chunk := source.read(1 << 20):
            data = tail + chunk
            count += len(_ROW_TAG.findall(data))
            # Keep the last bytes for a tag cut by the chunk's end, minus any tag in them.
            tail = data[-16:]
            count -= len(_ROW_TAG.findall(tail))
    return count


def _delimiter(first_line: str) -> str:
    # Spreadsheet programs in many European locales write semicolons.
    counts = {delimiter: first_line.count(delimiter) for delimiter in (",", ";", "\t")}
    best = max(counts, key=lambda delimiter: counts[delimiter])
    return best if counts[best] else ","


def _csv_rows(opener: Opener) -> Iterator[tuple[int, Cells]]:
    with opener() as binary:
        text = io.TextIOWrapper(binary, encoding="utf-8-sig", newline="")
        number = 0
        try:
            first = text.readline()
            reader = csv.reader(
                _chain_first(first, text), delimiter=_delimiter(first), strict=False
            )
            for cells in reader:
                number += 1
                if cells and any(cells):
                    yield number, cells
        except UnicodeDecodeError as error:
            raise ImportFileError(
                _not_utf8(error.object, error.start, row=number + 1)  # type: ignore[arg-type]
            ) from None
        except csv.Error as error:
            raise ImportFileError(
                _("Row %(row)s cannot be read as CSV: %(error)s.")
                % {"row": number + 1, "error": error}
            ) from None


def _chain_first(first: str, rest: IO[str]) -> Iterator[str]:
    yield first
    yield from rest


@contextmanager
def _workbook(opener: Opener) -> Iterator[Any]:
    """The workbook, read-only; it and the stream under it are closed on leaving."""
    from openpyxl import load_workbook

    with opener() as stream:
        try:
            # data_only=False: a formula is read as its text (=HYPERLINK(...)), never evaluated.
            workbook = load_workbook(stream, read_only=True, data_only=False)
        except Exception:
            raise ImportFileError(
                _(
                    "The file is not a readable Excel workbook (.xlsx): it may be damaged, or "
                    "another kind of file renamed. Save it from your spreadsheet program as "
                    ".xlsx or as CSV UTF-8."
                )
            ) from None
        try:
            if not workbook.worksheets:
                raise ImportFileError(_("The workbook has no sheet."))
            yield workbook
        finally:
            workbook.close()


def _xlsx_rows(opener: Opener) -> Iterator[tuple[int, Cells]]:
    with _workbook(opener) as workbook:
        sheet = workbook.worksheets[0]
        try:
            for number, cells in enumerate(sheet.iter_rows(values_only=True), start=1):
                if any(cell is not None and cell != "" for cell in cells):
                    yield number, list(cells)
        except Exception:
            raise ImportFileError(
                _("The workbook's first sheet cannot be read: the file may be damaged.")
            ) from None
