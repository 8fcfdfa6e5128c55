"""Customs tables: declarations (申报单) with their lines and pre-check findings, and the message log.

A Declaration is the customs side of one cross-border sales order: a snapshot of the fields of the four
documents (order CEB311, payment CEB411, waybill CEB511, goods list CEB621) taken when it is created, so
what was declared never changes with the order. Personal data (names, ID numbers, phones, addresses) is
encrypted at rest; the buyer's ID number has a keyed hash beside it for the annual-quota sum (never
decrypted for a query). CustomsMessage keeps every message sent and every receipt received verbatim
(encrypted at rest: the messages carry the same personal data), deduplicated by the SHA-256 of the bytes.
"""

from __future__ import annotations

from cryptography.fernet import InvalidToken
from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext, pgettext_lazy
from django.utils.translation import gettext_lazy as _

from ecerp.core.crypto import EncryptedTextField, _fernet
from ecerp.customs.models.filings import CustomsRegime
from ecerp.customs.states import (
    DECLARATION_LABELS,
    DeclarationStatus,
    MessageDirection,
    MessageStatus,
)
from ecerp.masterdata.models import Product, Store
from ecerp.sales.models import SalesOrder

__all__ = ["Declaration", "DeclarationLine", "DeclarationFinding", "CustomsMessage", "EncryptedBinaryField"]

MONEY = {"max_digits": 16, "decimal_places": 2}
PRICE = {"max_digits": 19, "decimal_places": 5}
QUANTITY = {"max_digits": 19, "decimal_places": 5}
WEIGHT = {"max_digits": 14, "decimal_places": 5}
# Marks a stored message as a Fernet token under settings.ECERP_DATA_KEY (clear bytes never start with it:
# every message is XML).
SEALED = b"enc1:"


class EncryptedBinaryField(models.BinaryField):
    """Bytes encrypted at rest (Fernet under ECERP_DATA_KEY), plain bytes in Python."""

    def from_db_value(self, value, expression, connection):
        if value is None:
            return value
        value = bytes(value)
        if not value.startswith(SEALED):
            return value
        try:
            return _fernet(settings.ECERP_DATA_KEY).decrypt(value[len(SEALED):])
        except InvalidToken:
            return value

    def get_db_prep_value(self, value, connection, prepared=False):
        if value is not None and not bytes(value).startswith(SEALED):
            value = SEALED + _fernet(settings.ECERP_DATA_KEY).encrypt(bytes(value))
        return super().get_db_prep_value(value, connection, prepared)


class Declaration(models.Model):
    """The customs declaration of one cross-border order: the four documents' fields, state, receipts, tax."""

    order = models.OneToOneField(SalesOrder, verbose_name=pgettext_lazy("one order", "订单"), on_delete=models.PROTECT,
                                 related_name="customs_declaration")
    store = models.ForeignKey(Store, verbose_name=_("店铺"), on_delete=models.PROTECT, related_name="+")
    cop_no = models.CharField(_("企业内部编号"), max_length=20, unique=True)
    status = models.CharField(_("状态"), max_length=20, choices=DeclarationStatus.choices,
                              default=DeclarationStatus.DRAFT)
    # the state a cancellation or return request left (a refusal goes back to it)
    request_state = models.CharField(_("申请前状态"), max_length=20, blank=True, default="")
    regime = models.CharField(_("税制"), max_length=20, choices=CustomsRegime.choices,
                              default=CustomsRegime.COMPREHENSIVE)
    trade_mode = models.CharField(_("贸易方式"), max_length=4, default="9610")
    customs_code = models.CharField(_("申报海关"), max_length=4, blank=True, default="")
    port_code = models.CharField(_("口岸海关"), max_length=4, blank=True, default="")
    decl_date = models.DateField(_("申报日期"))
    # order (CEB311)
    order_no = models.CharField(_("订单编号"), max_length=60)
    ebp_code = models.CharField(_("电商平台代码"), max_length=18, blank=True, default="")
    ebp_name = models.CharField(_("电商平台名称"), max_length=100, blank=True, default="")
    ebc_code = models.CharField(_("电商企业代码"), max_length=18, blank=True, default="")
    ebc_name = models.CharField(_("电商企业名称"), max_length=100, blank=True, default="")
    goods_value = models.DecimalField(_("商品价格"), **MONEY, default=0)
    freight = models.DecimalField(_("运杂费"), **MONEY, default=0)
    insured_fee = models.DecimalField(_("保费"), **MONEY, default=0)
    discount = models.DecimalField(_("非现金抵扣金额"), **MONEY, default=0)
    tax_total = models.DecimalField(_("代扣税款"), **MONEY, default=0)
    actural_paid = models.DecimalField(_("实际支付金额"), **MONEY, default=0)
    currency = models.CharField(_("币制"), max_length=3, default="142")
    buyer_reg_no = models.CharField(_("订购人注册号"), max_length=60, blank=True, default="")
    buyer_name = EncryptedTextField(_("订购人姓名"))
    buyer_id_number = EncryptedTextField(_("订购人证件号码"), mask="id_number")
    buyer_id_hash = models.CharField(_("订购人证件指纹"), max_length=64, blank=True, default="", db_index=True)
    buyer_phone = EncryptedTextField(_("订购人电话"), mask="phone")
    consignee_name = EncryptedTextField(_("收货人"))
    consignee_phone = EncryptedTextField(_("收货人电话"), mask="phone")
    consignee_address = EncryptedTextField(_("收货地址"))
    consignee_district = models.CharField(_("收货地址行政区划代码"), max_length=6, blank=True, default="")
    # payment (CEB411)
    pay_code = models.CharField(_("支付企业代码"), max_length=18, blank=True, default="")
    pay_name = models.CharField(_("支付企业名称"), max_length=100, blank=True, default="")
    pay_transaction_id = models.CharField(_("支付交易编号"), max_length=60, blank=True, default="")
    pay_time = models.DateTimeField(_("支付时间"), null=True, blank=True)
    amount_paid = models.DecimalField(_("支付金额"), **MONEY, default=0)
    payer_name = EncryptedTextField(_("支付人姓名"))
    payer_id_number = EncryptedTextField(_("支付人证件号码"), mask="id_number")
    payer_phone = EncryptedTextField(_("支付人电话"), mask="phone")
    # waybill (CEB511)
    logistics_code = models.CharField(_("物流企业代码"), max_length=18, blank=True, default="")
    logistics_name = models.CharField(_("物流企业名称"), max_length=100, blank=True, default="")
    logistics_no = models.CharField(_("物流运单编号"), max_length=60, blank=True, default="")
    bill_no = models.CharField(_("提运单号"), max_length=37, blank=True, default="")
    weight = models.DecimalField(_("毛重(千克)"), **WEIGHT, default=0)
    net_weight = models.DecimalField(_("净重(千克)"), **WEIGHT, default=0)
    pack_no = models.IntegerField(_("件数"), default=1)
    waybill_consignee_name = EncryptedTextField(_("运单收货人"))
    waybill_consignee_phone = EncryptedTextField(_("运单收货人电话"), mask="phone")
    waybill_consignee_address = EncryptedTextField(_("运单收货地址"))
    # goods list (CEB621)
    agent_code = models.CharField(_("申报企业代码"), max_length=18, blank=True, default="")
    agent_name = models.CharField(_("申报企业名称"), max_length=100, blank=True, default="")
    assure_code = models.CharField(_("担保企业代码"), max_length=30, blank=True, default="")
    ems_no = models.CharField(_("账册编号"), max_length=30, blank=True, default="")
    area_code = models.CharField(_("区内企业代码"), max_length=18, blank=True, default="")
    area_name = models.CharField(_("区内企业名称"), max_length=100, blank=True, default="")
    country = models.CharField(_("起运国"), max_length=3, blank=True, default="")
    traf_mode = models.CharField(_("运输方式"), max_length=1, blank=True, default="")
    traf_no = models.CharField(_("运输工具编号"), max_length=100, blank=True, default="")
    voyage_no = models.CharField(_("航班航次号"), max_length=32, blank=True, default="")
    wrap_type = models.CharField(_("包装种类"), max_length=1, blank=True, default="")
    loct_no = models.CharField(_("监管场所代码"), max_length=10, blank=True, default="")
    pre_no = models.CharField(_("电子口岸预录入号"), max_length=18, blank=True, default="")
    invt_no = models.CharField(_("清单编号"), max_length=18, blank=True, default="", db_index=True)
    # last receipt per document: return status and its rank (receipts.codes.rank)
    order_status = models.CharField(_("订单回执"), max_length=10, blank=True, default="")
    order_rank = models.IntegerField(_("订单回执级别"), default=0)
    payment_status = models.CharField(_("支付单回执"), max_length=10, blank=True, default="")
    payment_rank = models.IntegerField(_("支付单回执级别"), default=0)
    waybill_status = models.CharField(_("运单回执"), max_length=10, blank=True, default="")
    waybill_rank = models.IntegerField(_("运单回执级别"), default=0)
    list_status = models.CharField(_("清单回执"), max_length=10, blank=True, default="")
    list_rank = models.IntegerField(_("清单回执级别"), default=0)
    return_info = models.CharField(_("回执信息"), max_length=1000, blank=True, default="")
    # tax computed by ECERP on the declaration date
    tax_basis = models.CharField(_("计税依据"), max_length=30, blank=True, default="")
    dutiable_value = models.DecimalField(_("完税价格"), **MONEY, default=0)
    computed_duty = models.DecimalField(_("关税"), **MONEY, default=0)
    computed_vat = models.DecimalField(_("增值税"), **MONEY, default=0)
    computed_consumption_tax = models.DecimalField(_("消费税"), **MONEY, default=0)
    computed_tax = models.DecimalField(_("应征税额"), **MONEY, default=0)
    returned_value = models.DecimalField(_("已退货完税价格"), **MONEY, default=0)
    # electronic tax bill (CEB816 / CEB818)
    tax_no = models.CharField(_("电子税单号"), max_length=50, blank=True, default="")
    tax_bill_duty = models.DecimalField(_("税单关税"), **MONEY, null=True, blank=True)
    tax_bill_vat = models.DecimalField(_("税单增值税"), **MONEY, null=True, blank=True)
    tax_bill_consumption_tax = models.DecimalField(_("税单消费税"), **MONEY, null=True, blank=True)
    tax_bill_status = models.CharField(_("税单状态"), max_length=1, blank=True, default="")
    ent_duty_no = models.CharField(_("缴款书编号"), max_length=50, blank=True, default="")
    # override of failed pre-checks
    override_reason = models.CharField(_("放行预检理由"), max_length=500, blank=True, default="")
    overridden_by = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("放行预检人"), null=True,
                                      blank=True, on_delete=models.SET_NULL, related_name="+")
    overridden_at = models.DateTimeField(_("放行预检时间"), null=True, blank=True)
    cancel_reason = models.CharField(_("撤销原因"), max_length=1000, blank=True, default="")
    return_reason = models.CharField(_("退货原因"), max_length=1000, blank=True, default="")
    checked_at = models.DateTimeField(_("预检时间"), null=True, blank=True)
    submitted_at = models.DateTimeField(_("申报时间"), null=True, blank=True)
    released_at = models.DateTimeField(_("放行时间"), null=True, blank=True)
    closed_at = models.DateTimeField(_("结关时间"), null=True, blank=True)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("创建人"), null=True, blank=True,
                                   on_delete=models.SET_NULL, related_name="+")
    created_at = models.DateTimeField(_("创建时间"), auto_now_add=True)
    updated_at = models.DateTimeField(_("更新时间"), auto_now=True)

    class Meta:
        verbose_name = _("申报单")
        verbose_name_plural = _("申报单")
        ordering = ["-id"]
        permissions = [("override_declaration", _("放行未通过的预检")), ("submit_declaration", _("申报海关"))]
        indexes = [
            models.Index(fields=["status"], name="customs_decl_status"),
            models.Index(fields=["logistics_code", "logistics_no"], name="customs_decl_waybill"),
            models.Index(fields=["ebp_code", "order_no"], name="customs_decl_order_no"),
            models.Index(fields=["pay_transaction_id"], name="customs_decl_pay_tx"),
        ]
        constraints = [
            models.CheckConstraint(condition=Q(goods_value__gte=0) & Q(freight__gte=0) & Q(insured_fee__gte=0)
                                   & Q(discount__gte=0) & Q(tax_total__gte=0),
                                   name="customs_decl_amounts_not_negative"),
        ]

    def __str__(self):
        return self.cop_no

    @property
    def status_label(self) -> str:
        return str(DECLARATION_LABELS.get(self.status, self.status))

    @property
    def quota_value(self):
        """What this declaration counts toward the buyer's annual quota (returns subtracted)."""
        return self.dutiable_value - self.returned_value


class DeclarationLine(models.Model):
    """One goods line: order line (OrderList) and list line (InventoryList) share gnum, one-to-one."""

    declaration = models.ForeignKey(Declaration, verbose_name=_("申报单"), on_delete=models.CASCADE,
                                    related_name="lines")
    gnum = models.PositiveIntegerField(_("序号"))
    product = models.ForeignKey(Product, verbose_name=_("商品"), null=True, blank=True, on_delete=models.PROTECT,
                                related_name="+")
    item_no = models.CharField(_("企业商品货号"), max_length=30, blank=True, default="")
    item_record_no = models.CharField(_("账册备案料号"), max_length=30, blank=True, default="")
    item_name = models.CharField(_("企业商品名称"), max_length=250, blank=True, default="")
    gcode = models.CharField(_("商品编码"), max_length=10, blank=True, default="")
    gname = models.CharField(_("商品名称"), max_length=250, blank=True, default="")
    gmodel = models.CharField(_("规格型号"), max_length=510, blank=True, default="")
    bar_code = models.CharField(_("条码"), max_length=50, blank=True, default="")
    unit = models.CharField(_("计量单位"), max_length=3, blank=True, default="")
    qty = models.PositiveIntegerField(_("数量"))
    unit1 = models.CharField(_("法定计量单位"), max_length=3, blank=True, default="")
    qty1 = models.DecimalField(_("法定数量"), **QUANTITY, default=0)
    unit2 = models.CharField(_("第二计量单位"), max_length=3, blank=True, default="")
    qty2 = models.DecimalField(_("第二数量"), **QUANTITY, null=True, blank=True)
    price = models.DecimalField(_("单价"), **PRICE)
    total_price = models.DecimalField(_("总价"), **MONEY)
    country = models.CharField(_("原产国"), max_length=3, blank=True, default="")
    dutiable_value = models.DecimalField(_("完税价格"), **MONEY, default=0)
    customs_duty = models.DecimalField(_("关税"), **MONEY, default=0)
    vat = models.DecimalField(_("增值税"), **MONEY, default=0)
    consumption_tax = models.DecimalField(_("消费税"), **MONEY, default=0)
    returned_qty = models.PositiveIntegerField(_("退货数量"), default=0)

    class Meta:
        verbose_name = _("申报单明细")
        verbose_name_plural = _("申报单明细")
        ordering = ["declaration_id", "gnum"]
        constraints = [
            models.UniqueConstraint(fields=["declaration", "gnum"], name="customs_decl_line_gnum_once"),
            models.CheckConstraint(condition=Q(qty__gt=0), name="customs_decl_line_qty_positive"),
        ]

    def __str__(self):
        return f"{self.declaration_id}/{self.gnum} {self.item_no}"


class DeclarationFinding(models.Model):
    """One failed pre-check: stable code, the field, and the message (Chinese msgid + parameters)."""

    declaration = models.ForeignKey(Declaration, verbose_name=_("申报单"), on_delete=models.CASCADE,
                                    related_name="findings")
    code = models.CharField(_("代码"), max_length=40)
    field = models.CharField(_("字段"), max_length=100, blank=True, default="")
    message_id = models.CharField(_("消息"), max_length=300)
    params = models.JSONField(_("参数"), default=dict)
    overridden = models.BooleanField(_("已人工放行"), default=False)
    created_at = models.DateTimeField(_("创建时间"), auto_now_add=True)

    class Meta:
        verbose_name = _("预检问题")
        verbose_name_plural = _("预检问题")
        ordering = ["declaration_id", "id"]

    def __str__(self):
        return f"{self.code} {self.field}"

    @property
    def message(self) -> str:
        """The message in the active language."""
        text = gettext(self.message_id)
        try:
            return text % self.params if self.params else text
        except (KeyError, TypeError, ValueError):
            return text


class CustomsMessage(models.Model):
    """A message sent to customs or a receipt received, verbatim (encrypted at rest), with its decoded form."""

    direction = models.CharField(_("方向"), max_length=3, choices=MessageDirection.choices)
    message_type = models.CharField(_("报文类型"), max_length=10)
    guid = models.CharField(_("报文编号"), max_length=36, blank=True, default="")
    status = models.CharField(_("状态"), max_length=10, choices=MessageStatus.choices)
    declaration = models.ForeignKey(Declaration, verbose_name=_("申报单"), null=True, blank=True,
                                    on_delete=models.SET_NULL, related_name="messages")
    raw = EncryptedBinaryField(_("原始报文"))
    sha256 = models.CharField(_("报文指纹"), max_length=64, unique=True)
    decoded = models.JSONField(_("解析内容"), default=dict, blank=True)
    source = models.CharField(_("来源"), max_length=200, blank=True, default="")
    attempts = models.PositiveIntegerField(_("发送次数"), default=0)
    last_error = models.CharField(_("最近错误"), max_length=2000, blank=True, default="")
    next_attempt_at = models.DateTimeField(_("下次发送时间"), null=True, blank=True)
    sent_at = models.DateTimeField(_("发送时间"), null=True, blank=True)
    created_at = models.DateTimeField(_("创建时间"), auto_now_add=True)

    class Meta:
        verbose_name = _("报文")
        verbose_name_plural = _("报文")
        ordering = ["-id"]
        constraints = [
            models.UniqueConstraint(fields=["direction", "guid"], condition=~Q(guid=""),
                                    name="customs_message_guid_once_per_direction"),
        ]
        indexes = [models.Index(fields=["direction", "status"], name="customs_msg_dir_status")]

    def __str__(self):
        return f"{self.message_type} {self.guid}"
