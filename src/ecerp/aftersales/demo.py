"""The demo company's after-sales and warehouse paperwork, written through the real services only.

Loaded once, after the demo orders of ecerp.sales.demo (a system setting remembers it, so a second
run writes nothing). On shipped demo orders it opens five after-sales cases, one per path a service
desk walks: a refund only (approved and refunded), a return and refund (received: one unit back on
the shelf, one damaged into the defective warehouse 次品仓, then refunded), an exchange (received and
reshipped), an interception (the carrier is stopping the parcel) and a request still waiting. A
defective warehouse is created through the master data services when the demo has none.

In the warehouses: one pick wave for the parcels of a few allocated orders, one confirmed other
receipt, one transfer in transit from the normal to the third-party warehouse, one stocktake being
counted, and a stock sync policy (available to sell) per demo store from the warehouse it ships from.

Deterministic: orders, products and quantities are chosen by code and primary key order; only the
times follow the moment it runs.
"""

from __future__ import annotations

from decimal import Decimal

from django.db import transaction
from django.db.models import F
from django.utils import timezone

from ecerp.aftersales import services
from ecerp.aftersales.models import AfterSalesCase
from ecerp.aftersales.services import CaseLineInput, ReceiveLineInput
from ecerp.aftersales.states import CaseType
from ecerp.core import services as core_services
from ecerp.core.events import deliver_pending
from ecerp.inventory import services as inventory
from ecerp.inventory.models import Shipment, StockBalance, StoreStockPolicy
from ecerp.inventory.states import ShipmentStatus
from ecerp.masterdata import services as masterdata
from ecerp.masterdata.demo import STORES
from ecerp.masterdata.models import Platform, Product, Store, Warehouse, WarehouseType
from ecerp.sales import services as sales
from ecerp.sales.demo import demo_orders_loaded
from ecerp.sales.models import SalesOrder
from ecerp.sales.states import OrderStatus

DEMO_AFTERSALES_KEY = "demo_aftersales_loaded"
ORDER_REFERENCE = "sales_order"
DEFECTIVE_WAREHOUSE = {"name": "杭州余杭次品仓", "type": WarehouseType.DEFECTIVE,
                       "address": "浙江省杭州市余杭区仁和街道仓前路 66 号 次品区"}
WAVE_ORDERS = 4

# What `ecerp demo` prints (key of the counts, bilingual label).
AFTERSALES_LABELS = [
    ("cases", "售后单 after-sales cases"),
    ("cases_refunded", "  其中已退款 refunded"),
    ("cases_reshipped", "  其中换货已补发 exchange reshipped"),
    ("cases_intercepting", "  其中拦截中 intercepting"),
    ("cases_requested", "  其中待审核 requested"),
    ("returned_sellable", "退货入良品 units back sellable"),
    ("returned_damaged", "退货入次品仓 units into defective"),
    ("defective_warehouses", "新建次品仓 defective warehouses created"),
    ("pick_waves", "拣货波次 pick waves"),
    ("wave_parcels", "  其中包裹 parcels"),
    ("stock_documents", "其他入库单 other receipts"),
    ("transfers", "调拨单（在途）transfers in transit"),
    ("stocktakes", "盘点单（盘点中）stocktakes counting"),
    ("store_policies", "店铺库存同步策略 store stock policies"),
]


def demo_aftersales_loaded() -> bool:
    """True when the demo after-sales cases and warehouse documents have been loaded into this database."""
    return bool(core_services.get_setting(DEMO_AFTERSALES_KEY))


class _Desk:
    def __init__(self, user):
        self.user = user
        self.counts: dict[str, int] = {}
        by_type: dict[str, Warehouse] = {}
        for warehouse in Warehouse.objects.filter(active=True).order_by("code"):
            by_type.setdefault(warehouse.type, warehouse)
        self.warehouses = by_type
        self.used_orders: set[int] = set()

    def _count(self, key: str, number: int = 1) -> None:
        self.counts[key] = self.counts.get(key, 0) + number

    # --- after-sales -----------------------------------------------------------------------------------

    def defective_warehouse(self) -> Warehouse:
        warehouse = self.warehouses.get(WarehouseType.DEFECTIVE) or services.default_defective_warehouse()
        if warehouse is None:
            warehouse = masterdata.save_warehouse(user=self.user, data=dict(DEFECTIVE_WAREHOUSE))
            self._count("defective_warehouses")
        self.warehouses[WarehouseType.DEFECTIVE] = warehouse
        return warehouse

    def _shipped_orders(self, parcel_status: str) -> list[SalesOrder]:
        """Shipped demo orders whose parcel is in parcel_status, oldest parcel first, not used by another case."""
        ids = [int(ref) for ref in Shipment.objects.filter(reference_type=ORDER_REFERENCE, status=parcel_status)
               .order_by("pk").values_list("reference_id", flat=True)]
        orders = {order.pk: order for order in SalesOrder.objects.filter(pk__in=ids, status=OrderStatus.SHIPPED)}
        return [orders[pk] for pk in ids if pk in orders and pk not in self.used_orders
                and not AfterSalesCase.objects.filter(order_id=pk).exists()]

    def _take(self, candidates: list[SalesOrder], *, units: int = 1) -> SalesOrder | None:
        for order in candidates:
            if order.pk in self.used_orders:
                continue
            if sum(line.quantity for line in order.lines.all()) >= units:
                self.used_orders.add(order.pk)
                return order
        return None

    def _open(self, order: SalesOrder, case_type: str, lines: list[CaseLineInput], reason: str) -> AfterSalesCase:
        case = services.create_case(user=self.user, order=order, type=case_type, lines=lines, reason=reason)
        self._count("cases")
        return case

    def cases(self) -> None:
        """One case per path: refunded, returned (sellable + damaged) and refunded, reshipped, intercepting, new."""
        user = self.user
        delivered = self._shipped_orders(ShipmentStatus.SIGNED) + self._shipped_orders(ShipmentStatus.SHIPPED)
        in_transit = list(reversed(self._shipped_orders(ShipmentStatus.SHIPPED)))  # the youngest parcels

        order = self._take(in_transit)
        if order is not None:  # the buyer changed their mind while the parcel travels
            case = self._open(order, CaseType.INTERCEPT, [], "买家不想要了，申请拦截")
            case = services.intercept_case(user=user, case=case)
            self._count(f"cases_{case.status}")

        order = self._take(delivered)
        if order is not None:  # a unit arrived scratched; the shop refunds it without a return
            line = order.lines.order_by("line_no").first()
            case = self._open(order, CaseType.REFUND_ONLY, [CaseLineInput(line.line_no, 1)], "外包装破损，协商仅退款")
            services.approve_case(user=user, case=case, note="同意仅退款")
            services.refund_case(user=user, case=case, note="已原路退回")
            self._count("cases_refunded")

        order = self._take(delivered, units=2)
        if order is not None:  # two units back: one resellable, one damaged
            case_lines, receipt = self._two_units(order)
            case = self._open(order, CaseType.RETURN_REFUND, case_lines, "七天无理由退货")
            services.approve_case(user=user, case=case, note="同意退货，请寄回")
            services.receive_return(user=user, case=case, lines=receipt,
                                    damaged_warehouse=self.warehouses[WarehouseType.DEFECTIVE],
                                    note="一件完好，一件外盒压坏")
            services.refund_case(user=user, case=case, note="收货验货后退款")
            self._count("cases_refunded")
            self._count("returned_sellable", sum(item.sellable for item in receipt))
            self._count("returned_damaged", sum(item.damaged for item in receipt))

        order = self._take(delivered)
        if order is not None:  # wrong shade sent: the unit comes back and a new one goes out
            line = order.lines.order_by("line_no").first()
            case = self._open(order, CaseType.EXCHANGE, [CaseLineInput(line.line_no, 1)], "发错色号，申请换货")
            services.approve_case(user=user, case=case, note="同意换货")
            services.receive_return(user=user, case=case, lines=[ReceiveLineInput(line.line_no, sellable=1)])
            services.reship_exchange(user=user, case=case)
            self._count("cases_reshipped")
            self._count("returned_sellable")

        order = self._take(delivered)
        if order is not None:  # a new request the desk has not looked at yet
            line = order.lines.order_by("line_no").first()
            self._open(order, CaseType.RETURN_REFUND, [CaseLineInput(line.line_no, 1)], "尺寸不合适，申请退货")
            self._count("cases_requested")

    @staticmethod
    def _two_units(order: SalesOrder) -> tuple[list[CaseLineInput], list[ReceiveLineInput]]:
        lines = list(order.lines.order_by("line_no"))
        double = next((line for line in lines if line.quantity >= 2), None)
        if double is not None:
            return ([CaseLineInput(double.line_no, 2)],
                    [ReceiveLineInput(double.line_no, sellable=1, damaged=1)])
        first, second = lines[0], lines[1]
        return ([CaseLineInput(first.line_no, 1), CaseLineInput(second.line_no, 1)],
                [ReceiveLineInput(first.line_no, sellable=1), ReceiveLineInput(second.line_no, damaged=1)])

    # --- warehouse paperwork ---------------------------------------------------------------------------

    def pick_wave(self) -> None:
        """Parcels for the oldest allocated orders without one, gathered into a pick wave of the normal warehouse."""
        normal = self.warehouses.get(WarehouseType.NORMAL)
        if normal is None:
            return
        live = set(Shipment.objects.filter(reference_type=ORDER_REFERENCE).exclude(
            status=ShipmentStatus.CANCELLED).values_list("reference_id", flat=True))
        orders = [order for order in SalesOrder.objects.filter(status=OrderStatus.ALLOCATED, warehouse=normal)
                  .order_by("order_time", "pk") if str(order.pk) not in live][:WAVE_ORDERS]
        if not orders:
            return
        sales.create_order_shipments(user=self.user, orders=orders)
        parcels = list(Shipment.objects.filter(reference_type=ORDER_REFERENCE, warehouse=normal,
                                               status=ShipmentStatus.CREATED,
                                               reference_id__in=[str(order.pk) for order in orders]).order_by("pk"))
        if parcels:
            inventory.create_pick_wave(user=self.user, warehouse=normal, shipments=parcels)
            self._count("pick_waves")
            self._count("wave_parcels", len(parcels))

    def _plentiful(self, warehouse: Warehouse, number: int, *, skip: int = 0) -> list[Product]:
        """number stocked SKUs of warehouse with the most units free, by code on ties (deterministic)."""
        ids = list(StockBalance.objects.filter(warehouse=warehouse, on_hand__gt=0)
                   .annotate(free=F("on_hand") - F("reserved")).order_by("-free", "product__code")
                   .values_list("product_id", flat=True)[skip:skip + number])
        products = Product.objects.in_bulk(ids)
        return [products[pk] for pk in ids]

    def stock_document(self) -> None:
        normal = self.warehouses.get(WarehouseType.NORMAL)
        if normal is None:
            return
        products = self._plentiful(normal, 3)
        if not products:
            return
        document = inventory.create_stock_document(
            user=self.user, direction="receipt", warehouse=normal, reason="供应商赠品入库（演示）",
            lines=[{"product": product, "quantity": 12 - 4 * index,
                    "unit_cost": product.cost_price if product.cost_price > 0 else Decimal("1.00")}
                   for index, product in enumerate(products)])
        inventory.confirm_stock_document(user=self.user, document=document)
        self._count("stock_documents")

    def transfer(self) -> None:
        normal, third_party = self.warehouses.get(WarehouseType.NORMAL), self.warehouses.get(WarehouseType.THIRD_PARTY)
        if normal is None or third_party is None:
            return
        products = self._plentiful(normal, 4, skip=3)
        if not products:
            return
        transfer = inventory.create_transfer(
            user=self.user, from_warehouse=normal, to_warehouse=third_party, reason="京东仓备货（演示）",
            lines=[{"product": product, "quantity": 10} for product in products])
        inventory.ship_transfer(user=self.user, transfer=transfer)
        self._count("transfers")

    def stocktake(self) -> None:
        bonded = self.warehouses.get(WarehouseType.BONDED)
        if bonded is None:
            return
        stocktake = inventory.create_stocktake(user=self.user, warehouse=bonded, reason="月度循环盘点（演示）")
        stocktake = inventory.start_stocktake(user=self.user, stocktake=stocktake)
        lines = list(stocktake.lines.select_related("product").order_by("product__code")[:5])
        counts = {line.product_id: line.book_quantity for line in lines}
        if lines:  # one SKU counted one unit short, the rest as booked; the others still to count
            counts[lines[-1].product_id] = max(lines[-1].book_quantity - 1, 0)
            inventory.record_counts(user=self.user, stocktake=stocktake, counts=counts)
        self._count("stocktakes")

    def store_policies(self) -> None:
        """Each demo store sells what its warehouse holds (the bonded one for Tmall Global), keeping 2 back."""
        for _name, platform, shop_id, *_rest in STORES:
            store = Store.objects.filter(platform=platform, shop_id=shop_id).first()
            kind = WarehouseType.BONDED if platform == Platform.TMALL_GLOBAL else WarehouseType.NORMAL
            warehouse = self.warehouses.get(kind)
            if store is None or warehouse is None or StoreStockPolicy.objects.filter(store=store).exists():
                continue
            inventory.save_store_stock_policy(user=self.user, store=store, warehouses=[warehouse], share_ratio="1",
                                              default_safety_stock=2)
            self._count("store_policies")


def build_demo_aftersales(user) -> dict[str, int]:
    """Load the demo after-sales cases and warehouse documents once, after the demo orders; return counts.

    Does nothing and returns {} when loaded before or when the demo orders are not there. One
    transaction: a refusal by any service rolls back everything. Side effects are those of the
    services called (cases, stock moves, parcels, documents, events, audit rows) and the setting
    demo_aftersales_loaded.
    """
    if demo_aftersales_loaded() or not demo_orders_loaded():
        return {}
    with transaction.atomic():
        if core_services.get_setting(DEMO_AFTERSALES_KEY):  # loaded by a concurrent start meanwhile
            return {}
        desk = _Desk(user)
        if WarehouseType.NORMAL not in desk.warehouses:
            return {}
        desk.defective_warehouse()
        desk.cases()
        desk.pick_wave()
        desk.stock_document()
        desk.transfer()
        desk.stocktake()
        desk.store_policies()
        for _round in range(5):
            if not deliver_pending(limit=2000):
                break
        desk.counts.setdefault("cases", 0)
        core_services.set_setting(user=user, key=DEMO_AFTERSALES_KEY,
                                  value=timezone.localtime().strftime("%Y-%m-%d %H:%M:%S"))
    return desk.counts
