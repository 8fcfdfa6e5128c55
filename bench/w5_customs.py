"""Benchmark W5 (customs messages): N cross-border orders pre-checked, taxed, built into CEB311/411/511/621
and validated against the official XSD; a sample of messages signed; then R receipts parsed.

Set-up (not timed): the demo company and its customs part through the services (ecerp.masterdata.demo,
ecerp.customs.demo: a bonded 1210 store with its CustomsChannel, about 300 approved product filings, the
shipped reference data, copCode and DXP id), the filed products loaded with their filings (what the
declaration services' select_related reads), the software signing keys. Then N orders (fixed seed) of 1-3
lines of random filed SKUs, 1-3 units each, goods value within the single-transaction limit, valid buyer
identities (resident ID check digit from stdnum.cn.ric), unique order, payment and waybill numbers, and
amounts consistent: the withheld tax from the tax engine, acturalPaid = goods + freight + tax - discount,
the payment amount = acturalPaid.

Phase "precheck_build_validate" (timed), per order, the same code the declaration services run
(ecerp.customs.services.declarations: _new_declaration, recheck_declarations, submit_declaration), without
writing rows: the unsaved Declaration and DeclarationLine snapshot (the services' field mapping, repeated
here because theirs reads the sales order through the ORM); declaration_facts() itself with the services'
look-ups (FactsLookups: the buyers' used annual quota and earlier uses of the waybill numbers, two queries
per set of declarations; rates, limits and filing problems from the loaded filings and the per-process
reference cache; the tax tolerance setting); run_prechecks (every rule and
the tax); the four documents from services/declaration_documents.py (order_document, payment_document,
waybill_document, inventory_document), the BaseTransfer from the settings, build_message and
validate_message for each. CEB621 needs a ds:Signature to be schema-valid: it is validated here with a
structurally valid placeholder signature (same elements as a real one; signing is timed apart), and the
really signed messages are validated again in the sign phase.

Phase "sign" (timed): a sample of the built messages (--sign-sample, default 2,000: the first orders' four
messages) signed with each software algorithm (sm2-sm3, rsa-sha1: enveloped XML-DSig, C14N); sign_per_s is
the configured signer's algorithm (settings.ECERP_CUSTOMS_SIGNER, default sm2-sm3). Every signed message is
then validated against the XSD (counted in invalid_messages) and a few verified (not timed).

Phase "receipts" (timed): R receipts (--receipts, default 100,000) built first, not timed, with
customs/receipts/build.py: CEB312/412/512/622 in the sequences customs sends (2, 3, 120, 399, 800 for the
list; 2, 120 for the others; some rejections and manual reviews), messages of 1, 10 or 100 receipts; then
parse_receipts on every message.

    .venv/bin/python bench/w5_customs.py [--orders 100000] [--db URL] [--workers 2] [--lookups batch|single]
                                         [--sign-sample 2000] [--receipts 100000]

--lookups batch (default) makes the look-ups once per batch of 1,000 orders, as create_declarations and
recheck_declarations do for a batch; single once per order, as recheck_declaration of one declaration does
(see Lookups). Figures and analysis: docs/benchmarks.md.

The last line printed is one JSON object (see ../shared/bench/WORKLOADS.md).
"""

from __future__ import annotations

import argparse
import datetime
import json
import random
import time
import traceback
from dataclasses import dataclass, field
from decimal import ROUND_HALF_UP, Decimal

from common import drop_database, migrate, peak_rss_mb, prepare_database

SEED = 20261130
DECL_DATE = datetime.date(2026, 11, 30)
CENT = Decimal("0.01")
QTY = Decimal("0.00001")
GOODS_CAP = Decimal("4800")  # goods value of a generated order: within the 5,000 single limit with freight
MESSAGE_TYPES = ("CEB311", "CEB411", "CEB511", "CEB621")
ALGORITHMS = ("sm2-sm3", "rsa-sha1")
AREAS = ("110101", "310104", "330106", "440305", "510107", "420106", "320102", "410105")
SURNAMES = "王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗"
GIVEN = "伟芳娜敏静丽强磊军洋勇艳杰娟涛明超秀霞平刚桂英华"
PLACES = (("浙江省", "杭州市", "西湖区", "文三路"), ("上海市", "上海市", "浦东新区", "张江路"),
          ("广东省", "深圳市", "南山区", "科技园路"), ("北京市", "北京市", "朝阳区", "建国路"),
          ("四川省", "成都市", "武侯区", "天府大道"), ("河南省", "郑州市", "金水区", "花园路"))

@dataclass
class Order:
    """One generated cross-border order with what the declaration's identity adds (all in memory)."""

    number: int
    order_no: str
    lines: list[tuple[int, int]]  # (index into the filed products, quantity)
    freight: Decimal
    discount: Decimal
    buyer_name: str
    buyer_id: str
    phone: str
    province: str
    city: str
    district: str
    address: str
    logistics_no: str
    pay_transaction_id: str
    pay_time: datetime.datetime
    tax_total: Decimal = Decimal(0)
    actural_paid: Decimal = Decimal(0)


@dataclass
class Counts:
    orders: int = 0
    messages: int = 0
    invalid: int = 0
    with_findings: int = 0
    finding_codes: dict = field(default_factory=dict)
    problems: list = field(default_factory=list)

    def add(self, other: Counts) -> None:
        self.orders += other.orders
        self.messages += other.messages
        self.invalid += other.invalid
        self.with_findings += other.with_findings
        for code, count in other.finding_codes.items():
            self.finding_codes[code] = self.finding_codes.get(code, 0) + count
        self.problems.extend(other.problems[:5 - len(self.problems)])


class Context:
    """What the set-up loaded: the store, its channel, the filed products (with their filings)."""

    def __init__(self):
        from ecerp.customs.models import CustomsChannel
        from ecerp.customs.states import FilingState
        from ecerp.masterdata.models import Product

        self.channel = (CustomsChannel.objects.select_related(
            "store", "platform", "ecommerce_company", "logistics", "payment", "agent", "guarantor", "area")
            .order_by("pk").first())
        if self.channel is None:
            raise SystemExit("the demo has no store with a customs channel")
        self.store = self.channel.store
        self.products = list(Product.objects.filter(customs_filing__state=FilingState.APPROVED)
                             .select_related("customs_filing").order_by("code"))
        if not self.products:
            raise SystemExit("the demo has no approved product filing")


# --- data (not timed) -------------------------------------------------------------------------------------

def resident_id(rng: random.Random) -> str:
    """A valid resident ID number: a real county code, a birth date, a sequence and the stdnum check digit."""
    from stdnum.cn import ric

    born = datetime.date(1960, 1, 1) + datetime.timedelta(days=rng.randrange(16_000))
    body = f"{rng.choice(AREAS)}{born:%Y%m%d}{rng.randrange(1000):03d}"
    return body + ric.calc_check_digit(body + "0")  # stdnum reads the full number and ignores its last character


def price_of(product) -> Decimal:
    filing = product.customs_filing
    return Decimal(filing.reference_price or product.sale_price or 100).quantize(CENT)


def generate_orders(context: Context, count: int) -> list[Order]:
    """count orders with a fixed seed: 1-3 distinct filed SKUs, 1-3 units each, goods value <= GOODS_CAP."""
    rng = random.Random(SEED)
    prices = [price_of(product) for product in context.products]
    orders = []
    pay_base = datetime.datetime(2026, 11, 30, 0, 0, tzinfo=datetime.UTC)
    for number in range(1, count + 1):
        while True:
            chosen = rng.sample(range(len(prices)), rng.randint(1, 3))
            lines = [(index, rng.randint(1, 3)) for index in chosen]
            goods = sum((prices[index] * quantity for index, quantity in lines), Decimal(0))
            if goods <= GOODS_CAP:
                break
        province, city, district, street = rng.choice(PLACES)
        discount = Decimal(rng.choice((0, 0, 0, 5, 10))) if goods > 50 else Decimal(0)
        orders.append(Order(
            number=number, order_no=f"W5{number:010d}", lines=lines, freight=Decimal(rng.choice((0, 0, 10, 15, 20))),
            discount=discount, buyer_name=rng.choice(SURNAMES) + "".join(rng.sample(GIVEN, rng.randint(1, 2))),
            buyer_id=resident_id(rng), phone=f"13{rng.randrange(10**9):09d}", province=province, city=city,
            district=district, address=f"{street}{rng.randint(1, 999)}号", logistics_no=f"YT{number:012d}",
            pay_transaction_id=f"2026113022001{number:012d}",
            pay_time=pay_base + datetime.timedelta(seconds=number % 80_000)))
    return orders


# --- one order through the declaration code (timed) -----------------------------------------------------

def declaration_lines(context: Context, order: Order) -> list:
    """The unsaved DeclarationLine rows of the order (services.declarations._line_rows' mapping)."""
    from ecerp.customs.models import DeclarationLine

    rows = []
    for gnum, (index, quantity) in enumerate(order.lines, start=1):
        product = context.products[index]
        filing = product.customs_filing
        total = (price_of(product) * quantity).quantize(CENT)
        price = (total / quantity).quantize(QTY, rounding=ROUND_HALF_UP)
        rows.append(DeclarationLine(
            gnum=gnum, product=product, item_no=product.code[:30], item_record_no=filing.item_record_no or "",
            item_name=product.name[:250], gcode=filing.hs_code or "", gname=filing.gname[:250],
            gmodel=filing.gmodel[:510], bar_code=filing.barcode or "", unit=filing.unit, qty=quantity,
            unit1=filing.unit1, qty1=(filing.qty1_per_unit * quantity).quantize(QTY), unit2=filing.unit2,
            qty2=(filing.qty2_per_unit * quantity).quantize(QTY) if filing.qty2_per_unit else None, price=price,
            total_price=total, country=filing.origin_country))
    return rows


def declaration_of(context: Context, order: Order, lines: list):
    """The unsaved Declaration snapshot of the order (services.declarations._new_declaration's mapping)."""
    from ecerp.customs.models import Declaration
    from ecerp.customs.services.declarations import _code, id_hash, new_cop_no

    channel = context.channel
    gross = net = Decimal(0)
    for line in lines:
        gross += (line.product.gross_weight or Decimal(0)) * line.qty
        net += (line.product.net_weight or Decimal(0)) * line.qty
    gross = gross or Decimal("1")
    net = min(net or gross, gross)
    goods_value = sum((line.total_price for line in lines), Decimal(0))
    address = "".join((order.province, order.city, order.district, order.address))
    return Declaration(
        store=context.store, cop_no=new_cop_no(), regime=channel.regime, trade_mode=channel.trade_mode,
        customs_code=channel.customs_code, port_code=channel.port_code, decl_date=DECL_DATE,
        order_no=order.order_no, ebp_code=_code(channel.platform), ebp_name=channel.platform.name[:100],
        ebc_code=_code(channel.ecommerce_company), ebc_name=channel.ecommerce_company.name[:100],
        goods_value=goods_value, freight=order.freight, insured_fee=Decimal(0), discount=order.discount,
        buyer_reg_no=order.order_no, buyer_name=order.buyer_name, buyer_id_number=order.buyer_id,
        buyer_id_hash=id_hash(order.buyer_id), buyer_phone=order.phone, consignee_name=order.buyer_name,
        consignee_phone=order.phone, consignee_address=address, consignee_district="",
        pay_code=_code(channel.payment), pay_name=channel.payment.name[:100] if channel.payment else "",
        pay_transaction_id=order.pay_transaction_id, pay_time=order.pay_time, payer_name=order.buyer_name,
        payer_id_number=order.buyer_id, payer_phone=order.phone, logistics_code=_code(channel.logistics),
        logistics_name=channel.logistics.name[:100], logistics_no=order.logistics_no, bill_no="", weight=gross,
        net_weight=net, pack_no=1, waybill_consignee_name=order.buyer_name, waybill_consignee_phone=order.phone,
        waybill_consignee_address=address, agent_code=_code(channel.agent), agent_name=channel.agent.name[:100],
        assure_code=_code(channel.guarantor), ems_no=channel.ems_no, area_code=_code(channel.area),
        area_name=channel.area.name[:100] if channel.area else "", country=channel.departure_country,
        traf_mode=channel.transport_mode, wrap_type=channel.wrap_type, loct_no=channel.loct_no,
        tax_total=order.tax_total, actural_paid=order.actural_paid, amount_paid=order.actural_paid)


class Lookups:
    """The database look-ups of one set of declarations, as the declaration services make them:
    services.declaration_facts.FactsLookups (the buyers' used annual quota and earlier uses of the waybill
    numbers, two queries for the set, and the tax tolerance setting; filing problems come from the filings
    loaded with the lines). --lookups batch: one set per batch of 1,000 orders (create_declarations and
    recheck_declarations of a batch); single: one set per order (recheck_declaration of one declaration)."""

    def __init__(self, declarations: list):
        from ecerp.customs.services.declaration_facts import FactsLookups

        self.facts = FactsLookups(declarations)

    @staticmethod
    def base():
        """The BaseTransfer, read per declaration as submit_declaration does (one settings query)."""
        from ecerp.customs.services.declaration_documents import base_transfer

        return base_transfer()


class NoHistory(Lookups):
    """For the set-up's tax only: no database look-up at all (the tax needs none)."""

    def __init__(self, declarations: list | None = None):
        from ecerp.customs.services.declaration_facts import FactsLookups

        self.facts = FactsLookups.none()


MODES = ("batch", "single")
BATCH = 1_000


def facts_of(order: Order, declaration, lines: list, lookups: Lookups):
    """declaration_facts() of the unsaved declaration: its lines (with their filings) and the generated
    order's lines instead of the sales order rows."""
    from ecerp.customs.services.declaration_facts import declaration_facts

    order_lines = {number: quantity for number, (_index, quantity) in enumerate(order.lines, start=1)}
    return declaration_facts(declaration, lines, lookups=lookups.facts, order_lines=order_lines)


def build_messages(declaration, lines: list, base) -> dict[str, bytes]:
    """{message type: unsigned XML} of the four messages (declaration_documents' documents, build_message)."""
    from django.utils import timezone

    from ecerp.customs.messages.build import build_message
    from ecerp.customs.services import declaration_documents as documents

    now = timezone.now()
    built = {
        "CEB311": documents.order_document(declaration, lines, now),
        "CEB411": documents.payment_document(declaration, now),
        "CEB511": documents.waybill_document(declaration, now),
        "CEB621": documents.inventory_document(declaration, lines, now),
    }
    return {message_type: build_message(message_type, [document], base, guid=documents.new_guid())
            for message_type, document in built.items()}


def prepared(context: Context, orders: list[Order]) -> list[tuple[Order, object, list]]:
    """(order, unsaved declaration, its lines) of each order: the snapshot the services write first."""
    prepared_ = []
    for order in orders:
        lines = declaration_lines(context, order)
        prepared_.append((order, declaration_of(context, order, lines), lines))
    return prepared_


def process(order: Order, declaration, lines: list, counts: Counts, lookups: Lookups,
            keep: dict | None = None) -> None:
    """Pre-check, tax, build and validate one order's four messages; keep: {type: [xml]} to collect them."""
    from ecerp.customs import prechecks, schema
    from ecerp.customs.schema import validate_message

    result = prechecks.run_prechecks(facts_of(order, declaration, lines, lookups),
                                     tax_tolerance=lookups.facts.tolerance)
    counts.orders += 1
    if result.findings:
        counts.with_findings += 1
        for finding in result.findings:
            counts.finding_codes[finding.code] = counts.finding_codes.get(finding.code, 0) + 1
    for message_type, xml in build_messages(declaration, lines, lookups.base()).items():
        if keep is not None:
            keep.setdefault(message_type, []).append(xml)
        checked = schema.with_placeholder_signature(xml) if message_type == "CEB621" else xml
        problems = validate_message(checked)
        counts.messages += 1
        if problems:
            counts.invalid += 1
            if len(counts.problems) < 5:
                counts.problems.append(f"{order.order_no} {message_type}: {problems[:2]}")


def settle_amounts(context: Context, orders: list[Order]) -> None:
    """Give every order the tax the engine computes and the amounts that follow from it (not timed)."""
    from ecerp.customs import prechecks

    no_history = NoHistory()
    for order in orders:
        lines = declaration_lines(context, order)
        declaration = declaration_of(context, order, lines)
        tax = prechecks.compute_tax(facts_of(order, declaration, lines, no_history))[0]
        order.tax_total = tax.total if tax is not None else Decimal(0)
        goods = sum((line.total_price for line in lines), Decimal(0))
        order.actural_paid = goods + order.freight + order.tax_total - order.discount


# --- phase 1: serial or forked workers ------------------------------------------------------------------

def run_range(context: Context, orders: list[Order], mode: str) -> Counts:
    """The orders in batches of BATCH: the snapshots of a batch, its look-ups (once for the batch, or once
    per order with --lookups single), then each order's pre-checks, tax, messages and validation."""
    counts = Counts()
    for start in range(0, len(orders), BATCH):
        batch = prepared(context, orders[start:start + BATCH])
        shared = Lookups([declaration for _order, declaration, _lines in batch]) if mode == "batch" else None
        for order, declaration, lines in batch:
            process(order, declaration, lines, counts, shared or Lookups([declaration]))
    return counts


def _worker(pipe, context: Context, orders: list[Order], mode: str) -> None:
    from django.db import connections

    try:
        started = time.perf_counter()
        counts = run_range(context, orders, mode)
        pipe.send(("ok", counts, time.perf_counter() - started))
    except BaseException:  # reported to the parent, which stops the run
        pipe.send(("error", traceback.format_exc(), 0.0))
    finally:
        connections.close_all()
        pipe.close()


def run_forked(context: Context, orders: list[Order], workers: int, mode: str) -> tuple[Counts, list[float]]:
    """Split the orders into workers contiguous ranges, one forked process each (fork: the warm caches and the
    compiled XSD are inherited); the caller times the wall clock."""
    import multiprocessing

    from django.db import connections

    connections.close_all()  # the children open their own connections
    fork = multiprocessing.get_context("fork")
    size = -(-len(orders) // workers)
    pipes, processes = [], []
    for start in range(0, len(orders), size):
        ours, theirs = fork.Pipe(duplex=False)
        process = fork.Process(target=_worker, args=(theirs, context, orders[start:start + size], mode),
                               daemon=True)
        process.start()
        theirs.close()
        pipes.append(ours)
        processes.append(process)
    total, busy = Counts(), []
    for pipe in pipes:
        status, payload, seconds = pipe.recv()
        if status == "error":
            raise SystemExit(f"a worker failed:\n{payload}")
        total.add(payload)
        busy.append(seconds)
    for process in processes:
        process.join(timeout=60)
    return total, busy


# --- phase 2: signing -----------------------------------------------------------------------------------

def sample_messages(context: Context, orders: list[Order], sample: int) -> list[tuple[str, bytes]]:
    """The first orders' four messages, sample of them in all (built again, not timed)."""
    messages: list[tuple[str, bytes]] = []
    for order, declaration, lines in prepared(context, orders[:-(-sample // len(MESSAGE_TYPES))]):
        if len(messages) >= sample:
            break
        keep: dict[str, list[bytes]] = {}
        process(order, declaration, lines, Counts(), Lookups([declaration]), keep)
        messages.extend((message_type, keep[message_type][0]) for message_type in MESSAGE_TYPES)
    return messages[:sample]


def run_signing(messages: list[tuple[str, bytes]], key_dir) -> tuple[dict, float, int, list[str]]:
    """Sign every sample message with each algorithm; then validate every signed message and verify a few."""
    from ecerp.customs.schema import validate_message
    from ecerp.customs.signing import software_signer, verify

    rates: dict[str, dict] = {}
    seconds = 0.0
    invalid = 0
    problems: list[str] = []
    for algorithm in ALGORITHMS:
        signer = software_signer(algorithm, key_dir=key_dir)
        signer.sign(messages[0][1])  # the key is created and loaded before the clock starts
        started = time.perf_counter()
        signed = [signer.sign(xml) for _type, xml in messages]
        elapsed = time.perf_counter() - started
        seconds += elapsed
        mark = time.perf_counter()
        for (message_type, _xml), xml in zip(messages, signed, strict=True):
            errors = validate_message(xml)
            if errors:
                invalid += 1
                if len(problems) < 5:
                    problems.append(f"signed {algorithm} {message_type}: {errors[:2]}")
        validate_seconds = time.perf_counter() - mark
        trusted = {signer.key_name: signer.key.public_key}
        unverified = sum(not verify(xml, trusted=trusted).valid for xml in signed[:20])
        if unverified:
            raise SystemExit(f"{unverified} of 20 {algorithm} signatures do not verify")
        rates[algorithm] = {"messages": len(signed), "seconds": round(elapsed, 2),
                            "sign_per_s": round(len(signed) / elapsed, 1),
                            "validate_signed_seconds": round(validate_seconds, 2)}
        print(f"sign {algorithm}: {len(signed)} messages in {elapsed:.2f} s ({len(signed) / elapsed:.1f}/s); "
              f"validated again in {validate_seconds:.2f} s", flush=True)
    return rates, seconds, invalid, problems


# --- phase 3: receipts ----------------------------------------------------------------------------------

# (message type, statuses in the order customs sends them) per document; the list's paths (CUSTOMS.md §1.7)
LIST_PATHS = ((("2", "3", "120", "399", "800"), 80), (("2", "3", "120", "300", "399", "800"), 8),
              (("2", "3", "120", "500", "800"), 6), (("2", "3", "100"), 3), (("2", "-621018"), 2),
              (("2", "3", "120", "300", "100"), 1))
THREE_DOCUMENTS = ((("2", "120"), 95), (("2", "100"), 3), (("-301010",), 2))


def receipt_batches(context: Context, orders: list[Order], total: int) -> list[tuple[str, bytes, int]]:
    """Receipt messages holding total receipts in all: (message type, xml, receipts in it); not timed.

    The receipts of each type go out in messages of 1 (60% of the messages), 10 or 100 receipts.
    """
    from ecerp.customs.receipts.build import build_receipt_message
    from ecerp.customs.services.declarations import _code

    rng = random.Random(SEED + 5)
    channel = context.channel
    ebp, ebc, pay = _code(channel.platform), _code(channel.ecommerce_company), _code(channel.payment)
    logistics, agent = _code(channel.logistics), _code(channel.agent)
    when = datetime.datetime(2026, 11, 30, 10, 0, tzinfo=datetime.UTC)
    pending: dict[str, list[dict]] = {"CEB312": [], "CEB412": [], "CEB512": [], "CEB622": []}
    made = 0
    for index in range(len(orders) * 20):
        if made >= total:
            break
        order = orders[index % len(orders)]
        suffix = "" if index < len(orders) else f"R{index // len(orders)}"
        keys = {
            "CEB312": {"ebp_code": ebp, "ebc_code": ebc, "order_no": order.order_no + suffix},
            "CEB412": {"pay_code": pay, "pay_transaction_id": order.pay_transaction_id + suffix},
            "CEB512": {"logistics_code": logistics, "logistics_no": order.logistics_no + suffix},
            "CEB622": {"customs_code": channel.customs_code, "ebp_code": ebp, "ebc_code": ebc, "agent_code": agent,
                       "cop_no": f"CD{order.number:018d}", "pre_no": f"B{order.number:017d}",
                       "invt_no": f"{channel.customs_code}2026I{order.number:09d}"},
        }
        for message_type in ("CEB312", "CEB412", "CEB512", "CEB622"):
            paths = LIST_PATHS if message_type == "CEB622" else THREE_DOCUMENTS
            path = rng.choices([statuses for statuses, _weight in paths], [weight for _s, weight in paths])[0]
            for step, status in enumerate(path):
                if made >= total:
                    break
                pending[message_type].append({
                    **keys[message_type], "return_status": status,
                    "return_time": when + datetime.timedelta(minutes=step),
                    "return_info": "" if not status.startswith("-") else "[Code:1800;Desc:校验失败]"})
                made += 1
    messages = []
    for message_type, receipts in pending.items():
        start = 0
        while start < len(receipts):
            size = rng.choices((1, 10, 100), (60, 30, 10))[0]
            chunk = receipts[start:start + size]
            messages.append((message_type, build_receipt_message(message_type, chunk), len(chunk)))
            start += size
    rng.shuffle(messages)
    return messages


def run_receipts(messages: list[tuple[str, bytes, int]]) -> tuple[int, float]:
    from ecerp.customs.receipts.parse import parse_receipts

    parsed = 0
    started = time.perf_counter()
    for _type, xml, _count in messages:
        parsed += len(parse_receipts(xml))
    return parsed, time.perf_counter() - started


def ensure_keys(key_dir, get_signer) -> str:
    """Create the software keys of both algorithms in key_dir (set-up); return the configured algorithm.

    """
    from ecerp.customs.signing import software_signer

    for algorithm in ALGORITHMS:
        software_signer(algorithm, key_dir=key_dir)
    return get_signer().algorithm


# --- main -----------------------------------------------------------------------------------------------

def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--orders", type=int, default=100_000)
    parser.add_argument("--db", default="", help="database URL (default: a fresh SQLite file in a temp dir)")
    parser.add_argument("--workers", type=int, default=1, help="forked processes for the precheck_build_validate "
                        "phase (each takes a contiguous share of the orders)")
    parser.add_argument("--lookups", choices=MODES, default="batch", help="batch: the pre-checks' database "
                        "look-ups once per batch of 1,000 orders, as create_declarations and recheck_declarations "
                        "make them (default); single: once per order, as recheck_declaration of one declaration")
    parser.add_argument("--sign-sample", type=int, default=2_000, help="messages signed with each algorithm")
    parser.add_argument("--receipts", type=int, default=100_000, help="receipts built and parsed")
    args = parser.parse_args()
    database = prepare_database(args.db, "w5")
    try:
        migrate()
        from django.conf import settings

        from ecerp.customs.demo import build_demo_customs
        from ecerp.customs.signing import get_signer
        from ecerp.masterdata.demo import build_demo_company

        setup_started = time.perf_counter()
        build_demo_company(None)
        build_demo_customs(None)
        context = Context()
        orders = generate_orders(context, args.orders)
        settle_amounts(context, orders)
        lines = sum(len(order.lines) for order in orders)
        key_dir = database.folder / "customs-keys"
        settings.ECERP_CUSTOMS_KEY_DIR = key_dir
        default_algorithm = ensure_keys(key_dir, get_signer)
        # warm: the XSD compiled, the reference caches filled
        ((first, declaration, first_lines),) = prepared(context, orders[:1])
        process(first, declaration, first_lines, Counts(), Lookups([declaration]))
        print(f"set-up {time.perf_counter() - setup_started:.1f} s ({len(context.products)} filed SKUs, "
              f"{args.orders} orders, {lines} lines; store {context.store.code} {context.channel.trade_mode} "
              f"{context.channel.regime})", flush=True)

        seconds: dict[str, float] = {}
        started = time.perf_counter()
        if args.workers > 1:
            counts, busy = run_forked(context, orders, args.workers, args.lookups)
        else:
            counts, busy = run_range(context, orders, args.lookups), []
        seconds["precheck_build_validate"] = time.perf_counter() - started
        print(f"precheck_build_validate {seconds['precheck_build_validate']:.2f} s: {counts.orders} orders, "
              f"{counts.messages} messages, {counts.invalid} invalid, {counts.with_findings} with findings "
              f"{counts.finding_codes}" + (f" (worker busy seconds {[round(b, 2) for b in busy]})" if busy else ""),
              flush=True)
        for problem in counts.problems:
            print(f"  {problem}")

        messages = sample_messages(context, orders, args.sign_sample)
        rates, seconds["sign"], signed_invalid, problems = run_signing(messages, key_dir)
        for problem in problems:
            print(f"  {problem}")

        receipt_messages = receipt_batches(context, orders, args.receipts)
        built = sum(count for _type, _xml, count in receipt_messages)
        parsed, seconds["receipts"] = run_receipts(receipt_messages)
        assert parsed == built, f"{parsed} receipts parsed of {built}"
        print(f"receipts {seconds['receipts']:.2f} s: {parsed} receipts in {len(receipt_messages)} messages",
              flush=True)
        seconds["total"] = sum(seconds.values())
        print(json.dumps({
            "workload": "W5", "db": database.vendor, "orders": args.orders, "lines": lines,
            "workers": args.workers, "mode": "fork" if args.workers > 1 else "serial",
            "lookups": args.lookups,
            "orders_per_s": round(args.orders / seconds["precheck_build_validate"], 1),
            "messages_validated": counts.messages + len(messages) * len(ALGORITHMS),
            "invalid_messages": counts.invalid + signed_invalid,
            "orders_with_findings": counts.with_findings,
            "sign_algorithm": default_algorithm, "sign_per_s": rates[default_algorithm]["sign_per_s"],
            "sign": rates,
            "receipts": parsed, "receipt_messages": len(receipt_messages),
            "receipts_per_s": round(parsed / seconds["receipts"], 1),
            "seconds": {key: round(value, 2) for key, value in seconds.items()},
            "peak_rss_mb": peak_rss_mb(),
        }))
    finally:
        drop_database(database)


if __name__ == "__main__":
    main()
