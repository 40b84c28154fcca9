"""CSV and XLSX downloads of any book or statement.

CSV streams one row at a time (constant memory, UTF-8 with a BOM so spreadsheet programs read
the Chinese). XLSX is written by openpyxl's write-only workbook into a temporary file, which is
then sent in chunks; money formatted ``#,##0.00``. (openpyxl keeps each distinct string once in
memory, its shared strings table: XLSX memory grows with the distinct texts, CSV's does not.)
Amounts travel as ``Decimal``; CSV writes them with two places, XLSX as numbers.

A totals row may be a function, called once the rows have been read: a book streamed from the
database adds its totals up on the way.
"""
from __future__ import annotations

import csv
import io
import tempfile
from datetime import date, datetime
from decimal import Decimal
from typing import IO, Any, Callable, Iterable, Iterator, Sequence
from urllib.parse import quote

from flask import Response, stream_with_context
from openpyxl import Workbook
from openpyxl.cell import WriteOnlyCell
from openpyxl.styles import Alignment, Font

from ..cells import FORMULA_STARTS, csv_text, is_formula_like

MONEY_FORMAT = "#,##0.00"
WEIGHT_FORMAT = "#,##0.000"
CSV_TYPE = "text/csv; charset=utf-8"
XLSX_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
#: bytes of a written XLSX file sent at a time
CHUNK = 64 * 1024

#: what a cell may not begin with (each one character): :func:`market.cells.csv_text`'s test in a set
_FORMULA_FIRST = frozenset(FORMULA_STARTS)

Totals = Sequence[Any] | Callable[[], Sequence[Any]] | None


def _totals(totals: Totals) -> Sequence[Any] | None:
    """The totals row; a function is called (after the rows were read)."""
    return totals() if callable(totals) else totals


class Cell:
    """A value with an explicit number format (e.g. a weight with three places)."""

    def __init__(self, value: Any, number_format: str) -> None:
        self.value = value
        self.number_format = number_format

    def __str__(self) -> str:
        return _text(self.value, self.number_format)


def weight(value: Decimal | None) -> Cell:
    return Cell(value, WEIGHT_FORMAT)


def _text(value: Any, number_format: str | None = None) -> str:
    # the common cells first, by their exact type: a million-line ledger formats eight cells a line
    kind = type(value)
    if kind is str:
        return "'" + value if value[:1] in _FORMULA_FIRST else value  # csv_text, inlined
    if kind is Decimal and number_format is None:
        return f"{value:.2f}"
    if value is None:
        return ""
    if kind is date:
        return value.isoformat()
    if isinstance(value, Cell):
        return str(value)
    if isinstance(value, Decimal):
        places = 3 if number_format == WEIGHT_FORMAT else 2
        return f"{value:.{places}f}"
    if isinstance(value, (date, datetime)):
        return value.isoformat()
    if isinstance(value, str):
        return csv_text(value)
    return str(value)


def _disposition(filename: str) -> str:
    """Both an ASCII fallback and the UTF-8 name (RFC 6266), for Chinese file names."""
    fallback = "".join(ch if ch.isascii() and ch not in '"\\' else "_" for ch in filename)
    return f"attachment; filename=\"{fallback}\"; filename*=UTF-8''{quote(filename)}"


class _Line:
    """A file-like sink the csv writer fills one row at a time."""

    def __init__(self) -> None:
        self.value = ""

    def write(self, text: str) -> None:
        self.value += text


def csv_rows(header: Sequence[Any], rows: Iterable[Sequence[Any]]) -> Iterator[str]:
    line = _Line()
    writer = csv.writer(line)
    writer.writerow([_text(h) for h in header])
    yield "\ufeff" + line.value
    text, write = _text, writer.writerow
    for row in rows:
        line.value = ""
        write(map(text, row))
        yield line.value


def csv_response(filename: str, header: Sequence[Any], rows_iterable: Iterable[Sequence[Any]]) -> Response:
    """A streamed CSV download; ``rows_iterable`` is consumed lazily while the response is sent."""
    response = Response(stream_with_context(csv_rows(header, rows_iterable)), mimetype="text/csv")
    response.headers["Content-Type"] = CSV_TYPE
    response.headers["Content-Disposition"] = _disposition(filename)
    response.headers["Cache-Control"] = "no-store"
    return response


def _cell(sheet, value: Any, bold: bool = False):
    number_format = None
    if isinstance(value, Cell):
        number_format, value = value.number_format, value.value
    elif isinstance(value, Decimal):
        number_format = MONEY_FORMAT
    cell = WriteOnlyCell(sheet, value=value)
    if isinstance(value, str) and is_formula_like(value):
        cell.data_type = "s"  # text as recorded, never a formula
    if number_format:
        cell.number_format = number_format
    if isinstance(value, date) and not isinstance(value, datetime):
        cell.number_format = "yyyy-mm-dd"
    if bold:
        cell.font = Font(bold=True)
    return cell


def xlsx_write(out: IO[bytes], sheet_title: str, header: Sequence[Any], rows_iterable: Iterable[Sequence[Any]],
               totals: Totals = None, title: str | None = None) -> None:
    """Write the workbook into ``out`` (a binary file), reading the rows one at a time."""
    workbook = Workbook(write_only=True)
    sheet = workbook.create_sheet(title=sheet_title[:31])
    sheet.freeze_panes = "A3" if title else "A2"
    widths = [max(10, len(str(h)) * 2 + 4) for h in header]
    for index, width in enumerate(widths):
        sheet.column_dimensions[_column_letter(index)].width = width
    if title:
        heading = WriteOnlyCell(sheet, value=title)
        heading.font = Font(bold=True, size=14)
        sheet.append([heading])
    head_cells = []
    for text in header:
        cell = WriteOnlyCell(sheet, value=str(text))
        cell.font = Font(bold=True)
        cell.alignment = Alignment(horizontal="center")
        head_cells.append(cell)
    sheet.append(head_cells)
    for row in rows_iterable:
        sheet.append([_cell(sheet, value) for value in row])
    totals = _totals(totals)
    if totals is not None:
        sheet.append([_cell(sheet, value, bold=True) for value in totals])
    workbook.save(out)


def xlsx_bytes(sheet_title: str, header: Sequence[Any], rows_iterable: Iterable[Sequence[Any]],
               totals: Totals = None, title: str | None = None) -> bytes:
    out = io.BytesIO()
    xlsx_write(out, sheet_title, header, rows_iterable, totals, title)
    return out.getvalue()


def _chunks(file: IO[bytes]) -> Iterator[bytes]:
    """A file's bytes in chunks; the file is closed (and, if temporary, removed) at the end."""
    try:
        while chunk := file.read(CHUNK):
            yield chunk
    finally:
        file.close()


def _column_letter(index: int) -> str:
    from openpyxl.utils import get_column_letter
    return get_column_letter(index + 1)


def xlsx_response(filename: str, sheet_title: str, header: Sequence[Any], rows_iterable: Iterable[Sequence[Any]],
                  totals: Totals = None, title: str | None = None) -> Response:
    """An XLSX download: a header row in bold, money as ``#,##0.00``, an optional bold totals row.

    The rows are read now (while the view's database session is at hand) into a temporary file,
    which is then sent in chunks and removed."""
    file = tempfile.TemporaryFile()
    try:
        xlsx_write(file, sheet_title, header, rows_iterable, totals, title)
        size = file.tell()
        file.seek(0)
    except BaseException:
        file.close()
        raise
    response = Response(_chunks(file), mimetype=XLSX_TYPE)
    response.headers["Content-Length"] = str(size)
    response.headers["Content-Disposition"] = _disposition(filename)
    response.headers["Cache-Control"] = "no-store"
    return response


def download(kind: str, filename: str, sheet_title: str, header: Sequence[Any],
             rows_iterable: Iterable[Sequence[Any]], totals: Totals = None,
             title: str | None = None) -> Response:
    """``kind`` is ``csv`` or ``xlsx``; the CSV has the totals as its last row."""
    if kind == "xlsx":
        return xlsx_response(f"{filename}.xlsx", sheet_title, header, rows_iterable, totals, title)

    def with_totals() -> Iterator[Sequence[Any]]:
        yield from rows_iterable
        last = _totals(totals)
        if last is not None:
            yield last

    return csv_response(f"{filename}.csv", header, with_totals())
