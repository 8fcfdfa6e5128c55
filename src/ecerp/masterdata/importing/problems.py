"""What an import reports: problems (row + column + Chinese message) and the preview counts."""

from __future__ import annotations

from dataclasses import asdict, dataclass, field

from ecerp.core.errors import DomainError, ErrorDetail


@dataclass
class Problem:
    """One problem of an import: spreadsheet row (header = 1), column header, code, message."""

    row: int
    column: str
    code: str
    message: str

    def as_dict(self) -> dict:
        return asdict(self)


@dataclass
class ImportResult:
    """The outcome of a dry run or a commit."""

    kind: str
    rows: int = 0
    created: int = 0
    updated: int = 0
    unchanged: int = 0
    problems: list[Problem] = field(default_factory=list)
    committed: bool = False
    samples: dict = field(default_factory=dict)

    @property
    def ok(self) -> bool:
        return not self.problems

    def summary(self) -> dict:
        return {"kind": self.kind, "rows": self.rows, "created": self.created, "updated": self.updated,
                "unchanged": self.unchanged, "problems": len(self.problems), "committed": self.committed}


class ImportFailed(DomainError):
    """An import was refused; carries every problem (nothing was written)."""

    def __init__(self, problems: list[Problem], result: ImportResult | None = None):
        self.problems = problems
        self.result = result
        details = [ErrorDetail(code=p.code, message=p.message, field=p.column, row=p.row) for p in problems]
        first = details[0]
        super().__init__(first.code, first.message, field=first.field, row=first.row)
        self.details = details

    @classmethod
    def single(cls, code, message, /, *, row: int = 1, column: str = "", **params) -> ImportFailed:
        text = str(message % params if params else message)
        return cls([Problem(row=row, column=column, code=str(code), message=text)])
