"""`ecerp orders import <file> --store CODE [--format auto|ecerp|taobao|jd|pdd|douyin] [--items FILE] [--user NAME]`
and `ecerp orders sync --store CODE --adapter NAME [--until ISO]`: order ingest from the console.

Both go through ecerp.sales.services.ingest_orders, like the upload page and the API.
"""

from pathlib import Path

from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand, CommandError

from ecerp.core.errors import DomainError
from ecerp.masterdata.models import Store
from ecerp.sales import services
from ecerp.sales.adapters.files import FORMATS, parse_order_file
from ecerp.sales.adapters.platform import get_adapter
from ecerp.sales.normalise import parse_time


class Command(BaseCommand):
    help = "Import an order file (ECERP template or a platform export), or pull the next window from a platform."

    def add_arguments(self, parser):
        commands = parser.add_subparsers(dest="action", required=True)
        importing = commands.add_parser("import", help="import an order file")
        importing.add_argument("file")
        importing.add_argument("--store", required=True, help="店铺编码")
        importing.add_argument("--format", default="auto", choices=("auto", *FORMATS))
        importing.add_argument("--items", help="淘宝宝贝报表（订单明细）文件")
        importing.add_argument("--user", help="记入审计日志的用户名")
        syncing = commands.add_parser("sync", help="pull the next time window from a platform adapter")
        syncing.add_argument("--store", required=True)
        syncing.add_argument("--adapter", required=True)
        syncing.add_argument("--until", help="window end (ISO time); default now")
        syncing.add_argument("--user")

    def _user(self, username):
        if not username:
            return None
        user = get_user_model().objects.filter(username=username).first()
        if user is None:
            raise CommandError(f"unknown user {username}")
        return user

    def handle(self, *args, action, **options):
        user = self._user(options.get("user"))
        store = Store.objects.filter(code=options["store"]).first()
        if store is None:
            raise CommandError(f"unknown store {options['store']}")
        try:
            if action == "import":
                path = Path(options["file"])
                items = Path(options["items"]) if options.get("items") else None
                parsed = parse_order_file(path.read_bytes(), path.name, store=store.code,
                                          file_format=options["format"],
                                          items_content=items.read_bytes() if items else None,
                                          items_filename=items.name if items else "")
                result = services.ingest_orders(user=user, source="file", records=parsed.records,
                                                default_store=store.code)
                self.stdout.write(f"format: {parsed.file_format}")
            else:
                until = parse_time(options["until"]) if options.get("until") else None
                result, since, until = services.sync_store_orders(user=user, store=store,
                                                                  adapter=get_adapter(options["adapter"]),
                                                                  until=until)
                self.stdout.write(f"window: {since.isoformat()} .. {until.isoformat()}")
        except DomainError as error:
            raise CommandError("; ".join(detail.message for detail in error.details)) from None
        except (OSError, ValueError) as error:
            raise CommandError(str(error)) from None
        counts = result.counts()
        self.stdout.write(" ".join(f"{name}={count}" for name, count in counts.items()))
        for item in result.results:
            for error in item.errors:
                self.stdout.write(f"  #{item.index + 1} {item.platform_order_no}: {error['message']}")
