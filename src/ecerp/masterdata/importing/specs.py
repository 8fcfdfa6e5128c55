"""One spec per importable type: Chinese headers (the English field name is an alias), required columns,
how each cell is parsed, the upsert key and the checks of masterdata/services.py that every row runs.

The same specs drive the downloadable templates and the export, so an export re-imports unchanged.
"""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _

from ecerp.masterdata import services as md_services
from ecerp.masterdata.errors import MasterdataError
from ecerp.masterdata.importing.bundles import BundleImporter
from ecerp.masterdata.importing.columns import Column
from ecerp.masterdata.importing.engine import RecordImporter, Spec
from ecerp.masterdata.importing.records import (
    BankAccountImporter,
    ContactImporter,
    EmployeeImporter,
)
from ecerp.masterdata.importing.trees import CategoryImporter, DepartmentImporter
from ecerp.masterdata.models import (
    BundleComponent,
    Category,
    Department,
    Employee,
    Location,
    Partner,
    PartnerBankAccount,
    PartnerContact,
    Platform,
    Product,
    Store,
    StoreType,
    Warehouse,
    WarehouseType,
)
from ecerp.masterdata.states import EmployeeStatus

ACTIVE = Column("启用", "active", "boolean", example="是", note=_("是 / 否，空白为 是"))


def _location_checks(location: Location) -> list:
    # Not location_checks: its code check generates codes one at a time; the import assigns them in a batch.
    return md_services.require_fields(location, "warehouse_id")


def _name_checks(instance) -> list:
    # Trees: the import checks parents (cycles, levels, codes) across the file in its tree importers.
    return md_services.require_fields(instance, "name")


CODE_NOTE = _("空白则按编码规则自动生成；已存在的编码将更新该记录")

SPECS: dict[str, Spec] = {}


def _register(spec: Spec) -> None:
    SPECS[spec.kind] = spec


_register(Spec(
    kind="department", label=_("部门"), model=Department, code_target="department",
    checks=_name_checks, importer=DepartmentImporter,
    columns=[
        Column("编码", "code", "code", example="D001", note=CODE_NOTE),
        Column("名称", "name", required=True, example="电商运营部"),
        Column("上级部门编码", "parent", "parent", aliases=("上级部门", "parent_code"), example="",
               note=_("上级部门的编码（可为本文件中的部门）；空白为顶级部门")),
        Column("负责人", "manager_name", example="张伟"),
        ACTIVE,
        Column("备注", "remark"),
    ],
))

_register(Spec(
    kind="employee", label=_("员工"), model=Employee, code_target="employee",
    checks=md_services.employee_checks, importer=EmployeeImporter,
    columns=[
        Column("工号", "code", "code", aliases=("编码",), example="E00001", note=CODE_NOTE),
        Column("姓名", "name", required=True, example="李娜"),
        Column("部门编码", "department", "ref", required=True, ref=Department, aliases=("部门",), example="D001",
               note=_("已存在的部门编码或名称")),
        Column("职位", "position", example="客服主管"),
        Column("入职日期", "hire_date", "date", example="2024-03-01", note=_("YYYY-MM-DD")),
        Column("状态", "status", "choice", choices=EmployeeStatus, example="在职",
               note=_("在职 / 休假 / 离职；已有员工的状态按状态流转规则变更")),
        Column("身份证号", "id_number", "personal", example="11010519491231002X", note=_("个人敏感信息，加密保存")),
        Column("手机号", "phone", "personal", example="13812345678", note=_("个人敏感信息，加密保存")),
        Column("邮箱", "email", "email", example="lina@example.com"),
    ],
))

_register(Spec(
    kind="partner", label=_("业务单位"), model=Partner, code_target="partner",
    checks=md_services.partner_checks, unique_in_file=(("social_credit_code",),),
    unique_in_db=("social_credit_code",),
    columns=[
        Column("编码", "code", "code", example="P00001", note=CODE_NOTE),
        Column("名称", "name", required=True, example="上海优品贸易有限公司"),
        Column("简称", "short_name", example="优品贸易"),
        Column("角色", "roles", "roles", aliases=("业务角色",), example="供应商、客户",
               note=_("供应商、客户、物流企业、支付企业、报关企业、电商平台、电商企业，可填多个，用 、 , / ; 分隔")),
        Column("统一社会信用代码", "social_credit_code", aliases=("信用代码",), example="91310000MA1FL8TQ36"),
        Column("海关注册编码", "customs_code", example="3105960ABC", note=_("10 位字母或数字")),
        Column("海关编码有效期起", "customs_code_valid_from", "date", example="2024-01-01"),
        Column("海关编码有效期止", "customs_code_valid_until", "date", example="2027-12-31"),
        Column("国家/地区", "country", aliases=("国家",), example="CN",
               note=_("ISO 3166 二位代码或中文国名，空白为 CN")),
        Column("地址", "address", example="上海市浦东新区世纪大道 100 号"),
        Column("电话", "telephone", example="021-12345678"),
        Column("账期（天）", "payment_days", "integer", aliases=("账期",), example="30"),
        Column("信用额度", "credit_limit", "decimal", example="100000"),
        ACTIVE,
        Column("备注", "remark"),
    ],
))

_register(Spec(
    kind="partner_contact", label=_("业务单位联系人"), model=PartnerContact, key=("partner", "name"),
    checks=md_services.contact_checks, importer=ContactImporter,
    columns=[
        Column("业务单位编码", "partner", "ref", required=True, ref=Partner, aliases=("业务单位",),
               example="P00001"),
        Column("联系人", "name", required=True, aliases=("姓名",), example="王芳",
               note=_("同一业务单位下按联系人姓名更新")),
        Column("职务", "title", example="采购经理"),
        Column("手机号", "phone", "personal", aliases=("电话",), example="13900001111"),
        Column("邮箱", "email", "email", example="wangfang@example.com"),
        Column("主要联系人", "is_primary", "boolean", example="是", note=_("每个业务单位只有一个主要联系人")),
    ],
))

_register(Spec(
    kind="partner_bank_account", label=_("业务单位银行账户"), model=PartnerBankAccount,
    key=("partner", "account_number"), checks=md_services.bank_account_checks, importer=BankAccountImporter,
    columns=[
        Column("业务单位编码", "partner", "ref", required=True, ref=Partner, aliases=("业务单位",),
               example="P00001"),
        Column("开户行", "bank_name", required=True, example="中国工商银行上海分行"),
        Column("户名", "account_name", required=True, example="上海优品贸易有限公司"),
        Column("账号", "account_number", "compact", required=True, example="6222020200001234567",
               note=_("同一业务单位下按账号更新")),
        Column("币种", "currency", example="CNY"),
        Column("默认账户", "is_default", "boolean", example="是"),
    ],
))

_register(Spec(
    kind="category", label=_("商品分类"), model=Category, checks=_name_checks, importer=CategoryImporter,
    columns=[
        Column("编码", "code", "code", example="0101",
               note=_("分级编码（默认 2-2-3，如 01、0101、0101001）；空白则在上级下自动生成")),
        Column("名称", "name", required=True, example="面部护理"),
        Column("上级分类编码", "parent", "parent", aliases=("上级分类", "parent_code"), example="01",
               note=_("空白时由编码推出（0101 的上级为 01）")),
        ACTIVE,
    ],
))

_register(Spec(
    kind="product", label=_("商品"), model=Product, code_target="product", checks=md_services.product_checks,
    columns=[
        Column("商品编码", "code", "code", aliases=("编码", "SKU"), example="SKU000001", note=CODE_NOTE),
        Column("条码", "barcode", example="4901234567894", note=_("EAN-13/EAN-8/UPC 需校验位正确")),
        Column("名称", "name", required=True, aliases=("商品名称",), example="保湿面霜 50g"),
        Column("规格", "specification", example="50g/瓶"),
        Column("品牌", "brand", example="雪肌"),
        Column("分类编码", "category", "ref", ref=Category, aliases=("分类",), example="0101",
               note=_("已存在的分类编码或名称")),
        Column("单位", "unit", example="瓶", note=_("空白为 件")),
        Column("毛重(kg)", "gross_weight", "decimal", allow_negative=True, aliases=("毛重",), example="0.12"),
        Column("净重(kg)", "net_weight", "decimal", allow_negative=True, aliases=("净重",), example="0.05"),
        Column("成本价", "cost_price", "decimal", allow_negative=True, example="45.00"),
        Column("销售价", "sale_price", "decimal", allow_negative=True, example="129.00"),
        Column("原产国", "origin_country", example="JP", note=_("ISO 3166 二位代码或中文国名")),
        Column("HS编码", "hs_code", aliases=("HS 编码", "海关编码"), example="3304990099", note=_("10 位数字")),
        Column("海关计量单位", "customs_unit", "unit_code", example="142", note=_("海关计量单位代码，如 035 千克")),
        Column("跨境商品", "is_cross_border", "boolean", example="是",
               note=_("是：必须填写 HS编码、原产国和海关计量单位")),
        ACTIVE,
    ],
))

_register(Spec(
    kind="bundle", label=_("组合商品明细"), model=BundleComponent, key=("bundle", "component"),
    importer=BundleImporter,
    columns=[
        Column("组合商品编码", "bundle", "ref", required=True, ref=Product, aliases=("组合商品",), example="SKU000100",
               note=_("已存在的商品编码；文件中该组合的全部明细将替换原有明细")),
        Column("子商品编码", "component", "ref", required=True, ref=Product, aliases=("子商品",),
               unknown_code=MasterdataError.COMPONENT_MISSING, example="SKU000001"),
        Column("数量", "quantity", "quantity", required=True, example="2", note=_("正整数")),
    ],
))

_register(Spec(
    kind="warehouse", label=_("仓库"), model=Warehouse, code_target="warehouse", checks=md_services.warehouse_checks,
    columns=[
        Column("编码", "code", "code", example="WH001", note=CODE_NOTE),
        Column("名称", "name", required=True, example="杭州保税仓"),
        Column("类型", "type", "choice", choices=WarehouseType, example="保税仓",
               note=_("普通仓 / 保税仓 / 海外仓 / 第三方仓")),
        Column("地址", "address", example="杭州市萧山区保税物流中心"),
        Column("联系人", "contact_name", example="赵强"),
        Column("联系电话", "contact_phone", "personal", example="13700002222"),
        Column("关区代码", "customs_area_code", example="2991"),
        Column("运营方编码", "operator", "ref", ref=Partner, aliases=("运营方",), example=""),
        ACTIVE,
    ],
))

_register(Spec(
    kind="location", label=_("库位"), model=Location, key=("warehouse", "code"), code_target="location",
    checks=_location_checks,
    columns=[
        Column("仓库编码", "warehouse", "ref", required=True, ref=Warehouse, aliases=("仓库",), example="WH001"),
        Column("库位编码", "code", "code", aliases=("编码",), example="A-01-01",
               note=_("同一仓库内唯一；空白则自动生成")),
        Column("名称", "name", example="A 区 1 排 1 层"),
        Column("库区", "zone", example="A"),
        Column("拣货顺序", "pick_sequence", "integer", example="10"),
        ACTIVE,
    ],
))

_register(Spec(
    kind="store", label=_("店铺"), model=Store, code_target="store", checks=md_services.store_checks,
    unique_in_file=(("platform", "shop_id"),),
    columns=[
        Column("编码", "code", "code", example="ST001", note=CODE_NOTE),
        Column("名称", "name", required=True, example="雪肌天猫旗舰店"),
        Column("平台", "platform", "choice", required=True, choices=Platform, example="天猫"),
        Column("平台店铺ID", "shop_id", required=True, aliases=("店铺ID",), example="100012345"),
        Column("店铺类型", "type", "choice", choices=StoreType, example="国内店铺",
               choice_aliases={"9610": "cbec_9610", "1210": "cbec_1210", "国内": "domestic",
                               "跨境直购": "cbec_9610", "保税备货": "cbec_1210"},
               note=_("国内店铺 / 跨境直购 9610 / 保税备货 1210")),
        Column("电商平台企业编码", "platform_partner", "ref", ref=Partner, aliases=("电商平台企业",)),
        Column("电商企业编码", "ecommerce_company", "ref", ref=Partner, aliases=("电商企业",),
               note=_("跨境店铺必填")),
        Column("默认仓库编码", "default_warehouse", "ref", ref=Warehouse, aliases=("默认仓库",), example="WH001"),
        ACTIVE,
    ],
))

KIND_ALIASES = {"partnercontact": "partner_contact", "contact": "partner_contact",
                "partnerbankaccount": "partner_bank_account", "bank_account": "partner_bank_account",
                "bundlecomponent": "bundle", "products": "product", "categories": "category"}


def get_spec(kind: str) -> Spec:
    """Return the spec of an import type (department, employee, partner, ...); UNKNOWN_TYPE otherwise."""
    from ecerp.masterdata.importing.problems import ImportFailed

    key = KIND_ALIASES.get((kind or "").strip().lower(), (kind or "").strip().lower())
    if key not in SPECS:
        raise ImportFailed.single(MasterdataError.UNKNOWN_TYPE, _("未知的导入类型「%(kind)s」，可选：%(kinds)s"),
                                  kind=kind, kinds="、".join(SPECS))
    return SPECS[key]


def make_importer(spec: Spec, *, user=None, filename: str = "") -> RecordImporter:
    return (spec.importer or RecordImporter)(spec, user=user, filename=filename)
