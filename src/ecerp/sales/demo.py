"""The demo company's business: opening stock, platform SKU mappings, review rules and ~150 orders of the
last ten days in every state an order desk sees, written through the real services only.

Loaded once, after the master data of ecerp.masterdata.demo: a system setting remembers it, so a second
run writes nothing. One fixed seed gives the same orders, people and quantities on every fresh database;
only the dates follow the day it runs (the orders are always of the last ten days). Buyers are
synthetic: Chinese names, mobile numbers of the right format and prefixes, addresses of real cities
with made-up streets and buildings.

Stock: domestic SKUs and the components of gift sets come in at the normal warehouse, cross-border SKUs
at the bonded one (receive_stock, kind receipt, at each product's cost price); each store tries its
warehouse (set_allocation_rules). Platform codes: Tmall and Tmall Global send ECERP product codes,
Pinduoduo barcodes (both matched automatically), JD its own SKU ids (mapped per store) and Douyin its
own ids (mapped for the whole platform); one new JD listing and one new Douyin listing are not mapped
(their orders wait in pending_mapping). Two malformed records are quarantined. Review rules hold
orders with remarks, blacklisted buyers and large amounts. The oldest orders are shipped (each unit
scanned, carrier SIM) and partly signed for; younger ones are allocated, packed or in picking; the
newest are still waiting for review.
"""

from __future__ import annotations

import datetime
import random
from decimal import Decimal

from django.db import transaction
from django.utils import timezone

from ecerp.core import services as core_services
from ecerp.core.events import deliver_pending
from ecerp.inventory import services as inventory
from ecerp.inventory.models import MoveKind, Shipment
from ecerp.inventory.services import MoveLine
from ecerp.masterdata.demo import GIVEN, MOBILE_PREFIXES, STORES, SURNAMES, demo_loaded
from ecerp.masterdata.models import BundleComponent, Platform, Product, Store, Warehouse, WarehouseType
from ecerp.sales import services
from ecerp.sales.models import ReviewRule, SalesOrder
from ecerp.sales.states import BlacklistKind, OrderStatus, RuleKind

SEED = 20261130
DEMO_ORDERS_KEY = "demo_orders_loaded"
DAYS = 10
CENT = Decimal("0.01")

# store platform -> (orders, how its platform codes look)
ORDER_COUNTS = {Platform.TMALL: 45, Platform.JD: 30, Platform.PINDUODUO: 30, Platform.DOUYIN: 20,
                Platform.TMALL_GLOBAL: 25}
PLATFORM_STATUS = {Platform.TMALL: "WAIT_SELLER_SEND_GOODS", Platform.TMALL_GLOBAL: "WAIT_SELLER_SEND_GOODS",
                   Platform.JD: "WAIT_SELLER_STOCK_OUT", Platform.PINDUODUO: "待发货", Platform.DOUYIN: "待发货"}

# (province, city, district, streets) of real places; house numbers, estates and rooms are made up
PLACES = [
    ("浙江省", "杭州市", "西湖区", ["文三路", "古墩路", "天目山路", "文一西路"]),
    ("浙江省", "宁波市", "鄞州区", ["天童南路", "首南中路", "钱湖北路"]),
    ("上海市", "上海市", "浦东新区", ["张杨路", "世纪大道", "锦绣路", "杨高中路"]),
    ("上海市", "上海市", "徐汇区", ["漕溪北路", "田林路", "龙华中路"]),
    ("北京市", "北京市", "朝阳区", ["望京街", "朝阳北路", "东三环中路", "广顺北大街"]),
    ("北京市", "北京市", "海淀区", ["中关村大街", "学院路", "西三环北路"]),
    ("广东省", "广州市", "天河区", ["天河北路", "黄埔大道西", "中山大道"]),
    ("广东省", "深圳市", "南山区", ["科技园路", "南海大道", "桃园路", "后海大道"]),
    ("江苏省", "南京市", "鼓楼区", ["中山北路", "汉中门大街", "湖南路"]),
    ("江苏省", "苏州市", "工业园区", ["星湖街", "现代大道", "金鸡湖大道"]),
    ("四川省", "成都市", "武侯区", ["天府大道北段", "科华北路", "人民南路四段"]),
    ("湖北省", "武汉市", "洪山区", ["珞喻路", "雄楚大道", "光谷大道"]),
    ("福建省", "厦门市", "思明区", ["湖滨南路", "莲前西路", "厦禾路"]),
    ("山东省", "青岛市", "市南区", ["香港中路", "山东路", "闽江路"]),
    ("陕西省", "西安市", "雁塔区", ["小寨东路", "科技路", "长安南路"]),
    ("河南省", "郑州市", "金水区", ["花园路", "经三路", "农业路"]),
]
ESTATES = ["阳光花园", "锦绣家园", "翠苑小区", "金色港湾", "绿城桂花园", "万科城", "碧桂园", "滨江花园", "幸福里",
           "润园"]
NICK_WORDS = ["小", "大", "爱", "甜", "喵", "云", "星", "木", "鱼", "糖", "柚", "橙", "风", "月", "米"]
REMARKS = ["请尽快发货，谢谢", "送人的，不要放价格单", "周末家里没人，请工作日送达", "麻烦发顺丰，可以补运费",
           "帮忙看一下生产日期，要新鲜的", "包装好一点，是礼物", "能开发票吗？抬头稍后发"]
BLACKLISTED_NICK = "退款专业户88"
SIGNED = 8
REVIEW_RULES = [("有留言或备注", RuleKind.REMARK_PRESENT, {}, 10), ("黑名单买家", RuleKind.BLACKLISTED, {}, 20),
                ("地址不完整", RuleKind.INCOMPLETE_ADDRESS, {}, 30),
                ("大额订单人工复核", RuleKind.AMOUNT_ABOVE, {"threshold": "3000"}, 40)]


# What `ecerp demo` prints (key of the counts, bilingual label).
ORDER_LABELS = [
    ("stock_lines", "期初库存行 opening stock lines"),
    ("stock_units", "期初库存数量 opening stock units"),
    ("sku_mappings", "商品对应 SKU mappings"),
    ("review_rules", "审单规则 review rules"),
    ("orders", "订单 orders"),
    ("status_pending_mapping", "  待商品对应 pending mapping"),
    ("status_received", "  已接收（待审单） received"),
    ("status_held", "  已挂起 held"),
    ("status_reviewed", "  已审核 reviewed"),
    ("status_allocated", "  已分配 allocated"),
    ("status_shipped", "  已发货 shipped"),
    ("status_cancelled", "  已取消 cancelled"),
    ("orders_quarantined", "隔离记录 quarantined records"),
    ("parcels", "包裹 parcels"),
    ("parcels_shipped", "  其中已发货 shipped"),
    ("parcels_signed", "  其中已签收 signed for"),
    ("units_scanned", "验货扫描件数 units scanned"),
]


def demo_orders_loaded() -> bool:
    """True when the demo orders have been loaded into this database."""
    return bool(core_services.get_setting(DEMO_ORDERS_KEY))


class _Business:
    def __init__(self, user, now: datetime.datetime):
        self.user, self.now = user, timezone.localtime(now)
        self.rng = random.Random(SEED)
        self.counts: dict[str, int] = {}
        self.stores = self._stores()
        self.warehouses = {w.type: w for w in Warehouse.objects.filter(type__in=[
            WarehouseType.NORMAL, WarehouseType.BONDED]).order_by("code")}
        products = list(Product.objects.filter(active=True).order_by("code"))
        self.domestic = [p for p in products if not p.is_bundle and not p.is_cross_border]
        self.cross_border = [p for p in products if not p.is_bundle and p.is_cross_border]
        self.bundles = [p for p in products if p.is_bundle]

    def _count(self, key: str, number: int = 1) -> None:
        self.counts[key] = self.counts.get(key, 0) + number

    @staticmethod
    def _stores() -> dict[str, Store]:
        found = {}
        for _name, platform, shop_id, *_rest in STORES:
            store = Store.objects.filter(platform=platform, shop_id=shop_id).first()
            if store is not None:
                found[platform] = store
        return found

    # --- stock and warehouses -------------------------------------------------------------------------

    def opening_stock(self) -> None:
        """Domestic SKUs and gift-set components in the normal warehouse, cross-border SKUs in the bonded one."""
        rng = self.rng
        normal, bonded = self.warehouses[WarehouseType.NORMAL], self.warehouses[WarehouseType.BONDED]
        components = set(BundleComponent.objects.values_list("component_id", flat=True))
        self.short = self.domestic[0]  # a best seller down to its last unit: one order waits for stock
        plan = [(normal, [p for p in self.domestic + self.cross_border if not p.is_cross_border or p.pk in components]),
                (bonded, self.cross_border)]
        for warehouse, items in plan:
            lines = [MoveLine(product=p, warehouse=warehouse, unit_cost=self._unit_cost(p),
                              quantity=1 if p == self.short else rng.randrange(30, 160, 10)) for p in items]
            inventory.receive_stock(user=self.user, lines=lines, kind=MoveKind.RECEIPT, reason="期初库存（演示）",
                                    occurred_at=self.now - datetime.timedelta(days=DAYS + 1))
            self._count("stock_lines", len(lines))
            self._count("stock_units", sum(line.quantity for line in lines))

    @staticmethod
    def _unit_cost(product: Product) -> Decimal:
        if product.cost_price > 0:
            return product.cost_price
        return (product.sale_price * Decimal("0.6")).quantize(CENT)

    def allocation_rules(self) -> None:
        for platform, store in self.stores.items():
            kind = WarehouseType.BONDED if platform == Platform.TMALL_GLOBAL else WarehouseType.NORMAL
            services.set_allocation_rules(user=self.user, store=store, warehouses=[self.warehouses[kind]])

    # --- platform codes -------------------------------------------------------------------------------

    def catalogues(self) -> None:
        """Each store lists a part of the range; JD and Douyin codes are mapped to products."""
        rng = self.rng
        self.listings: dict[str, list[tuple[str, Product]]] = {}
        for platform in self.stores:
            if platform == Platform.TMALL_GLOBAL:
                items = rng.sample(self.cross_border, 60)
            else:
                items = [self.short] * (platform == Platform.TMALL) + rng.sample(self.domestic[1:], 40) + \
                    rng.sample(self.bundles, 6)
            listing = []
            for product in items:
                if platform == Platform.JD:
                    code = f"1000{rng.randrange(10**7, 10**8)}"
                    services.map_platform_sku(user=self.user, sku_code=code, product=product,
                                              store=self.stores[platform])
                    self._count("sku_mappings")
                elif platform == Platform.DOUYIN:
                    code = f"3{rng.randrange(10**17, 10**18)}"
                    services.map_platform_sku(user=self.user, sku_code=code, product=product, platform=platform)
                    self._count("sku_mappings")
                elif platform == Platform.PINDUODUO:
                    code = product.barcode or product.code
                else:
                    code = product.code
                listing.append((code, product))
            self.listings[platform] = listing

    # --- people ---------------------------------------------------------------------------------------

    def _buyer(self) -> dict:
        rng = self.rng
        province, city, district, streets = rng.choice(PLACES)
        surname = rng.choice(SURNAMES)
        return {
            "buyer_nick": "".join(rng.sample(NICK_WORDS, 2)) + surname + str(rng.randrange(10, 1000)),
            "consignee_name": surname + rng.choice(GIVEN),
            "consignee_phone": f"{rng.choice(MOBILE_PREFIXES)}{rng.randrange(10**8):08d}",
            "province": province, "city": city, "district": district,
            "address": f"{rng.choice(streets)}{rng.randrange(1, 999)}号{rng.choice(ESTATES)}{rng.randrange(1, 30)}幢"
                       f"{rng.randrange(1, 4)}单元{rng.randrange(1, 33)}{rng.randrange(1, 5):02d}室",
        }

    # --- orders ---------------------------------------------------------------------------------------

    def _order_no(self, platform: str, when: datetime.datetime) -> str:
        rng = self.rng
        if platform == Platform.JD:
            return str(rng.randrange(2 * 10**11, 3 * 10**11))
        if platform == Platform.PINDUODUO:
            return f"{when:%y%m%d}-{rng.randrange(10**14, 10**15)}"
        return str(rng.randrange(10**18, 10**19))

    def _record(self, platform: str, when: datetime.datetime, lines: list[tuple[str, Product, int]],
                **extra) -> dict:
        rng = self.rng
        goods = sum((product.sale_price * quantity for _code, product, quantity in lines), Decimal(0))
        discount = (goods * Decimal(rng.choice([0, 0, 0, 5, 10])) / 100).quantize(CENT)
        freight = Decimal("0.00") if goods >= 99 else Decimal("8.00")
        paid = goods - discount + freight
        updated = when + datetime.timedelta(minutes=rng.randrange(2, 30))
        record = {
            "store": self.stores[platform].code, "platform_order_no": self._order_no(platform, when),
            **self._buyer(), "discount": str(discount), "freight": str(freight), "paid_amount": str(paid),
            "order_time": f"{when:%Y-%m-%d %H:%M:%S}",
            "payment_time": f"{when + datetime.timedelta(minutes=rng.randrange(1, 10)):%Y-%m-%d %H:%M:%S}",
            "platform_status": PLATFORM_STATUS[platform], "platform_updated_at": f"{updated:%Y-%m-%d %H:%M:%S}",
            "lines": [{"sku_code": code, "title": f"{product.name} {product.specification}".strip()[:300],
                       "quantity": quantity, "unit_price": str(product.sale_price)}
                      for code, product, quantity in lines],
        }
        record.update(extra)
        return record

    def _when(self) -> datetime.datetime:
        rng = self.rng
        start = self.now - datetime.timedelta(days=DAYS)
        seconds = rng.randrange(int((self.now - start).total_seconds()) - 3600)
        moment = start + datetime.timedelta(seconds=seconds)
        if moment.hour < 8:  # few people buy at night
            moment += datetime.timedelta(hours=rng.randrange(8, 14))
        return min(moment, self.now - datetime.timedelta(minutes=30))

    def orders(self) -> list[dict]:
        rng = self.rng
        records = []
        for platform, count in ORDER_COUNTS.items():
            if platform not in self.stores:
                continue
            listing = self.listings[platform]
            for number in range(count):
                picked = rng.sample(listing[1:], rng.choice([1, 1, 1, 2, 2, 3]))
                lines = [(code, product, rng.choice([1, 1, 1, 2])) for code, product in picked]
                when = self._when()
                if platform == Platform.TMALL and number < 2:  # the best seller's last unit, ordered twice
                    lines = [(listing[0][0], listing[0][1], 1)]
                    when = self.now - datetime.timedelta(days=DAYS - 1, hours=2 - number)
                extra = {"buyer_remark": rng.choice(REMARKS)} if rng.random() < 0.1 else {}
                records.append(self._record(platform, when, lines, **extra))
        records.sort(key=lambda record: record["order_time"])
        # a blacklisted buyer; a buyer who ordered twice within the hour (to merge); new listings not mapped
        # yet; malformed records
        records[len(records) // 2]["buyer_nick"] = BLACKLISTED_NICK
        if Platform.TMALL in self.stores:
            first = next(r for r in reversed(records) if r["store"] == self.stores[Platform.TMALL].code)
            records.remove(first)
            person = {name: first[name] for name in ("buyer_nick", "consignee_name", "consignee_phone", "province",
                                                     "city", "district", "address")}
            code, product = self.listings[Platform.TMALL][3]
            for minutes in (50, 20):
                records.append(self._record(Platform.TMALL, self.now - datetime.timedelta(minutes=minutes),
                                            [(code, product, 1)], **person))
        for platform, code in ((Platform.JD, f"1000{rng.randrange(10**7, 10**8)}"),
                               (Platform.DOUYIN, f"3{rng.randrange(10**17, 10**18)}")):
            if platform in self.stores:
                new = self._record(platform, self._when(), [(code, self.listings[platform][1][1], 1)])
                new["lines"][0]["title"] = "新品上架 " + new["lines"][0]["title"]
                records.append(new)
        if Platform.PINDUODUO in self.stores:
            records.append(self._record(Platform.PINDUODUO, self._when(), [self.listings[Platform.PINDUODUO][2] + (1,)],
                                        paid_amount="二十九元"))
        if Platform.DOUYIN in self.stores:
            empty = self._record(Platform.DOUYIN, self._when(), [])
            empty["lines"] = []
            records.append(empty)
        return records

    def ingest(self, records: list[dict]) -> list[SalesOrder]:
        result = services.ingest_orders(user=self.user, source="api", records=records)
        for outcome, number in result.counts().items():
            if number:
                self._count(f"orders_{outcome}", number)
        ids = [item.order_id for item in result.results if item.order_id]
        return list(SalesOrder.objects.filter(pk__in=ids).order_by("order_time", "pk"))

    # --- the order desk -------------------------------------------------------------------------------

    def review_rules(self) -> None:
        if ReviewRule.objects.exists():
            return
        for name, kind, parameters, priority in REVIEW_RULES:
            services.save_review_rule(user=self.user, name=name, kind=kind, parameters=parameters, priority=priority)
            self._count("review_rules")
        services.add_to_blacklist(user=self.user, kind=BlacklistKind.NICK, value=BLACKLISTED_NICK,
                                  reason="多次签收后恶意退款")

    def work_the_orders(self, orders: list[SalesOrder]) -> None:
        """Review all but the newest, allocate most, pack and ship the older ones, sign for the oldest."""
        open_orders = [order for order in orders if order.status == OrderStatus.RECEIVED]
        waiting = open_orders[-8:]  # the newest still wait for review
        services.review_orders(user=self.user, orders=open_orders[:-8])
        reviewed = list(SalesOrder.objects.filter(pk__in=[o.pk for o in open_orders], status=OrderStatus.REVIEWED)
                        .order_by("order_time", "pk"))
        services.allocate_orders(user=self.user, orders=reviewed[:-5])  # the last few wait for allocation
        held = SalesOrder.objects.filter(pk__in=[o.pk for o in orders], status=OrderStatus.HELD).order_by("pk").first()
        if held is not None:
            services.cancel_order(user=self.user, order=held, reason="买家申请取消订单")
        allocated = list(SalesOrder.objects.filter(pk__in=[o.pk for o in orders], status=OrderStatus.ALLOCATED)
                         .order_by("order_time", "pk"))
        to_pack = allocated[:int(len(allocated) * 0.8)]
        services.create_order_shipments(user=self.user, orders=to_pack)
        parcels = list(Shipment.objects.filter(reference_type="sales_order",
                                               reference_id__in=[str(order.pk) for order in to_pack])
                       .prefetch_related("lines__product").order_by("pk"))
        shipping, packing = parcels[:int(len(parcels) * 0.85)], parcels[int(len(parcels) * 0.85):]
        for index, parcel in enumerate(shipping + packing):
            units = [line.product.barcode or line.product.code for line in parcel.lines.all()
                     for _unit in range(line.quantity)]
            if parcel in packing and index % 2:
                units = units[:1]  # the packer has just started on this one
            for barcode in units:
                inventory.scan_item(user=self.user, shipment=parcel, barcode=barcode)
            self._count("units_scanned", len(units))
        for parcel in shipping:
            inventory.ship_shipment(user=self.user, shipment=parcel, carrier_code="SIM")
        for parcel in shipping[:SIGNED]:  # the carrier reported a few as signed for already
            inventory.record_sign_off(user=self.user, shipment=parcel)
            self._count("parcels_signed")
        for _round in range(20):  # the order of each shipped parcel is marked shipped by its event handler
            if not deliver_pending(limit=2000):
                break
        self._count("parcels", len(parcels))
        self._count("parcels_shipped", len(shipping))
        self._count("orders_waiting_review", len(waiting))


def build_demo_orders(user, *, now: datetime.datetime | None = None) -> dict[str, int]:
    """Load the demo business (stock, mappings, rules, orders) once, after the demo company; return counts.

    Does nothing and returns {} when the demo orders were loaded before, or when the demo company
    is not there (no demo stores and warehouses). One transaction: a refusal by any service rolls
    back everything. Side effects are those of the services called (stock moves, orders, parcels,
    events, audit rows) and the setting demo_orders_loaded.
    """
    if demo_orders_loaded() or not demo_loaded():
        return {}
    with transaction.atomic():
        if core_services.get_setting(DEMO_ORDERS_KEY):  # loaded by a concurrent start meanwhile
            return {}
        business = _Business(user, now or timezone.now())
        if len(business.stores) != len(STORES) or len(business.warehouses) != 2:
            return {}
        business.opening_stock()
        business.allocation_rules()
        business.catalogues()
        business.review_rules()
        orders = business.ingest(business.orders())
        business.work_the_orders(orders)
        by_status = dict.fromkeys(OrderStatus.values, 0)
        for status in SalesOrder.objects.filter(pk__in=[o.pk for o in orders]).values_list("status", flat=True):
            by_status[status] += 1
        business.counts.update({f"status_{status}": number for status, number in by_status.items()})
        business.counts["orders"] = len(orders)
        core_services.set_setting(user=user, key=DEMO_ORDERS_KEY,
                                  value=timezone.localtime().strftime("%Y-%m-%d %H:%M:%S"))
    return business.counts
