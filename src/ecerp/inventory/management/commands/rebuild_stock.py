"""`ecerp rebuild_stock [--check]`: recompute stock balances from the ledger and report or fix differences."""

from django.core.management.base import BaseCommand, CommandError

from ecerp.inventory.services import check_stock_balances, rebuild_stock_balances
from ecerp.masterdata.models import Product, Warehouse


class Command(BaseCommand):
    help = "Recompute stock balances from movements and reservations; --check only reports (exit 1 on differences)."

    def add_arguments(self, parser):
        parser.add_argument("--check", action="store_true", help="report differences, change nothing")

    def handle(self, *args, check=False, **options):
        differences = check_stock_balances() if check else rebuild_stock_balances()
        products = dict(Product.objects.filter(pk__in={d.product_id for d in differences}).values_list("pk", "code"))
        warehouses = dict(Warehouse.objects.filter(pk__in={d.warehouse_id for d in differences})
                          .values_list("pk", "code"))
        for difference in differences:
            self.stdout.write(f"{products.get(difference.product_id)} @ {warehouses.get(difference.warehouse_id)} "
                              f"{difference.field}: stored {difference.stored}, ledger {difference.expected}")
        verb = "found" if check else "fixed"
        self.stdout.write(f"{len(differences)} difference(s) {verb}")
        if check and differences:
            raise CommandError(f"{len(differences)} stock balance difference(s); run `ecerp rebuild_stock` to fix")
