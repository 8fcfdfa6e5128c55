"""The returnStatus catalogue of the import receipts (CUSTOMS.md §1.7) and its order per document.

A receipt's returnStatus is a short string: "1".."899" for the steps of the single window,
a negative number for a processing error (e.g. "-621018"). The tax documents (CEB816/818)
carry instead a tax-bill status, "1" generated, "2" consolidated, "3" void.

`rank(document, code)` orders the codes of one document so that a declaration never moves
backwards: a receipt is applied only when its rank is higher than the rank of the code the
declaration already holds (no receipt yet counts as rank 0, and so does an unknown code, which
is therefore logged but never applied). Terminal outcomes share the top rank, so the first one
to arrive sticks. For the goods list (document "inventory"):

    1 < 2 < 4 < 3 < 120 < 300 < 500 < 501/502/503/599 < 399 < 800 < {899, 100, 700, errors}

"4" (sending to customs failed) ranks below "3" because E-port may resend; a later "3" wins.
"""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

# Documents whose status is the tax-bill status rather than a returnStatus.
TAX_DOCUMENTS = frozenset({"tax", "tax_status"})

STATUS_LABELS = {
    "1": pgettext_lazy("customs return status", "电子口岸已暂存"),
    "2": pgettext_lazy("customs return status", "电子口岸申报中"),
    "3": pgettext_lazy("customs return status", "发送海关成功"),
    "4": pgettext_lazy("customs return status", "发送海关失败"),
    "100": pgettext_lazy("customs return status", "海关退单"),
    "120": pgettext_lazy("customs return status", "海关入库"),
    "300": pgettext_lazy("customs return status", "人工审核"),
    "399": pgettext_lazy("customs return status", "海关审结"),
    "500": pgettext_lazy("customs return status", "查验"),
    "501": pgettext_lazy("customs return status", "扣留移送通关"),
    "502": pgettext_lazy("customs return status", "扣留移送缉私"),
    "503": pgettext_lazy("customs return status", "扣留移送法规"),
    "599": pgettext_lazy("customs return status", "其它扣留"),
    "700": pgettext_lazy("customs return status", "退运"),
    "800": pgettext_lazy("customs return status", "放行"),
    "899": pgettext_lazy("customs return status", "结关"),
}

TAX_STATUS_LABELS = {
    "1": _("税单已生成"),
    "2": _("税单已汇总"),
    "3": _("税单已作废"),
}

# Negative codes named in the message specification (PDF §7), with what they mean.
ERROR_CODES = {
    "-10101": _("企业信息校验异常"),
    "-10102": _("企业信息校验异常"),
    "-301010": _("订单编号重复"),
    "-621005": _("订购金额超过单次交易限值"),
    "-621013": _("个人额度查询失败"),
    "-621014": _("个人额度更新失败"),
    "-621018": _("个人年度已用额度加本次交易超过年度交易限值"),
    "-621029": _("验签失败"),
    "-625014": _("退货超过单次交易限值"),
    "-625015": _("退货超过个人年度交易限值"),
}

# Families of negative codes by their leading digits (without the minus sign), longest first.
ERROR_FAMILIES = (
    ("3010", _("电子订单处理异常")),
    ("4010", _("支付凭证处理异常")),
    ("504", _("电子运单处理异常")),
    ("505", _("运单状态处理异常")),
    ("621", _("申报清单处理异常")),
    ("623", _("撤销申请单处理异常")),
    ("625", _("退货申请单处理异常")),
    ("8000", _("入库明细单处理异常")),
    ("101", _("企业信息校验异常")),
)

_TERMINAL = 1000

_SUBMISSION_STEPS = {"1": 10, "2": 20, "4": 25, "3": 30, "120": 40}

# Rank of each non-negative code per document; codes missing here rank 0 (unknown).
RANKS: dict[str, dict[str, int]] = {
    "order": {**_SUBMISSION_STEPS, "399": _TERMINAL, "100": _TERMINAL},
    "payment": {**_SUBMISSION_STEPS, "399": _TERMINAL, "100": _TERMINAL},
    "waybill": {**_SUBMISSION_STEPS, "399": _TERMINAL, "100": _TERMINAL},
    "waybill_status": {**_SUBMISSION_STEPS, "399": _TERMINAL, "100": _TERMINAL},
    "inventory": {
        **_SUBMISSION_STEPS,
        "300": 50,
        "500": 55,
        "501": 60,
        "502": 60,
        "503": 60,
        "599": 60,
        "399": 70,
        "800": 80,
        "899": _TERMINAL,
        "100": _TERMINAL,
        "700": _TERMINAL,
    },
    "cancel": {**_SUBMISSION_STEPS, "399": _TERMINAL, "100": _TERMINAL},
    "refund": {**_SUBMISSION_STEPS, "399": _TERMINAL, "100": _TERMINAL},
    "delivery": {**_SUBMISSION_STEPS, "399": _TERMINAL, "100": _TERMINAL},
    "tax": {"1": 10, "2": 20, "3": _TERMINAL},
    "tax_status": {"1": 10, "2": 20, "3": _TERMINAL},
    "format_error": {},
}


def is_error(code: str) -> bool:
    """Tell whether a returnStatus is a processing error (a negative number)."""
    code = code.strip()
    return code.startswith("-") and code[1:].isdigit()


def is_failure(code: str) -> bool:
    """Tell whether a returnStatus ends the submission unsuccessfully: an error, "4" or "100"."""
    code = code.strip()
    return code in ("4", "100") or is_error(code)


def error_explanation(code: str) -> str:
    """Explain a negative returnStatus: its own meaning when known, else its family's; "" when not an error."""
    code = code.strip()
    if not is_error(code):
        return ""
    known = ERROR_CODES.get(code)
    if known is not None:
        return str(known)
    digits = code[1:]
    for prefix, label in ERROR_FAMILIES:
        if digits.startswith(prefix):
            return str(label)
    return str(_("处理异常"))


def status_label(code: str, document: str | None = None) -> str:
    """Return the Chinese (translated) label of a returnStatus, or of a tax-bill status for "tax"/"tax_status".

    Negative codes are explained by `error_explanation`; an unknown code is named as such.
    """
    code = code.strip()
    if document in TAX_DOCUMENTS:
        label = TAX_STATUS_LABELS.get(code)
    elif is_error(code):
        return str(_("处理异常：%(explanation)s") % {"explanation": error_explanation(code)})
    else:
        label = STATUS_LABELS.get(code)
    if label is None:
        return str(_("未知状态（%(code)s）") % {"code": code})
    return str(label)


def rank(document: str, code: str) -> int:
    """Return the rank of a status within a document's sequence; higher is later, 0 is unknown or none.

    Errors (negative codes) and the other terminal outcomes share the top rank, so a receipt is
    applied only when `rank(document, new) > rank(document, current)`. Raises KeyError for an
    unknown document (a programming error, not a business failure).
    """
    ranks = RANKS[document]
    code = code.strip()
    if document == "format_error" or (document not in TAX_DOCUMENTS and is_error(code)):
        return _TERMINAL
    return ranks.get(code, 0)


def is_final(document: str, code: str) -> bool:
    """Tell whether no later receipt can change the document's outcome after this code."""
    return rank(document, code) >= _TERMINAL
