"""`ecerp import <type> <file> [--dry-run] [--user USERNAME]`: import master data from xlsx or csv.

Prints the dry run (counts and every problem: row, column, message). Exits non-zero
and writes nothing when there is any problem; with --dry-run it never writes.
"""

from pathlib import Path

from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand, CommandError

from ecerp.core.permissions import has_permission
from ecerp.masterdata.importing.problems import ImportFailed
from ecerp.masterdata.importing.readers import read_table
from ecerp.masterdata.importing.services import commit_import, preview_import
from ecerp.masterdata.importing.specs import SPECS, get_spec


class Command(BaseCommand):
    help = "导入基础资料（xlsx/csv）。类型：" + ", ".join(SPECS)

    def add_arguments(self, parser):
        parser.add_argument("type", help=", ".join(SPECS))
        parser.add_argument("file")
        parser.add_argument("--dry-run", action="store_true", help="只预检，不写入")
        parser.add_argument("--user", help="记入审计日志的用户名（需有导入权限）")

    def _user(self, username):
        if not username:
            return None
        user = get_user_model().objects.filter(username=username).first()
        if user is None:
            raise CommandError(f"用户「{username}」不存在")
        if not has_permission(user, "masterdata.import_masterdata"):
            raise CommandError(f"用户「{username}」没有导入基础资料的权限")
        return user

    def _print(self, result):
        self.stdout.write(
            f"{SPECS[result.kind].label if result.kind in SPECS else result.kind}：数据行 {result.rows}，"
            f"新增 {result.created}，更新 {result.updated}，未变 {result.unchanged}，问题 {len(result.problems)}"
        )
        for problem in result.problems:
            self.stdout.write(f"  第 {problem.row} 行 [{problem.column or '-'}] {problem.message} ({problem.code})")

    def handle(self, *args, **options):
        try:
            spec = get_spec(options["type"])
        except ImportFailed as error:
            raise CommandError(error.problems[0].message) from None
        user = self._user(options.get("user"))
        path = Path(options["file"])
        if not path.is_file():
            raise CommandError(f"文件不存在：{path}")
        content = path.read_bytes()
        try:
            table = read_table(content, path.name)
        except ImportFailed as error:
            raise CommandError(error.problems[0].message) from None
        result = preview_import(kind=spec.kind, content=table, filename=path.name, user=user)
        self._print(result)
        if result.problems:
            raise CommandError(f"有 {len(result.problems)} 个问题，未写入任何数据")
        if options["dry_run"]:
            self.stdout.write("预检完成（--dry-run，未写入）")
            return
        try:
            result = commit_import(user=user, kind=spec.kind, content=table, filename=path.name)
        except ImportFailed as error:
            if error.result is not None:
                self._print(error.result)
            raise CommandError(f"有 {len(error.problems)} 个问题，未写入任何数据") from None
        self.stdout.write(self.style.SUCCESS(
            f"导入完成：新增 {result.created}，更新 {result.updated}，未变 {result.unchanged}"))
