"""Helpers for the import tests: build CSV / xlsx bytes from rows, run preview and commit."""

import csv
import io

from openpyxl import Workbook, load_workbook

from ecerp.masterdata.importing.services import commit_import, preview_import


def csv_bytes(rows, encoding="utf-8"):
    buffer = io.StringIO()
    csv.writer(buffer).writerows(rows)
    return buffer.getvalue().encode(encoding)


def xlsx_bytes(rows):
    workbook = Workbook()
    sheet = workbook.active
    for row in rows:
        sheet.append(row)
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def xlsx_rows(content):
    return [list(row) for row in load_workbook(io.BytesIO(content)).worksheets[0].iter_rows(values_only=True)]


def preview(kind, rows, **kwargs):
    return preview_import(kind=kind, content=csv_bytes(rows), filename=f"{kind}.csv", **kwargs)


def commit(kind, rows, user=None):
    return commit_import(user=user, kind=kind, content=csv_bytes(rows), filename=f"{kind}.csv")


def problems_at(result):
    """{(row, column): code} of a result's problems."""
    return {(problem.row, problem.column): problem.code for problem in result.problems}
