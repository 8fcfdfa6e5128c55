"""Import services: a dry run (preview_import) and an all-or-nothing commit (commit_import).

Both run the same validation; the commit runs it again inside its transaction
(the database may have changed since the preview) and writes only when no
problem is found. Rows are upserted by their key (the code for coded types).
"""

from __future__ import annotations

import contextlib
import gc

from django.db import transaction

from ecerp.masterdata.importing.problems import ImportFailed, ImportResult
from ecerp.masterdata.importing.readers import Table, read_table
from ecerp.masterdata.importing.specs import get_spec, make_importer


@contextlib.contextmanager
def _no_cyclic_gc():
    """Pause the cyclic garbage collector: with 100,000 rows alive its full passes cost more than the import."""
    enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if enabled:
            gc.enable()


def _table(content: bytes | Table, filename: str) -> Table:
    return content if isinstance(content, Table) else read_table(content, filename)


def preview_import(*, kind: str, content: bytes | Table, filename: str = "", user=None) -> ImportResult:
    """Check a file of one type and report what a commit would create, update and leave unchanged.

    Every problem is reported as spreadsheet row (header = 1) + column + Chinese message.
    Writes nothing (coding-rule checks that move sequences are rolled back).
    """
    try:
        spec = get_spec(kind)
        table = _table(content, filename)
    except ImportFailed as error:
        return ImportResult(kind=kind, problems=error.problems)
    importer = make_importer(spec, user=user, filename=filename)
    with _no_cyclic_gc():
        importer.validate(table)
        return importer.result()


def commit_import(*, user, kind: str, content: bytes | Table, filename: str = "") -> ImportResult:
    """Import a file of one type: validate every row, then create and update in bulk, all or nothing.

    Raises ImportFailed carrying every problem when any row is wrong (nothing is written).
    Changed rows get audit rows (before/after, personal data masked); unchanged rows none.
    """
    spec = get_spec(kind)
    table = _table(content, filename)
    importer = make_importer(spec, user=user, filename=filename)
    with _no_cyclic_gc(), transaction.atomic():
        importer.validate(table)
        if importer.problems:
            raise ImportFailed(importer.result().problems, importer.result())
        importer.write()
    result = importer.result()
    result.committed = True
    return result
