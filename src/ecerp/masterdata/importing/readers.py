"""Read an uploaded spreadsheet (xlsx or csv) into a Table of raw cell values.

CSV files come from Excel, WPS and online shop back-ends in UTF-8, UTF-8 with
BOM or GBK; the encoding is detected (BOM, then strict UTF-8, then GB18030, a
superset of GBK). xlsx files are read with openpyxl in read-only mode (first
sheet). Row numbers are spreadsheet row numbers: the header is row 1.
"""

from __future__ import annotations

import csv
import io
import zipfile
from dataclasses import dataclass, field

from django.utils.translation import gettext_lazy as _

from ecerp.masterdata.errors import MasterdataError
from ecerp.masterdata.importing.problems import ImportFailed

XLSX_MAGIC = b"PK\x03\x04"


@dataclass
class Table:
    """Headers of row 1 and the non-blank data rows as (row number, raw cell values)."""

    headers: list[str]
    rows: list[tuple[int, list]] = field(default_factory=list)
    encoding: str = ""
    file_format: str = ""


def detect_encoding(content: bytes) -> str:
    """Return the text encoding of a CSV file: utf-8-sig, utf-8 or gb18030 (covers GBK)."""
    if content.startswith(b"\xef\xbb\xbf"):
        return "utf-8-sig"
    try:
        content.decode("utf-8")
        return "utf-8"
    except UnicodeDecodeError:
        pass
    try:
        content.decode("gb18030")
        return "gb18030"
    except UnicodeDecodeError:
        raise ImportFailed.single(
            MasterdataError.UNREADABLE_FILE, _("无法识别文件编码（支持 UTF-8、UTF-8 BOM、GBK）")
        ) from None


def _is_blank(values) -> bool:
    return all(value is None or (isinstance(value, str) and value.strip() == "") for value in values)


def _read_csv(content: bytes) -> Table:
    encoding = detect_encoding(content)
    text = content.decode(encoding)
    sample = text[:4096]
    delimiter = ","
    first_line = sample.splitlines()[0] if sample else ""
    if first_line.count("\t") > first_line.count(",") and first_line.count("\t") > 0:
        delimiter = "\t"
    elif first_line.count(";") > first_line.count(",") and first_line.count(";") > 0:
        delimiter = ";"
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter)
    table = None
    for number, values in enumerate(reader, start=1):
        if table is None:
            table = Table(headers=[str(value) for value in values], encoding=encoding, file_format="csv")
            continue
        if not _is_blank(values):
            table.rows.append((number, values))
    if table is None:
        raise ImportFailed.single(MasterdataError.EMPTY_FILE, _("文件是空的"))
    return table


def _read_xlsx(content: bytes) -> Table:
    from openpyxl import load_workbook

    try:
        workbook = load_workbook(io.BytesIO(content), read_only=True, data_only=True)
    except (zipfile.BadZipFile, KeyError, OSError, ValueError) as error:
        raise ImportFailed.single(
            MasterdataError.UNREADABLE_FILE, _("无法读取 xlsx 文件：%(reason)s"), reason=str(error)[:200]
        ) from None
    try:
        sheet = workbook.worksheets[0]
        table = None
        for number, values in enumerate(sheet.iter_rows(values_only=True), start=1):
            if table is None:
                table = Table(headers=["" if value is None else str(value) for value in values],
                              encoding="", file_format="xlsx")
                continue
            if not _is_blank(values):
                table.rows.append((number, list(values)))
    finally:
        workbook.close()
    if table is None:
        raise ImportFailed.single(MasterdataError.EMPTY_FILE, _("文件是空的"))
    while table.headers and table.headers[-1].strip() == "":
        table.headers.pop()
    return table


def read_table(content: bytes, filename: str = "") -> Table:
    """Read xlsx or csv bytes (chosen by content, then by file name) into a Table.

    Raises ImportFailed (EMPTY_FILE, UNREADABLE_FILE) when the file cannot be read.
    """
    if not content:
        raise ImportFailed.single(MasterdataError.EMPTY_FILE, _("文件是空的"))
    name = (filename or "").lower()
    if content.startswith(XLSX_MAGIC):
        return _read_xlsx(content)
    if name.endswith((".xls", ".xlsm", ".xlsx")) and content.startswith(b"\xd0\xcf\x11\xe0"):
        raise ImportFailed.single(MasterdataError.UNREADABLE_FILE,
                                  _("不支持旧版 .xls 文件，请另存为 .xlsx 或 CSV"))
    return _read_csv(content)
