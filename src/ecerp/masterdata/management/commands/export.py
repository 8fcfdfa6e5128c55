"""`ecerp export <type> <file> [--user USERNAME]`: export every record of a master data type to xlsx.

Personal data is shown in full only when --user names a user who may see it; masked otherwise.
"""

from pathlib import Path

from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand, CommandError

from ecerp.masterdata.exporting import export_workbook
from ecerp.masterdata.importing.problems import ImportFailed
from ecerp.masterdata.importing.specs import SPECS, get_spec


class Command(BaseCommand):
    help = "导出基础资料为 xlsx。类型：" + ", ".join(SPECS)

    def add_arguments(self, parser):
        parser.add_argument("type", help=", ".join(SPECS))
        parser.add_argument("file")
        parser.add_argument("--user", help="按该用户的权限导出（个人敏感信息是否脱敏、数据权限）")

    def handle(self, *args, **options):
        try:
            spec = get_spec(options["type"])
        except ImportFailed as error:
            raise CommandError(error.problems[0].message) from None
        user = None
        if options.get("user"):
            user = get_user_model().objects.filter(username=options["user"]).first()
            if user is None:
                raise CommandError(f"用户「{options['user']}」不存在")
        path = Path(options["file"])
        content = export_workbook(user=user, kind=spec.kind)
        path.write_bytes(content)
        self.stdout.write(self.style.SUCCESS(f"已导出 {spec.label} 到 {path}"))
