"""Cell junk of Chinese platform exports (see ../shared/domain/PLATFORMS.md §0), cleaned the same way everywhere."""

from __future__ import annotations

import datetime
import re

NULLS = frozenset({"", "-", "--", "/", "null", "NULL", "None"})
_POSTCODE = re.compile(r"\s*[(（]\d{6}[)）]\s*$")


def clean(value) -> str:
    """Strip spaces, tabs, a leading ="…" formula, a leading ' or `, currency marks and a trailing 元;
    "", -, --, / and null become ""."""
    if value is None:
        return ""
    if isinstance(value, datetime.datetime):
        return value.strftime("%Y-%m-%d %H:%M:%S")
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    text = str(value).strip().strip("\t").strip()
    if text.startswith('="') and text.endswith('"'):
        text = text[2:-1]
    elif text.startswith("="):
        text = text[1:]
    text = text.strip().lstrip("'`").strip()
    if text.endswith("元"):
        text = text[:-1].strip()
    text = text.lstrip("¥￥").strip()
    return "" if text in NULLS else text


def clean_header(value) -> str:
    return clean(value).replace('"', "")


def split_taobao_address(text: str) -> dict:
    """'省 市 区 详细地址(邮编)' -> province, city, district, address (postcode dropped)."""
    text = _POSTCODE.sub("", text or "").strip()
    parts = text.split(" ", 3)
    if len(parts) == 4:
        return {"province": parts[0], "city": parts[1], "district": parts[2], "address": parts[3].strip()}
    return {"province": "", "city": "", "district": "", "address": text}
