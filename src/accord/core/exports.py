"""What every CSV or XLSX download shares: no cell a spreadsheet would run as a formula, and
large lists streamed a row at a time."""

import csv
import datetime as dt
from collections.abc import Iterable, Iterator
from typing import Any

from django.http import StreamingHttpResponse

FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def neutralise(value: Any) -> Any:
    """A text cell a spreadsheet would run as a formula gets a leading apostrophe."""
    if isinstance(value, str) and value.startswith(FORMULA_STARTS):
        return "'" + value
    return value


class _Echo:
    """A file whose write gives back what it was given: csv.writer then formats one line."""

    def write(self, value: str) -> str:
        return value


def csv_lines(header: list[str], rows: Iterable[Iterable[Any]]) -> Iterator[str]:
    """A byte-order mark (so spreadsheets read UTF-8), the header, then each row with dates in
    ISO form and every cell neutralised."""
    writer = csv.writer(_Echo())
    yield "\ufeff" + writer.writerow(header)
    for values in rows:
        yield writer.writerow(
            [
                neutralise(value.isoformat() if isinstance(value, dt.date) else value)
                for value in values
            ]
        )


def csv_download(lines: Iterable[str], filename: str) -> StreamingHttpResponse:
    response = StreamingHttpResponse(lines, content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response
