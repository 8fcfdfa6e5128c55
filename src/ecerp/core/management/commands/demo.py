"""`ecerp demo`: load the demo company and its business: stock, orders, after-sales (each once per database)."""

from django.core.management.base import BaseCommand

from ecerp.aftersales.demo import AFTERSALES_LABELS, build_demo_aftersales, demo_aftersales_loaded
from ecerp.core.errors import DomainError
from ecerp.customs.demo import build_demo_customs
from ecerp.customs.demo_declarations import build_demo_declarations
from ecerp.masterdata.demo import build_demo_company, demo_loaded
from ecerp.sales.demo import ORDER_LABELS, build_demo_orders, demo_orders_loaded

LABELS = [
    ("departments", "部门 departments"),
    ("employees", "员工 employees"),
    ("partners", "业务单位 partners"),
    ("contacts", "联系人 contacts"),
    ("bank_accounts", "银行账户 bank accounts"),
    ("categories", "商品分类 categories"),
    ("products", "商品 SKUs"),
    ("cross_border_products", "  其中跨境商品 cross-border"),
    ("bundles", "  其中组合商品 bundles"),
    ("warehouses", "仓库 warehouses"),
    ("locations", "库位 locations"),
    ("stores", "店铺 stores"),
]


class Command(BaseCommand):
    help = ("Create the demo company (departments, employees, partners, ~500 SKUs, warehouses, stores), "
            "then its opening stock, ~150 orders of the last ten days, after-sales cases and warehouse documents.")

    def handle(self, *args, **options):
        if demo_loaded() and demo_orders_loaded() and demo_aftersales_loaded():
            self.stdout.write("演示数据已存在，未重复创建。/ The demo company is already loaded; nothing done.")
            self._customs()
            return
        try:
            if demo_loaded():
                self.stdout.write("演示数据已存在，未重复创建公司；补充演示库存和订单。"
                                  "/ The demo company is already loaded; adding its stock and orders.")
            else:
                counts = build_demo_company(None)
                self.stdout.write("演示公司已创建 / Demo company created:")
                for key, label in LABELS:
                    self.stdout.write(f"  {label}: {counts.get(key, 0)}")
            orders = build_demo_orders(None)
            aftersales = build_demo_aftersales(None)
        except DomainError as error:
            self.stderr.write(f"演示数据未创建 / demo not created: {error}")
            raise SystemExit(1) from error
        if orders:
            self.stdout.write("演示库存和订单已创建 / Demo stock and orders created:")
            for key, label in ORDER_LABELS:
                self.stdout.write(f"  {label}: {orders.get(key, 0)}")
        elif not demo_orders_loaded():
            self.stdout.write("未找到演示公司的店铺和仓库，演示订单未创建。"
                              "/ The demo stores and warehouses are missing; no demo orders created.")
            return
        if aftersales:
            self.stdout.write("演示售后和仓库单据已创建 / Demo after-sales cases and warehouse documents created:")
            for key, label in AFTERSALES_LABELS:
                self.stdout.write(f"  {label}: {aftersales.get(key, 0)}")
        self._customs()

    def _customs(self):
        """Add the customs demo (filings, channel profiles, declarations of the cross-border orders); idempotent."""
        customs = build_demo_customs(None)
        declarations = build_demo_declarations(None)
        if customs.get("filings") or declarations.get("declarations"):
            self.stdout.write(f"演示关务已创建 / Demo customs created: {customs.get('filings', 0)} 个商品备案 filings, "
                              f"{declarations.get('declarations', 0)} 个申报单 declarations")
