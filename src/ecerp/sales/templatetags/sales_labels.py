"""Template filters of the sales pages: codes stored in English shown as people say them."""

from django import template

from ecerp.sales.queries import platform_status_label as _platform_status_label
from ecerp.sales.queries import source_label as _source_label

register = template.Library()


@register.filter
def source_label(source: str) -> str:
    """api -> 接口, file -> 文件导入, pull:taobao -> 平台拉取 taobao, merge -> 合并, split -> 拆分."""
    return _source_label(source or "")


@register.filter
def platform_status_label(status: str) -> str:
    """WAIT_SELLER_SEND_GOODS -> 等待卖家发货; unknown codes and Chinese statuses unchanged."""
    return _platform_status_label(status or "")
