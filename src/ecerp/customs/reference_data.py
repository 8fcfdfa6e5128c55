"""The reference rows shipped with ECERP: customs codes, positive-list lines, dated tax rates and limits.

Rows marked unverified (verified=False) come from memory or are demo-only; CUSTOMS.md marks them [U] and
docs/customs.md lists them. They are data, editable on the reference pages, never constants in code.
load() inserts what is missing and leaves existing rows (possibly edited by users) alone, so it is safe to
run on every migrate; migration 0002 runs it with the historical models.
"""

from __future__ import annotations

import datetime
from decimal import Decimal

D = datetime.date

# (code, name_zh, name_en, verified)
CUSTOMS_UNITS = [
    ("006", "套", "set", False), ("007", "个", "piece", False), ("008", "只", "piece", False),
    ("011", "件", "piece", False), ("012", "支", "stick", False), ("020", "片", "sheet", False),
    ("025", "双", "pair", False), ("035", "千克", "kilogram", False), ("036", "克", "gram", False),
    ("095", "升", "litre", False), ("096", "毫升", "millilitre", False), ("120", "箱", "case", False),
    ("122", "罐", "can", False), ("125", "包", "pack", False), ("136", "袋", "bag", False),
    ("140", "盒", "box", False), ("142", "瓶", "bottle", False),
]

# (customs code, ISO 3166 alpha-2, name_zh, name_en, verified). 142 is confirmed by the XSD; the others are
# from memory (CUSTOMS.md open point 7).
COUNTRIES = [
    ("142", "CN", "中国", "China", True),
    ("110", "HK", "中国香港", "Hong Kong, China", False),
    ("121", "MO", "中国澳门", "Macao, China", False),
    ("143", "TW", "中国台湾", "Taiwan, China", False),
    ("116", "JP", "日本", "Japan", False),
    ("133", "KR", "韩国", "Korea", False),
    ("132", "SG", "新加坡", "Singapore", False),
    ("303", "GB", "英国", "United Kingdom", False),
    ("304", "DE", "德国", "Germany", False),
    ("305", "FR", "法国", "France", False),
    ("307", "IT", "意大利", "Italy", False),
    ("309", "NL", "荷兰", "Netherlands", False),
    ("330", "SE", "瑞典", "Sweden", False),
    ("331", "CH", "瑞士", "Switzerland", False),
    ("501", "CA", "加拿大", "Canada", False),
    ("502", "US", "美国", "United States", False),
    ("601", "AU", "澳大利亚", "Australia", False),
    ("609", "NZ", "新西兰", "New Zealand", False),
]

CURRENCIES = [("142", "人民币", "Chinese yuan", True)]

TRANSPORT_MODES = [
    ("0", "非保税区", "non-bonded area", False), ("1", "监管仓库", "supervised warehouse", False),
    ("2", "水路运输", "waterway", True), ("3", "铁路运输", "railway", False), ("4", "公路运输", "road", True),
    ("5", "航空运输", "air", True), ("6", "邮件运输", "postal", False), ("7", "保税区", "bonded zone", False),
    ("8", "保税仓库", "bonded warehouse", False), ("9", "其他运输", "other", False),
    ("W", "物流中心", "logistics centre", False), ("X", "物流园区", "logistics park", False),
    ("Y", "保税港区", "bonded port zone", False), ("Z", "出口加工区", "export processing zone", False),
]

# Customs districts used by the demo; plausible but demo-only codes (CUSTOMS.md has no district table).
CUSTOMS_DISTRICTS = [
    ("2900", "杭州海关", "Hangzhou Customs"),
    ("2991", "杭州跨境电商监管中心（演示）", "Hangzhou CBEC centre (demo)"),
    ("4600", "郑州海关", "Zhengzhou Customs"),
    ("4612", "新郑综保区（演示）", "Xinzheng comprehensive bonded zone (demo)"),
    ("2200", "上海海关", "Shanghai Customs"),
    ("2244", "洋山港区（演示）", "Yangshan port (demo)"),
    ("2233", "浦东机场（演示）", "Pudong airport (demo)"),
]

WRAP_TYPES = [
    ("1", "木箱", "wooden case"), ("2", "纸箱", "carton"), ("3", "桶装", "drum"), ("4", "散装", "bulk"),
    ("5", "托盘", "pallet"), ("6", "包", "bag"), ("7", "其他", "other"),
]

TRADE_MODES = [
    ("9610", "跨境贸易电子商务", "cross-border e-commerce (direct purchase)", True),
    ("1210", "保税跨境贸易电子商务", "bonded cross-border e-commerce", True),
    ("1239", "保税跨境贸易电子商务A", "bonded cross-border e-commerce A", True),
]

FIRST_BATCH = "2016年第一批（财关税〔2016〕40号）"
SECOND_BATCH = "2016年第二批"
LIST_START = D(2016, 4, 8)
FOOD_NOTE = "依法不属于普通食品或依法需要注册备案管理的特殊食品除外"
CITES_NOTE = "列入《进出口野生动植物种商品目录》的商品除外"
# (hs_code8, description, note, batch, verified)
POSITIVE_LIST = [
    ("04029100", "浓缩乳及奶油，未加糖或其他甜物质", FOOD_NOTE, FIRST_BATCH, True),
    ("04061000", "鲜乳酪（未熟化或未固化的）", FOOD_NOTE, FIRST_BATCH, True),
    ("04090000", "天然蜂蜜", FOOD_NOTE, FIRST_BATCH, True),
    ("19011010", "供婴幼儿食用的零售包装配方奶粉", FOOD_NOTE, FIRST_BATCH, False),
    ("21069090", "其他编号未列名的食品", FOOD_NOTE, FIRST_BATCH, False),
    ("33049900", "其他美容品或化妆品及护肤品", CITES_NOTE, FIRST_BATCH, False),
    ("34013000", "洁肤用有机表面活性产品及制品", CITES_NOTE, FIRST_BATCH, False),
    ("62044200", "棉制女式连衣裙", "", FIRST_BATCH, False),
    ("64039900", "其他皮革鞋面的鞋靴", CITES_NOTE, FIRST_BATCH, False),
    ("91021100", "电子手表，仅有机械指示器", "", SECOND_BATCH, False),
    ("96190011", "婴儿尿布", "", FIRST_BATCH, False),
]

# (kind, rate, valid_from, valid_to, source, verified); valid_to inclusive, None = still valid.
TAX_RATES = [
    ("vat_standard", "0.17", D(2009, 1, 1), D(2018, 4, 30), "增值税暂行条例", False),
    ("vat_standard", "0.16", D(2018, 5, 1), D(2019, 3, 31), "财税〔2018〕32号", False),
    ("vat_standard", "0.13", D(2019, 4, 1), None, "财政部 税务总局 海关总署公告2019年第39号", False),
    ("vat_reduced", "0.13", D(2009, 1, 1), D(2017, 6, 30), "增值税暂行条例", False),
    ("vat_reduced", "0.11", D(2017, 7, 1), D(2018, 4, 30), "财税〔2017〕37号", False),
    ("vat_reduced", "0.10", D(2018, 5, 1), D(2019, 3, 31), "财税〔2018〕32号", False),
    ("vat_reduced", "0.09", D(2019, 4, 1), None, "财政部 税务总局 海关总署公告2019年第39号", False),
    ("postal_tier_1", "0.10", D(2010, 9, 1), D(2016, 4, 7), "行邮税四档税率", False),
    ("postal_tier_2", "0.20", D(2010, 9, 1), D(2016, 4, 7), "行邮税四档税率", False),
    ("postal_tier_3", "0.30", D(2010, 9, 1), D(2016, 4, 7), "行邮税四档税率", False),
    ("postal_tier_4", "0.50", D(2010, 9, 1), D(2016, 4, 7), "行邮税四档税率", False),
    ("postal_tier_1", "0.15", D(2016, 4, 8), D(2018, 10, 31), "税委会〔2016〕2号", True),
    ("postal_tier_2", "0.30", D(2016, 4, 8), D(2018, 10, 31), "税委会〔2016〕2号", True),
    ("postal_tier_3", "0.60", D(2016, 4, 8), D(2018, 10, 31), "税委会〔2016〕2号", True),
    ("postal_tier_1", "0.15", D(2018, 11, 1), D(2019, 4, 8), "2018年行邮税调整（文号待核）", False),
    ("postal_tier_2", "0.25", D(2018, 11, 1), D(2019, 4, 8), "2018年行邮税调整（文号待核）", False),
    ("postal_tier_3", "0.50", D(2018, 11, 1), D(2019, 4, 8), "2018年行邮税调整（文号待核）", False),
    ("postal_tier_1", "0.13", D(2019, 4, 9), None, "税委会〔2019〕17号", True),
    ("postal_tier_2", "0.20", D(2019, 4, 9), None, "税委会〔2019〕17号", True),
    ("postal_tier_3", "0.50", D(2019, 4, 9), None, "税委会〔2019〕17号", True),
    ("consumption_cosmetics_high_end", "0.30", D(2006, 4, 1), D(2016, 9, 30), "化妆品消费税（调整前）", False),
    ("consumption_cosmetics_high_end", "0.15", D(2016, 10, 1), None, "财税〔2016〕103号", True),
    ("consumption_watch_high_end", "0.20", D(2006, 4, 1), None, "高档手表消费税", False),
    ("cbec_factor", "0.70", D(2016, 4, 8), None, "财关税〔2016〕18号", True),
]

# (single, annual, valid_from, valid_to, source)
LIMITS = [
    ("2000", "20000", D(2016, 4, 8), D(2018, 12, 31), "财关税〔2016〕18号"),
    ("5000", "26000", D(2019, 1, 1), None, "财关税〔2018〕49号"),
]


def code_rows() -> list[dict]:
    """Every shipped ReferenceCode row as field values."""
    rows = [dict(kind="customs_unit", code=code, name_zh=zh, name_en=en, verified=ok)
            for code, zh, en, ok in CUSTOMS_UNITS]
    rows += [dict(kind="country", code=code, alias=iso, name_zh=zh, name_en=en, verified=ok)
             for code, iso, zh, en, ok in COUNTRIES]
    rows += [dict(kind="currency", code=code, alias="CNY", name_zh=zh, name_en=en, verified=ok)
             for code, zh, en, ok in CURRENCIES]
    rows += [dict(kind="transport_mode", code=code, name_zh=zh, name_en=en, verified=ok)
             for code, zh, en, ok in TRANSPORT_MODES]
    rows += [dict(kind="customs_district", code=code, name_zh=zh, name_en=en, verified=False,
                  note="演示用代码，正式使用前请按海关关区代码表核对") for code, zh, en in CUSTOMS_DISTRICTS]
    rows += [dict(kind="wrap_type", code=code, name_zh=zh, name_en=en, verified=False) for code, zh, en in WRAP_TYPES]
    rows += [dict(kind="trade_mode", code=code, name_zh=zh, name_en=en, verified=ok)
             for code, zh, en, ok in TRADE_MODES]
    return rows


def load(apps=None) -> dict[str, int]:
    """Insert the shipped rows that are missing (by natural key); return how many of each were added.

    apps is the migration state's registry (historical models) or None for the current models.
    """
    if apps is None:
        from django.apps import apps
    code_model = apps.get_model("customs", "ReferenceCode")
    line_model = apps.get_model("customs", "PositiveListLine")
    rate_model = apps.get_model("customs", "TaxRate")
    limit_model = apps.get_model("customs", "CrossBorderLimit")
    added = {"codes": 0, "positive_list": 0, "tax_rates": 0, "limits": 0}

    have = set(code_model.objects.values_list("kind", "code"))
    new = [code_model(**row) for row in code_rows() if (row["kind"], row["code"]) not in have]
    code_model.objects.bulk_create(new)
    added["codes"] = len(new)

    have = set(line_model.objects.values_list("hs_code8", "valid_from"))
    new = [line_model(hs_code8=code, description=text, note=note, batch=batch, valid_from=LIST_START, verified=ok)
           for code, text, note, batch, ok in POSITIVE_LIST if (code, LIST_START) not in have]
    line_model.objects.bulk_create(new)
    added["positive_list"] = len(new)

    have = set(rate_model.objects.values_list("kind", "valid_from"))
    new = [rate_model(kind=kind, rate=Decimal(rate), valid_from=start, valid_to=end, source=source, verified=ok)
           for kind, rate, start, end, source, ok in TAX_RATES if (kind, start) not in have]
    rate_model.objects.bulk_create(new)
    added["tax_rates"] = len(new)

    have = set(limit_model.objects.values_list("valid_from", flat=True))
    new = [limit_model(single_limit=Decimal(single), annual_limit=Decimal(annual), valid_from=start, valid_to=end,
                       source=source) for single, annual, start, end, source in LIMITS if start not in have]
    limit_model.objects.bulk_create(new)
    added["limits"] = len(new)
    return added
