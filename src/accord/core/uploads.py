"""What an uploaded file must not hide: active content in a PDF, and a zip archive (DOCX, ODT,
XLSX) that would expand past what a reader of it can hold.

Both checks read only what they must: a zip archive's central directory, which states every
entry's sizes (Python's zipfile, which every reader in Accord uses, never expands an entry
past its stated size), and a PDF's bytes with its compressed streams expanded within a bound.
"""

import re
import zipfile
import zlib
from dataclasses import dataclass
from typing import IO

from django.template.defaultfilters import filesizeformat
from django.utils.translation import gettext as _


class UnsafeFile(Exception):
    """The file would be refused: `message` says why, naming the limit it passed."""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


@dataclass(frozen=True)
class ZipLimits:
    entries: int
    uncompressed_bytes: int
    # Expanded size over stored size, for entries large enough for it to matter: text and XML
    # reach 10-50, a run of zeros reaches 1,000 and more.
    ratio: int = 200
    ratio_from_bytes: int = 1024 * 1024


# A contract of a few hundred pages, images included, stays far inside these.
DOCUMENT_ZIP_LIMITS = ZipLimits(entries=2_000, uncompressed_bytes=256 * 1024 * 1024)


def check_zip_archive(stream: IO[bytes], limits: ZipLimits) -> None:
    """Raise UnsafeFile when the archive in `stream` passes a limit. A stream that is not a
    zip archive passes: telling what a file is belongs to the caller."""
    stream.seek(0)
    try:
        with zipfile.ZipFile(stream) as archive:
            entries = archive.infolist()
    except (zipfile.BadZipFile, zipfile.LargeZipFile, OSError, EOFError, ValueError):
        return
    finally:
        stream.seek(0)
    if len(entries) > limits.entries:
        raise UnsafeFile(
            _("The file is an archive of %(count)s parts; the limit is %(limit)s.")
            % {"count": f"{len(entries):,}", "limit": f"{limits.entries:,}"}
        )
    total = sum(entry.file_size for entry in entries)
    if total > limits.uncompressed_bytes:
        raise UnsafeFile(
            _("The file's content expands to %(size)s; the limit is %(limit)s.")
            % {
                "size": filesizeformat(total),
                "limit": filesizeformat(limits.uncompressed_bytes),
            }
        )
    for entry in entries:
        if entry.file_size < limits.ratio_from_bytes:
            continue
        ratio = entry.file_size / max(entry.compress_size, 1)
        if ratio > limits.ratio:
            raise UnsafeFile(
                _(
                    "The file's part %(name)s is compressed %(ratio)s times; the limit is "
                    "%(limit)s times, which no real document needs."
                )
                % {"name": entry.filename[:100], "ratio": f"{ratio:,.0f}", "limit": limits.ratio}
            )


# A PDF name may spell any character as #xx ("/J#61vaScript"); names end at a delimiter.
_PDF_NAME = re.compile(rb"/((?:[^\s/<>\[\]()%{}#]|#[0-9A-Fa-f]{2})+)")
_ACTIVE_NAMES = {b"JavaScript": "JavaScript", b"JS": "JavaScript", b"Launch": "launch"}
_FLATE_STREAM = re.compile(rb"/FlateDecode.*?stream\r?\n", re.S)
# The expanded streams read in all: more than this is refused rather than read on.
PDF_EXPANDED_LIMIT = 64 * 1024 * 1024


def _names(data: bytes) -> set[bytes]:
    found = set()
    for match in _PDF_NAME.finditer(data):
        raw = match.group(1)
        if b"#" in raw:
            raw = re.sub(rb"#([0-9A-Fa-f]{2})", lambda m: bytes([int(m.group(1), 16)]), raw)
        found.add(raw)
    return found


def _active(data: bytes) -> str | None:
    for name in _names(data) & _ACTIVE_NAMES.keys():
        return _ACTIVE_NAMES[name]
    return None


def _expanded_streams(data: bytes) -> list[bytes]:
    """The content of the PDF's Flate-compressed streams, object streams among them, where
    actions can hide from a reader of the raw bytes."""
    expanded: list[bytes] = []
    view = memoryview(data)
    budget = PDF_EXPANDED_LIMIT
    for match in _FLATE_STREAM.finditer(data):
        inflater = zlib.decompressobj()
        try:
            chunk = inflater.decompress(view[match.end() :], budget + 1)
        except zlib.error:
            continue
        budget -= len(chunk)
        if budget < 0:
            raise UnsafeFile(
                _("The file's compressed content expands past %(limit)s, the limit.")
                % {"limit": filesizeformat(PDF_EXPANDED_LIMIT)}
            )
        expanded.append(chunk)
    return expanded


def check_pdf(stream: IO[bytes]) -> None:
    """Raise UnsafeFile when the PDF in `stream` holds JavaScript or a launch action, which a
    reader's viewer could run on opening it."""
    stream.seek(0)
    data = stream.read()
    stream.seek(0)
    kind = _active(data)
    if kind is None:
        for chunk in _expanded_streams(data):
            if kind := _active(chunk):
                break
    if kind == "JavaScript":
        raise UnsafeFile(
            _("The PDF holds JavaScript, which Accord does not accept. Save it again as plain PDF.")
        )
    if kind == "launch":
        raise UnsafeFile(
            _(
                "The PDF holds an action that starts another program, which Accord does not "
                "accept. Save it again as plain PDF."
            )
        )
