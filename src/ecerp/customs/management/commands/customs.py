"""`ecerp customs quote` (an order as JSON on stdin -> findings and tax as JSON on stdout, nothing saved),
`ecerp customs declare [--user NAME]` (orders with their buyer identities as JSON on stdin:
[{"order": "SO000001", "buyer_name": ..., "buyer_id_number": ..., ...}] -> the declarations created),
`ecerp customs recheck COP_NO`, `ecerp customs submit COP_NO [--user NAME]` and
`ecerp customs receive FILE [--source NAME]` (record a receipt message from a file).

All go through the customs services, like the API. Bad input exits with code 2 and the errors as JSON
({"errors": [{field, code, message}]}) on stderr.
"""

import json
import sys
from pathlib import Path

from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand, CommandError
from django.utils.translation import gettext as _

from ecerp.core.errors import DomainError
from ecerp.customs.errors import CustomsError
from ecerp.customs.models import Declaration
from ecerp.customs.services import declarations as services
from ecerp.customs.services.quote import quote
from ecerp.sales.models import SalesOrder


class Command(BaseCommand):
    stealth_options = ("stdin",)
    help = "Customs declarations from the console: quote an order (JSON on stdin), recheck, submit, receive."

    def add_arguments(self, parser):
        commands = parser.add_subparsers(dest="action", required=True)
        commands.add_parser("quote", help="read an order as JSON on stdin, print findings and tax as JSON")
        declare = commands.add_parser("declare", help="declare orders: JSON list of {order, identity keys} on stdin")
        declare.add_argument("--user")
        recheck = commands.add_parser("recheck", help="run the pre-checks of a declaration again")
        recheck.add_argument("cop_no")
        recheck.add_argument("--user")
        submit = commands.add_parser("submit", help="build, sign and queue the messages of a ready declaration")
        submit.add_argument("cop_no")
        submit.add_argument("--user")
        receive = commands.add_parser("receive", help="record a receipt message (CEB or DXP envelope) from a file")
        receive.add_argument("file")
        receive.add_argument("--source", default="cli")
        filings = commands.add_parser(
            "import-filings", help="create or update product filings from an xlsx/csv sheet (all or nothing); "
                                   "problems as JSON on stderr with their row and column, exit code 2")
        filings.add_argument("file")
        filings.add_argument("--dry-run", action="store_true", help="check the sheet and write nothing")
        filings.add_argument("--user")

    def _fail(self, details: list[dict]):
        self.stderr.write(json.dumps({"errors": details}, ensure_ascii=False))
        raise CommandError(details[0]["message"] if details else "error", returncode=2)

    def _user(self, username):
        if not username:
            return None
        user = get_user_model().objects.filter(username=username).first()
        if user is None:
            self._fail([{"field": "user", "code": "NOT_FOUND",
                         "message": _("用户「%(user)s」不存在") % {"user": username}}])
        return user

    def _declaration(self, cop_no: str) -> Declaration:
        declaration = Declaration.objects.filter(cop_no=cop_no).first()
        if declaration is None:
            self._fail([{"field": "cop_no", "code": "NOT_FOUND",
                         "message": _("申报单「%(cop_no)s」不存在") % {"cop_no": cop_no}}])
        return declaration

    def handle(self, *args, action, **options):
        try:
            if action == "quote":
                return self._quote()
            if action == "declare":
                return self._declare(self._user(options.get("user")))
            if action == "recheck":
                result = services.recheck_declaration(user=self._user(options.get("user")),
                                                      declaration=self._declaration(options["cop_no"]))
                self.stdout.write(json.dumps({"findings": [finding.as_dict() for finding in result.findings]},
                                             ensure_ascii=False))
            elif action == "submit":
                messages = services.submit_declaration(user=self._user(options.get("user")),
                                                       declaration=self._declaration(options["cop_no"]))
                self.stdout.write(json.dumps([{"id": row.id, "message_type": row.message_type, "guid": row.guid}
                                              for row in messages]))
            elif action == "import-filings":
                return self._import_filings(options)
            elif action == "receive":
                result = services.record_incoming(raw=Path(options["file"]).read_bytes(), source=options["source"])
                self.stdout.write(json.dumps({"duplicate": result.duplicate, "receipts": result.receipts,
                                              "applied": result.applied, "unmatched": result.unmatched,
                                              "error": result.error}, ensure_ascii=False))
        except DomainError as error:
            self._fail(error.as_dict()["errors"])
        return None

    def _import_filings(self, options):
        from ecerp.customs.services.filings import import_filings
        from ecerp.masterdata.importing.problems import ImportFailed

        path = Path(options["file"])
        if not path.is_file():
            self._fail([{"field": "file", "code": "NOT_FOUND", "message": _("文件不存在：%(path)s") % {"path": path}}])
        try:
            result = import_filings(user=self._user(options.get("user")), content=path.read_bytes(),
                                    filename=path.name, dry_run=options["dry_run"])
        except ImportFailed as failed:
            self._fail([problem.as_dict() for problem in failed.problems])
        self.stdout.write(json.dumps({"rows": result.rows, "created": result.created, "updated": result.updated,
                                      "committed": result.committed}))

    def _read_json(self, code: str):
        text = sys.stdin.read() if self.stdin is None else self.stdin.read()
        try:
            return json.loads(text)
        except json.JSONDecodeError as error:
            self._fail([{"field": "", "code": code,
                         "message": _("JSON 格式错误：第 %(line)s 行第 %(column)s 列（%(error)s）") % {
                             "line": error.lineno, "column": error.colno, "error": error.msg}}])

    def _quote(self):
        self.stdout.write(json.dumps(quote(self._read_json(CustomsError.QUOTE_INVALID)), ensure_ascii=False))

    def _declare(self, user):
        entries = self._read_json(CustomsError.IDENTITY_INVALID)
        if not isinstance(entries, list) or not all(isinstance(entry, dict) for entry in entries):
            self._fail([{"field": "", "code": CustomsError.IDENTITY_INVALID,
                         "message": _("输入应为 JSON 数组，每项为 {order, 身份字段} 对象")}])
        orders, identities = [], {}
        for index, entry in enumerate(entries, start=1):
            key = str(entry.get("order", "")).strip()
            if not key:
                self._fail([{"field": f"{index}.order", "code": "REQUIRED",
                             "message": _("第 %(index)s 项缺少 order（订单编号）") % {"index": index}}])
            order = SalesOrder.objects.filter(code=key).first() or (
                SalesOrder.objects.filter(pk=int(key)).first() if key.isdigit() else None)
            if order is None:
                self._fail([{"field": f"{index}.order", "code": "NOT_FOUND",
                             "message": _("订单「%(order)s」不存在") % {"order": key}}])
            orders.append(order)
            identities[order.pk] = {name: value for name, value in entry.items() if name != "order"}
        declarations = services.create_declarations(user=user, orders=orders, identities=identities)
        self.stdout.write(json.dumps([{"order": declaration.order.code, "cop_no": declaration.cop_no,
                                       "status": declaration.status,
                                       "findings": list(declaration.findings.values_list("code", flat=True))}
                                      for declaration in declarations]))

    def execute(self, *args, **options):
        self.stdin = options.pop("stdin", None)
        return super().execute(*args, **options)
