"""CSV downloads streamed row by row, so a large export never sits in memory.

Exports carry text that came from outside (order, buyer and claimant references a checkout
system sent), and merchants open them in spreadsheets, which run a cell that starts with `=`,
`+`, `-` or `@` as a formula (`=HYPERLINK(...)` leaks data, `=cmd|' /C calc'!A0` runs a
program). Every text cell that starts like a formula is written with a single quote in front
(the OWASP rule), so the spreadsheet shows it as text:

- defusedcsv's writer quotes text starting with `=`, `+`, `-`, `@`, `|` or `%` (and escapes
  `|`); text that is only a number (`-12.50`, `1,000`) is no formula and stays as it is;
- tab and carriage return, which OWASP lists too and defusedcsv does not, are quoted here.

Numbers the platform writes itself (`Decimal` amounts, ids) are not text: they pass untouched,
so a negative amount stays a number in the spreadsheet. Write money as `Decimal`, never as a
formatted string.
"""

from collections.abc import Iterable

from defusedcsv import csv
from django.http import StreamingHttpResponse

_ALSO_FORMULA_STARTS = ("\t", "\r")


class _Echo:
    def write(self, value: str) -> str:
        return value


def _cell(value):
    if isinstance(value, str) and value.startswith(_ALSO_FORMULA_STARTS):
        return "'" + value
    return value


def csv_response(
    *, filename: str, header: list[str], rows: Iterable[list]
) -> StreamingHttpResponse:
    writer = csv.writer(_Echo())

    def lines():
        yield "\ufeff"  # a byte-order mark, so spreadsheet programs read the Chinese right
        yield writer.writerow(header)
        for row in rows:
            yield writer.writerow([_cell(value) for value in row])

    response = StreamingHttpResponse(lines(), content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response
