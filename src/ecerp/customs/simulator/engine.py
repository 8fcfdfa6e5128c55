"""The simulated customs single window: what it does with each message and when it answers.

`Simulator.handle(payload)` takes one DxpMsg envelope as it arrives on the transport:

1. an envelope seen before (same SHA-256) is ignored (a redelivery after a crash);
2. an unreadable envelope or a message failing the import XSD is answered with CEB900 (the
   original message in oriBizMessage, the envelope's CopMsgId in oriCopMsgId);
3. a bad or missing signature is answered with the message's receipt carrying the signature
   error (-621029 for a list; see rules.SIGNATURE_CODES);
4. every business document is stored and answered:
   - order/payment/waybill (311/411/511): 2, 3, 120, or 2, 3, 100 with the reasons when it is bad;
   - waybill sign-off (513): 2, 3, 399; a released list of that waybill then gets 899 (结关);
   - goods list (621): 2, 3 at once (with the pre-entry number preNo), then it waits for its order,
     payment and waybill (matched on every tick, up to rules.wait_seconds), then either a negative
     code (amount/consignee/lines/buyer mismatch, -621005 single limit, -621018 annual quota) or
     120 (with the list number invtNo, the buyer's quota counted) and one of the sequences
     399, 800 | 300, 800 | 500, 800 | 500, 700 (risk rules: review for goods without a reference
     price or outside the positive list, a seeded inspection rate), with the tax bill CEB816 just
     before the 800;
   - cancellation (623): 624 2, 3, 120, 399, the list's unsent receipts dropped, quota restored;
   - return (625): 626 2, 3, 120, 399 for a released list, quota restored by the returned value;
   - warehouse-entry detail (711): 712 2, 3, 120 with a warehouse-entry number.

Receipts are queued in the store with the time they become due (rules.step_seconds apart) and go
out from `tick()`; `handle()` ends with a tick. Receipt guids derive from the seed and the
original guid, and returnTime is the due time, so the same seed, the same documents and the same
clock give byte-identical receipts.
"""

from __future__ import annotations

import datetime
import hashlib
import logging
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation

from lxml import etree

from ecerp.core.errors import DomainError
from ecerp.customs import calculations, dxp, schema
from ecerp.customs.receipts.build import build_receipt_message
from ecerp.customs.signing import verify
from ecerp.customs.simulator.reading import BusinessDocument, ReadDeclaration, read_declaration
from ecerp.customs.simulator.rules import (
    CANCEL_ERRORS,
    FORMAT_ERROR,
    LIST_ERRORS,
    RECEIPT_TYPES,
    REFUND_ERRORS,
    REJECTED,
    SIGNATURE_CODES,
    UNREADABLE_ERROR,
    Knowledge,
    Rates,
    SimulatorRules,
    StaticKnowledge,
)
from ecerp.customs.simulator.store import SimulatorStore

logger = logging.getLogger(__name__)
GUID_NAMESPACE = uuid.UUID("6f1c2a4e-8d0b-4c61-9a52-3e7f0c9b1d24")
ZERO = Decimal("0")
# Sim-internal states of a goods list.
DECLARED, ACCEPTED, RELEASED, CLOSED = "declared", "accepted", "released", "closed"
REJECTED_LIST, RETURNED_ABROAD, CANCELLED, REFUNDED = "rejected", "returned_abroad", "cancelled", "refunded"
INACTIVE = {REJECTED_LIST, CANCELLED}


@dataclass(frozen=True)
class Outgoing:
    """One receipt message leaving the simulator, wrapped in its DxpMsg envelope."""

    name: str
    payload: bytes
    message_type: str
    guid: str
    return_status: str


def _decimal(value, default: Decimal = ZERO) -> Decimal:
    try:
        return Decimal(str(value).strip()) if str(value).strip() else default
    except InvalidOperation:
        return default


def _utc_now() -> datetime.datetime:
    return datetime.datetime.now(datetime.UTC)


def _parse_stamp(text: str) -> datetime.datetime:
    moment = datetime.datetime.fromisoformat(text)
    return moment if moment.tzinfo else moment.replace(tzinfo=datetime.UTC)


def _aware(moment: datetime.datetime) -> datetime.datetime:
    return moment if moment.tzinfo else moment.replace(tzinfo=datetime.UTC)


class Simulator:
    """The customs single window, played against one store with one rule book.

    knowledge answers rates, positive list and reference prices (StaticKnowledge by default); clock
    gives "now" when handle/tick are not told; trusted_keys are the enterprises' registered public
    keys ({key name: key}, or a callable returning them, asked at each check); None verifies against
    the certificate a message carries.
    """

    def __init__(self, *, store: SimulatorStore | None = None, rules: SimulatorRules | None = None,
                 knowledge: Knowledge | None = None, clock: Callable[[], datetime.datetime] | None = None,
                 trusted_keys=None):
        self.store = store or SimulatorStore()
        self.rules = rules or SimulatorRules()
        self.knowledge = knowledge or StaticKnowledge()
        self.clock = clock or _utc_now
        self.trusted_keys = trusted_keys

    # -- entry points -------------------------------------------------------------------------------
    def handle(self, payload: bytes, *, now: datetime.datetime | None = None,
               send: Callable[[str, bytes], None] | None = None) -> list[Outgoing]:
        """Take one envelope from the enterprise, answer it, and return the receipts now due."""
        now = _aware(now or self.clock())
        digest = hashlib.sha256(payload).hexdigest()
        if not self.store.seen(digest):
            self._take(payload, now)
            self.store.remember(digest, now)
        return self.tick(now=now, send=send)

    def tick(self, *, now: datetime.datetime | None = None,
             send: Callable[[str, bytes], None] | None = None) -> list[Outgoing]:
        """Match waiting lists, then send (or return) every receipt that is due."""
        now = _aware(now or self.clock())
        for document in self.store.find("list", status=DECLARED):
            if _parse_stamp(document["meta"]["match_after"]) <= now:
                self._match(document, now)
        outgoing = []
        # Sending a receipt may make another one due at once (800 then 899 when the parcel is signed).
        while rows := self.store.due(now):
            for row in rows:
                try:
                    message = self._emit(row)
                except DomainError as error:  # a receipt that cannot be built must not block the others
                    logger.error("simulator receipt %s dropped: %s", row["id"], error)
                    self.store.mark_sent(row["id"], error=str(error))
                    continue
                if send is not None:
                    send(message.name, message.payload)
                self.store.mark_sent(row["id"])
                if row["effect"]:
                    self._apply(row["list_key"], row["effect"], _parse_stamp(row["receipt"]["return_time"]))
                outgoing.append(message)
        return outgoing

    # -- reading what arrives -----------------------------------------------------------------------
    def _take(self, payload: bytes, now: datetime.datetime) -> None:
        try:
            envelope = dxp.unwrap(payload)
        except Exception as error:  # anything unreadable gets a format-error receipt, never a crash
            self._format_error(now, receiver="", cop_msg_id="", message_type="Unknown", original=payload,
                               status=UNREADABLE_ERROR, info=f"报文无法解析为DxpMsg：{error}")
            return
        sender, message = envelope.sender_id, envelope.message
        problems = schema.validate_message(message)
        if problems:
            self._format_error(now, receiver=sender, cop_msg_id=envelope.cop_msg_id or "",
                               message_type=self._root_name(message) or envelope.message_type or "Unknown",
                               original=message, status=FORMAT_ERROR, info="；".join(problems))
            return
        declaration = read_declaration(message)
        if declaration.message_type not in RECEIPT_TYPES:
            self._format_error(now, receiver=sender, cop_msg_id=envelope.cop_msg_id or "",
                               message_type=f"{declaration.message_type}Message", original=message,
                               status=FORMAT_ERROR, info="不受理的报文类型")
            return
        signature_problem = self._signature_problem(message, declaration)
        for document in declaration.documents:
            if signature_problem:
                self._answer_signature(declaration, document, sender, now, signature_problem)
                continue
            handler = getattr(self, f"_on_{declaration.message_type.lower()}")
            handler(declaration, document, sender, now)

    @staticmethod
    def _root_name(message: bytes) -> str:
        try:
            return etree.QName(etree.fromstring(message)).localname
        except Exception:
            return ""

    def _signature_problem(self, message: bytes, declaration: ReadDeclaration) -> str:
        if not declaration.signed:
            return "报文未签名" if self.rules.require_signatures else ""
        # A callable is asked each time, so keys registered after the simulator started count too.
        trusted = self.trusted_keys() if callable(self.trusted_keys) else self.trusted_keys
        result = verify(message, trusted=trusted or None)
        return "" if result.valid else f"验签失败：{result.reason}"

    # -- answers ------------------------------------------------------------------------------------
    def _guid(self, *parts: str) -> str:
        return str(uuid.uuid5(GUID_NAMESPACE, "|".join((str(self.rules.seed), *parts)))).upper()

    def _at(self, now: datetime.datetime, steps: float) -> datetime.datetime:
        return now + datetime.timedelta(seconds=self.rules.step_seconds * steps)

    def _queue(self, receipt_type: str, keys: dict, original_guid: str, sequence, *, receiver: str,
               now: datetime.datetime, list_key: str = "", first_step: float = 0) -> None:
        """Queue receipts of one document: sequence is [(status, info, effect)] one step apart."""
        if receipt_type in ("CEB622", "CEB624", "CEB626") and not keys.get("pre_no"):
            keys = {**keys, "pre_no": self._new_pre_no(now)}  # required in these receipts
        for index, (status, info, effect) in enumerate(sequence):
            due = self._at(now, first_step + index)
            receipt = {"guid": self._guid(original_guid, receipt_type, status, str(index)), **keys,
                       "return_status": status, "return_time": due.isoformat(), "return_info": info}
            self.store.schedule(due_at=due, message_type=receipt_type, receipt=receipt, receiver=receiver,
                                list_key=list_key, effect=effect)

    def _new_pre_no(self, now: datetime.datetime) -> str:
        """Return the next pre-entry number (18 characters: B, the date, a 9-digit serial)."""
        return f"B{now.strftime('%Y%m%d')}{self.store.next_number('pre_no'):09d}"

    def _format_error(self, now, *, receiver, cop_msg_id, message_type, original: bytes, status, info) -> None:
        receipt = {"guid": self._guid(hashlib.sha256(original).hexdigest(), "CEB900"), "return_status": status,
                   "return_info": info[:5000], "return_time": now.isoformat(), "ori_cop_msg_id": cop_msg_id[:255],
                   "ori_message_type": message_type[:15], "ori_biz_message": original.decode("utf-8", "replace")}
        self.store.schedule(due_at=now, message_type="CEB900", receipt=receipt, receiver=receiver)

    def _answer_signature(self, declaration, document, sender, now, problem) -> None:
        receipt_type = RECEIPT_TYPES[declaration.message_type]
        keys = self._keys(receipt_type, document.head, {})
        code = SIGNATURE_CODES[declaration.message_type]
        self._queue(receipt_type, keys, document.head.get("guid", declaration.guid), [(code, problem, "")],
                    receiver=sender, now=now)

    @staticmethod
    def _keys(receipt_type: str, head: dict, extra: dict) -> dict:
        value = {**head, **extra}.get
        if receipt_type == "CEB312":
            return {"ebp_code": value("ebp_code", ""), "ebc_code": value("ebc_code", ""),
                    "order_no": value("order_no", "")}
        if receipt_type == "CEB412":
            return {"pay_code": value("pay_code", ""), "pay_transaction_id": value("pay_transaction_id", "")}
        if receipt_type == "CEB512":
            return {"logistics_code": value("logistics_code", ""), "logistics_no": value("logistics_no", "")}
        if receipt_type == "CEB514":
            return {"logistics_code": value("logistics_code", ""), "logistics_no": value("logistics_no", ""),
                    "logistics_status": value("logistics_status", "S")}
        if receipt_type == "CEB712":
            return {"customs_code": value("customs_code", ""), "operator_code": value("operator_code", ""),
                    "cop_no": value("cop_no", ""), "pre_no": value("pre_no", ""), "rkd_no": value("rkd_no", "")}
        # CEB622/624/626: the list's identifiers; copNo and preNo are required in receipts.
        return {"customs_code": value("customs_code", ""), "ebp_code": value("ebp_code", ""),
                "ebc_code": value("ebc_code", ""), "agent_code": value("agent_code", ""),
                "cop_no": value("cop_no", "") or value("order_no", "")[:20], "pre_no": value("pre_no", ""),
                "invt_no": value("invt_no", "")}

    # -- order, payment, waybill, sign-off ------------------------------------------------------------
    def _simple(self, declaration, document, sender, now, *, kind: str, key: str, problems: list[str],
                meta: dict | None = None) -> None:
        receipt_type = RECEIPT_TYPES[declaration.message_type]
        head = document.head
        status = REJECTED if problems else "120"
        self.store.put(kind, key, guid=head.get("guid", ""), status=status,
                       data={"head": head, "lines": list(document.lines)}, meta=meta or {}, sender=sender, at=now)
        final = (REJECTED, "；".join(problems), "") if problems else ("120", "海关入库", "")
        self._queue(receipt_type, self._keys(receipt_type, head, {}), head.get("guid", ""),
                    [("2", "电子口岸申报中", ""), ("3", "发送海关成功", ""), final], receiver=sender, now=now)

    def _common_problems(self, head: dict) -> list[str]:
        problems = []
        if head.get("currency", "142") != "142":
            problems.append(f"币制应为142（人民币），实为{head.get('currency')}")
        return problems

    def _on_ceb311(self, declaration, document: BusinessDocument, sender, now) -> None:
        head = document.head
        key = f"{head.get('ebp_code')}:{head.get('order_no')}"
        problems = self._common_problems(head)
        if head.get("buyer_id_type", "1") != "1":
            problems.append("订购人证件类型应为1（身份证）")
        goods, freight = _decimal(head.get("goods_value")), _decimal(head.get("freight"))
        tax, discount, paid = _decimal(head.get("tax_total")), _decimal(head.get("discount")), \
            _decimal(head.get("actural_paid"))
        if abs(goods + freight + tax - discount - paid) > self.rules.amount_tolerance:
            problems.append(f"实际支付金额{paid}不等于商品价格{goods}+运杂费{freight}+代扣税款{tax}-非现金抵扣金额{discount}")
        lines_total = sum((_decimal(line.get("total_price")) for line in document.lines), ZERO)
        if abs(lines_total - goods) > self.rules.amount_tolerance:
            problems.append(f"商品价格{goods}不等于表体总价合计{lines_total}")
        earlier = self.store.get("order", key)
        if earlier and earlier["status"] == "120" and earlier["guid"] != head.get("guid") \
                and head.get("app_type", "1") == "1":
            problems = [f"-301010 订单编号重复：{head.get('order_no')}"]
            receipt_type = RECEIPT_TYPES["CEB311"]
            self._queue(receipt_type, self._keys(receipt_type, head, {}), head.get("guid", ""),
                        [("2", "电子口岸申报中", ""), ("-301010", problems[0], "")], receiver=sender, now=now)
            return
        self._simple(declaration, document, sender, now, kind="order", key=key, problems=problems)

    def _on_ceb411(self, declaration, document, sender, now) -> None:
        head = document.head
        problems = self._common_problems(head)
        if head.get("payer_id_type", "1") != "1":
            problems.append("支付人证件类型应为1（身份证）")
        self._simple(declaration, document, sender, now, kind="payment",
                     key=f"{head.get('pay_code')}:{head.get('pay_transaction_id')}", problems=problems,
                     meta={"order": f"{head.get('ebp_code')}:{head.get('order_no')}"})

    def _on_ceb511(self, declaration, document, sender, now) -> None:
        head = document.head
        problems = self._common_problems(head)
        if head.get("pack_no", "1") != "1":
            problems.append(f"件数应为1，实为{head.get('pack_no')}")
        key = f"{head.get('logistics_code')}:{head.get('logistics_no')}"
        earlier = self.store.get("waybill", key)
        if earlier and earlier["status"] == "120" and earlier["data"]["head"].get("order_no") != head.get("order_no"):
            problems.append(f"运单编号{head.get('logistics_no')}已被订单{earlier['data']['head'].get('order_no')}使用")
        self._simple(declaration, document, sender, now, kind="waybill", key=key, problems=problems,
                     meta={"signed": bool(earlier and earlier["meta"].get("signed"))})

    def _on_ceb513(self, declaration, document, sender, now) -> None:
        head = document.head
        key = f"{head.get('logistics_code')}:{head.get('logistics_no')}"
        receipt_type = "CEB514"
        keys = self._keys(receipt_type, head, {})
        waybill = self.store.get("waybill", key)
        if waybill is None or waybill["status"] != "120":
            self._queue(receipt_type, keys, head.get("guid", ""),
                        [("2", "电子口岸申报中", ""), ("-505001", "运单不存在或未入库", "")], receiver=sender, now=now)
            return
        self.store.update("waybill", key, signed=True, signed_at=now.isoformat())
        self._queue(receipt_type, keys, head.get("guid", ""),
                    [("2", "电子口岸申报中", ""), ("3", "发送海关成功", ""), ("399", "签收已登记", "")],
                    receiver=sender, now=now)
        for document_ in self.store.find("list", waybill=key):
            if document_["status"] == RELEASED:
                self._close(document_, self._at(now, 3))

    def _close(self, document: dict, due: datetime.datetime) -> None:
        if document["meta"].get("closing"):
            return
        self.store.update("list", document["key"], closing=True)
        self._queue("CEB622", self._list_keys(document), document["guid"], [("899", "结关", "closed")],
                    receiver=document["sender"], now=due, list_key=document["key"])

    # -- the goods list -----------------------------------------------------------------------------
    def _list_keys(self, document: dict) -> dict:
        meta = document["meta"]
        return self._keys("CEB622", document["data"]["head"],
                          {"pre_no": meta.get("pre_no", ""), "invt_no": meta.get("invt_no", "")})

    def _on_ceb621(self, declaration, document, sender, now) -> None:
        head = document.head
        key = f"{head.get('ebp_code')}:{head.get('order_no')}"
        earlier = self.store.get("list", key)
        if earlier and earlier["status"] not in INACTIVE and earlier["guid"] != head.get("guid"):
            keys = self._keys("CEB622", head, {"pre_no": earlier["meta"].get("pre_no", "")})
            self._queue("CEB622", keys, head.get("guid", ""),
                        [(LIST_ERRORS["duplicate_list"], f"该订单已有申报清单（{earlier['meta'].get('pre_no')}）", "")],
                        receiver=sender, now=now)
            return
        if earlier and earlier["guid"] == head.get("guid"):
            return  # the same list sent again in a new envelope: already being handled
        pre_no = self._new_pre_no(now)
        self.store.put("list", key, guid=head.get("guid", ""), status=DECLARED,
                       data={"head": head, "lines": list(document.lines)}, sender=sender, at=now,
                       meta={"pre_no": pre_no, "waybill": f"{head.get('logistics_code')}:{head.get('logistics_no')}",
                             "match_after": self._at(now, 2).isoformat(),
                             "wait_until": (now + datetime.timedelta(seconds=self.rules.wait_seconds)).isoformat()})
        self._queue("CEB622", self._keys("CEB622", head, {"pre_no": pre_no}), head.get("guid", ""),
                    [("2", "电子口岸申报中", ""), ("3", "发送海关成功", "")], receiver=sender, now=now, list_key=key)

    def _reject_list(self, document: dict, now, code: str, info: str) -> None:
        self.store.update("list", document["key"], status=REJECTED_LIST, rejection=code)
        self._queue("CEB622", self._list_keys(document), document["guid"], [(code, info, "")],
                    receiver=document["sender"], now=now, list_key=document["key"])

    def _match(self, document: dict, now: datetime.datetime) -> None:
        head, lines = document["data"]["head"], document["data"]["lines"]
        order_key = f"{head.get('ebp_code')}:{head.get('order_no')}"
        order = self.store.get("order", order_key)
        waybill = self.store.get("waybill", document["meta"]["waybill"])
        payments = [item for item in self.store.find("payment", order=order_key) if item["status"] == "120"]
        missing = [name for name, found in (("order", order and order["status"] == "120"), ("payment", payments),
                                             ("waybill", waybill and waybill["status"] == "120")) if not found]
        if missing:
            if now >= _parse_stamp(document["meta"]["wait_until"]):
                names = {"order": "电子订单", "payment": "支付凭证", "waybill": "电子运单"}
                self._reject_list(document, now, LIST_ERRORS[f"{missing[0]}_missing"],
                                  f"未收到{'、'.join(names[item] for item in missing)}，三单对碰失败")
            return
        problem = self._mismatch(head, lines, order["data"], payments[0]["data"]["head"], waybill["data"]["head"])
        if problem:
            self._reject_list(document, now, *problem)
            return
        self._accept(document, now, order["data"])

    def _mismatch(self, head, lines, order, payment, waybill) -> tuple[str, str] | None:
        tolerance = self.rules.amount_tolerance
        order_head, order_lines = order["head"], order["lines"]
        if head.get("currency", "142") != "142" or head.get("pack_no", "1") != "1" or head.get("ie_flag", "I") != "I":
            return LIST_ERRORS["document_invalid"], "清单币制应为142、件数应为1、进出口标志应为I"
        by_gnum = {line.get("gnum"): line for line in order_lines}
        if sorted(line.get("gnum") for line in lines) != sorted(by_gnum):
            return LIST_ERRORS["lines_mismatch"], "清单表体与订单表体商品项不一一对应"
        for line in lines:
            ordered = by_gnum[line.get("gnum")]
            if _decimal(line.get("qty")) != _decimal(ordered.get("qty")):
                return LIST_ERRORS["lines_mismatch"], f"第{line.get('gnum')}项数量与订单不一致"
            if abs(_decimal(line.get("total_price")) - _decimal(ordered.get("total_price"))) > tolerance:
                return LIST_ERRORS["amount_mismatch"], f"第{line.get('gnum')}项总价与订单不一致"
        if abs(_decimal(order_head.get("actural_paid")) - _decimal(payment.get("amount_paid"))) > tolerance:
            return LIST_ERRORS["amount_mismatch"], "订单实际支付金额与支付凭证支付金额不一致"
        for field_ in ("consignee", "consignee_telephone", "consignee_address"):
            if (order_head.get(field_) or "").strip() != (waybill.get(field_) or "").strip():
                return LIST_ERRORS["consignee_mismatch"], "订单收货人信息与运单不一致"
        if (head.get("consignee_address") or "").strip() != (order_head.get("consignee_address") or "").strip():
            return LIST_ERRORS["consignee_mismatch"], "清单收货地址与订单不一致"
        if (head.get("buyer_id_number"), head.get("buyer_name")) != (order_head.get("buyer_id_number"),
                                                                      order_head.get("buyer_name")):
            return LIST_ERRORS["buyer_mismatch"], "清单订购人与订单订购人不一致"
        if (payment.get("payer_id_number"), payment.get("payer_name")) != (order_head.get("buyer_id_number"),
                                                                            order_head.get("buyer_name")):
            return LIST_ERRORS["buyer_mismatch"], "支付人与订购人不一致"
        return None

    def _declared_on(self, head: dict, now: datetime.datetime) -> datetime.date:
        try:
            return datetime.datetime.strptime(head.get("decl_time", ""), "%Y%m%d").date()
        except ValueError:
            return now.date()

    def _limits(self, on: datetime.date) -> tuple[Decimal, Decimal]:
        if self.rules.single_limit is not None and self.rules.annual_limit is not None:
            return self.rules.single_limit, self.rules.annual_limit
        return calculations.comprehensive_limits_for(on)

    def _accept(self, document: dict, now: datetime.datetime, order: dict) -> None:
        head, lines = document["data"]["head"], document["data"]["lines"]
        on = self._declared_on(head, now)
        review_reasons, taxable = [], []
        for line in lines:
            gcode = line.get("gcode", "")
            price = _decimal(line.get("price"))
            rates = self.knowledge.rates(gcode, on, item_no=line.get("item_no", ""), unit_price=price)
            if rates is None:
                review_reasons.append(f"{gcode}无适用税率")
                rates = Rates(vat_rate=Decimal("0.13"))
            positive = self.knowledge.on_positive_list(gcode, on)
            if positive is False and self.rules.review_outside_positive_list:
                review_reasons.append(f"{gcode}不在正面清单")
            reference = self.knowledge.reference_price(gcode, line.get("item_no", ""), line.get("gname", ""))
            if reference is None and self.rules.review_without_reference_price:
                review_reasons.append(f"{line.get('gname') or gcode}无参考价格")
            elif reference is not None and price < reference * self.rules.review_below_reference_ratio:
                review_reasons.append(f"{line.get('gname') or gcode}申报价格明显低于参考价格")
            taxable.append(calculations.TaxableLine(
                sku=str(line.get("gnum")), value=_decimal(line.get("total_price")),
                quantity=int(_decimal(line.get("qty"), Decimal("1"))), tariff_rate=rates.tariff_rate,
                vat_rate=rates.vat_rate, consumption_tax_rate=rates.consumption_tax_rate))
        freight, insured = _decimal(head.get("freight")), _decimal(head.get("insured_fee"))
        dutiable = sum((line.value for line in taxable), ZERO) + freight + insured
        buyer, year = head.get("buyer_id_number", ""), on.year
        single_limit, annual_limit = self._limits(on)
        placement = calculations.classify_comprehensive(
            dutiable_value=dutiable, single_item=calculations.is_single_item(taxable),
            annual_used=self.store.quota_used(buyer, year), single_limit=single_limit, annual_limit=annual_limit)
        if placement == calculations.SINGLE_LIMIT_EXCEEDED:
            self._reject_list(document, now, LIST_ERRORS["single_limit"],
                              f"完税价格{dutiable}超过单次交易限值{single_limit}")
            return
        if placement == calculations.ANNUAL_QUOTA_EXCEEDED:
            used = self.store.quota_used(buyer, year)
            self._reject_list(document, now, LIST_ERRORS["annual_quota"],
                              f"个人年度已用额度{used}加本次{dutiable}超过年度交易限值{annual_limit}")
            return
        tax = calculations.comprehensive_tax(taxable, freight=freight, insured_fee=insured,
                                             full_rate=placement == calculations.FULL_RATE)
        self.store.add_quota(buyer, year, dutiable)
        customs_code = head.get("customs_code", "") or "0000"
        invt_no = f"{customs_code[:4]}{year}I{self.store.next_number(f'invt_no:{customs_code}:{year}'):09d}"
        tax_no = f"{customs_code[:4]}{year}{self.store.next_number(f'tax_no:{customs_code}:{year}'):010d}"
        generator = self.rules.generator(head.get("ebp_code", ""), head.get("order_no", ""))
        inspected = generator.random() < self.rules.inspection_rate
        returned = generator.random() < self.rules.inspection_return_rate
        self.store.update("list", document["key"], status=ACCEPTED, invt_no=invt_no, tax_no=tax_no,
                          quota={"buyer": buyer, "year": year, "amount": str(dutiable)},
                          path="inspection" if inspected else ("review" if review_reasons else "release"))
        document = self.store.get("list", document["key"])
        keys = self._list_keys(document)
        bill = self._tax_bill(document, tax, lines)
        if inspected:
            ending = [("700", "查验后退运", "returned_abroad")] if returned else [("800", "查验正常，放行", "released")]
            middle = [("500", "布控查验", "")]
        elif review_reasons:
            ending, middle = [("800", "审核通过，放行", "released")], [("300", "；".join(review_reasons)[:1000], "")]
        else:
            ending, middle = [("800", "放行", "released")], [("399", "海关审结", "")]
        self._queue("CEB622", keys, document["guid"], [("120", "海关入库", ""), *middle], receiver=document["sender"],
                    now=now, list_key=document["key"])
        last = len(middle) + 1 + (1 if inspected else 0)
        if ending[0][0] == "800":
            self.store.schedule(due_at=self._at(now, last), message_type="CEB816",
                                receipt={**bill, "return_time": self._at(now, last).isoformat()},
                                receiver=document["sender"], list_key=document["key"])
        self._queue("CEB622", keys, document["guid"], ending, receiver=document["sender"], now=now,
                    list_key=document["key"], first_step=last)

    def _tax_bill(self, document: dict, tax, lines) -> dict:
        head, meta = document["data"]["head"], document["meta"]
        return {
            "guid": self._guid(document["guid"], "CEB816"), "invt_no": meta["invt_no"], "tax_no": meta["tax_no"],
            "customs_tax": str(tax.customs_duty), "value_added_tax": str(tax.vat),
            "consumption_tax": str(tax.consumption_tax), "status": "1", "ent_duty_no": "", "note": "",
            "assure_code": head.get("assure_code", ""), "ebc_code": head.get("ebc_code", ""),
            "logistics_code": head.get("logistics_code", ""), "agent_code": head.get("agent_code", ""),
            "customs_code": head.get("customs_code", ""),
            "lines": [{"gnum": int(_decimal(line.get("gnum"), Decimal("0"))), "gcode": line.get("gcode", ""),
                       "tax_price": str(line_tax.dutiable_value), "customs_tax": str(line_tax.customs_duty),
                       "value_added_tax": str(line_tax.vat), "consumption_tax": str(line_tax.consumption_tax)}
                      for line, line_tax in zip(lines, tax.lines, strict=True)],
        }

    def _apply(self, list_key: str, effect: str, at: datetime.datetime) -> None:
        """Apply what a list receipt means once it has gone out (released, returned abroad, closed)."""
        document = self.store.get("list", list_key)
        if document is None:
            return
        if effect == "released":
            self.store.update("list", list_key, status=RELEASED, released_at=at.isoformat())
            waybill = self.store.get("waybill", document["meta"]["waybill"])
            if waybill and waybill["meta"].get("signed"):
                self._close(self.store.get("list", list_key), self._at(at, 1))
        elif effect == "returned_abroad":
            self._restore_quota(document)
            self.store.update("list", list_key, status=RETURNED_ABROAD)
        elif effect == "closed":
            self.store.update("list", list_key, status=CLOSED)

    def _restore_quota(self, document: dict, amount: Decimal | None = None) -> None:
        quota = document["meta"].get("quota")
        if not quota:
            return
        restored = _decimal(quota["amount"]) if amount is None else amount
        self.store.add_quota(quota["buyer"], quota["year"], -restored)
        left = _decimal(quota["amount"]) - restored
        self.store.update("list", document["key"], quota={**quota, "amount": str(left)} if left > 0 else None)

    # -- cancellation, return, warehouse entry --------------------------------------------------------
    def _find_list(self, head: dict) -> dict | None:
        if head.get("invt_no"):
            found = self.store.find("list", invt_no=head["invt_no"])
            if found:
                return found[0]
        return self.store.get("list", f"{head.get('ebp_code')}:{head.get('order_no')}")

    def _on_ceb623(self, declaration, document, sender, now) -> None:
        head = document.head
        found = self._find_list(head)
        keys = self._keys("CEB624", head, {"pre_no": (found or {}).get("meta", {}).get("pre_no", "")})
        steps = [("2", "电子口岸申报中", ""), ("3", "发送海关成功", "")]
        if found is None:
            steps.append((CANCEL_ERRORS["list_missing"], "原清单不存在", ""))
        elif found["status"] in (CLOSED, CANCELLED, REFUNDED, REJECTED_LIST, RETURNED_ABROAD):
            steps.append((CANCEL_ERRORS["not_cancellable"], f"清单状态为{found['status']}，不能撤销", ""))
        else:
            self.store.drop_scheduled(found["key"])
            self._restore_quota(found)
            self.store.update("list", found["key"], status=CANCELLED, cancelled_at=now.isoformat())
            steps += [("120", "海关入库", ""), ("399", "撤销审核通过", "")]
        self._queue("CEB624", keys, head.get("guid", ""), steps, receiver=sender, now=now)

    def _on_ceb625(self, declaration, document, sender, now) -> None:
        head = document.head
        found = self._find_list(head)
        keys = self._keys("CEB626", head, {"pre_no": (found or {}).get("meta", {}).get("pre_no", "")})
        steps = [("2", "电子口岸申报中", ""), ("3", "发送海关成功", "")]
        if found is None:
            steps.append((REFUND_ERRORS["list_missing"], "原清单不存在", ""))
        elif found["status"] not in (RELEASED, CLOSED):
            steps.append((REFUND_ERRORS["not_returnable"], "清单未放行，不能申请退货", ""))
        else:
            problem, value = self._refund_value(found, document.lines)
            if problem:
                steps.append((REFUND_ERRORS["quantity"], problem, ""))
            else:
                self._restore_quota(found, value)
                returned = dict(found["meta"].get("returned", {}))
                for line in document.lines:
                    gnum = line.get("gnum")
                    returned[gnum] = str(_decimal(returned.get(gnum)) + _decimal(line.get("qty")))
                all_back = all(_decimal(returned.get(line.get("gnum"))) >= _decimal(line.get("qty"))
                               for line in found["data"]["lines"])
                self.store.update("list", found["key"], returned=returned,
                                  status=REFUNDED if all_back else found["status"])
                steps += [("120", "海关入库", ""), ("399", "退货审核通过", "")]
        self._queue("CEB626", keys, head.get("guid", ""), steps, receiver=sender, now=now)

    @staticmethod
    def _refund_value(found: dict, refund_lines) -> tuple[str, Decimal]:
        by_gnum = {line.get("gnum"): line for line in found["data"]["lines"]}
        returned = found["meta"].get("returned", {})
        value = ZERO
        for line in refund_lines:
            original = by_gnum.get(line.get("gnum"))
            if original is None:
                return f"原清单无第{line.get('gnum')}项", ZERO
            quantity, declared = _decimal(line.get("qty")), _decimal(original.get("qty"))
            if quantity <= 0 or quantity + _decimal(returned.get(line.get("gnum"))) > declared:
                return f"第{line.get('gnum')}项退货数量超过申报数量", ZERO
            value += (_decimal(original.get("total_price")) * quantity / declared).quantize(Decimal("0.01"))
        return "", value

    def _on_ceb711(self, declaration, document, sender, now) -> None:
        head = document.head
        rkd_no = f"{(head.get('customs_code') or '0000')[:4]}{now.year}R{self.store.next_number('rkd_no'):09d}"
        self.store.put("delivery", head.get("guid", ""), guid=head.get("guid", ""), status="120",
                       data={"head": head, "lines": list(document.lines)}, meta={"rkd_no": rkd_no}, sender=sender,
                       at=now)
        self._queue("CEB712", self._keys("CEB712", head, {"rkd_no": rkd_no}), head.get("guid", ""),
                    [("2", "电子口岸申报中", ""), ("3", "发送海关成功", ""), ("120", "海关入库", "")],
                    receiver=sender, now=now)

    # -- sending --------------------------------------------------------------------------------------
    def _emit(self, row: dict) -> Outgoing:
        receipt = dict(row["receipt"])
        receipt["return_time"] = datetime.datetime.fromisoformat(receipt["return_time"])
        message_type = row["message_type"]
        message = build_receipt_message(message_type, [receipt])
        envelope = dxp.wrap(message, message_type=f"{message_type}Message", sender_id=self.rules.customs_dxp_id,
                            receiver_ids=[row["receiver"] or "UNKNOWN"], cop_msg_id=receipt["guid"],
                            created=receipt["return_time"])
        return Outgoing(name=f"{message_type}_{receipt['guid']}.xml", payload=envelope, message_type=message_type,
                        guid=receipt["guid"], return_status=str(receipt.get("return_status") or receipt.get("status")))


__all__ = ["Outgoing", "Simulator"]
