"""Master data (基础资料): departments, employees, partners, categories, products, bundles,
warehouses and locations, stores, and each user's data scope.

Models hold fields, constraints and derived values; every change goes through services.py.
"""

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from ecerp.core.crypto import EncryptedTextField
from ecerp.masterdata.states import EmployeeStatus

MONEY = dict(max_digits=18, decimal_places=4)
WEIGHT = dict(max_digits=12, decimal_places=4)


class Department(models.Model):
    code = models.CharField(_("编码"), max_length=40, unique=True)
    name = models.CharField(_("名称"), max_length=100)
    parent = models.ForeignKey(
        "self", verbose_name=_("上级部门"), null=True, blank=True, on_delete=models.PROTECT, related_name="children"
    )
    manager_name = models.CharField(_("负责人"), max_length=50, blank=True, default="")
    active = models.BooleanField(_("启用"), default=True)
    remark = models.CharField(_("备注"), max_length=200, blank=True, default="")

    class Meta:
        verbose_name = _("部门")
        verbose_name_plural = _("部门")
        ordering = ["code"]
        constraints = [models.CheckConstraint(condition=~Q(parent=models.F("id")), name="department_not_own_parent")]

    def __str__(self):
        return f"{self.code} {self.name}"


class Employee(models.Model):
    code = models.CharField(_("工号"), max_length=40, unique=True)
    name = models.CharField(_("姓名"), max_length=50)
    department = models.ForeignKey(Department, verbose_name=_("部门"), on_delete=models.PROTECT,
                                   related_name="employees")
    position = models.CharField(_("职位"), max_length=50, blank=True, default="")
    hire_date = models.DateField(_("入职日期"), null=True, blank=True)
    status = models.CharField(_("状态"), max_length=20, choices=EmployeeStatus.choices,
                              default=EmployeeStatus.ACTIVE)
    id_number = EncryptedTextField(_("身份证号"), mask="id_number")
    phone = EncryptedTextField(_("手机号"), mask="phone")
    email = models.EmailField(_("邮箱"), blank=True, default="")
    user = models.OneToOneField(settings.AUTH_USER_MODEL, verbose_name=_("登录账号"), null=True, blank=True,
                                on_delete=models.SET_NULL, related_name="employee")

    class Meta:
        verbose_name = _("员工")
        verbose_name_plural = _("员工")
        ordering = ["code"]
        permissions = [("view_personal_data", _("查看个人敏感信息（身份证号、手机号、地址）"))]

    def __str__(self):
        return f"{self.code} {self.name}"


class PartnerRole(models.TextChoices):
    SUPPLIER = "supplier", _("供应商")
    CUSTOMER = "customer", _("客户")
    LOGISTICS = "logistics", _("物流企业")
    PAYMENT = "payment", _("支付企业")
    CUSTOMS_BROKER = "customs_broker", _("报关企业")
    PLATFORM = "platform", _("电商平台")
    ECOMMERCE = "ecommerce", _("电商企业")


ROLE_FIELDS = {
    PartnerRole.SUPPLIER: "is_supplier",
    PartnerRole.CUSTOMER: "is_customer",
    PartnerRole.LOGISTICS: "is_logistics",
    PartnerRole.PAYMENT: "is_payment",
    PartnerRole.CUSTOMS_BROKER: "is_customs_broker",
    PartnerRole.PLATFORM: "is_platform",
    PartnerRole.ECOMMERCE: "is_ecommerce",
}


class Partner(models.Model):
    """An outside party (业务单位) with one or more roles."""

    code = models.CharField(_("编码"), max_length=40, unique=True)
    name = models.CharField(_("名称"), max_length=200)
    short_name = models.CharField(_("简称"), max_length=50, blank=True, default="")
    is_supplier = models.BooleanField(_("供应商"), default=False)
    is_customer = models.BooleanField(_("客户"), default=False)
    is_logistics = models.BooleanField(_("物流企业"), default=False)
    is_payment = models.BooleanField(_("支付企业"), default=False)
    is_customs_broker = models.BooleanField(_("报关企业"), default=False)
    is_platform = models.BooleanField(_("电商平台"), default=False)
    is_ecommerce = models.BooleanField(_("电商企业"), default=False)
    social_credit_code = models.CharField(_("统一社会信用代码"), max_length=18, null=True, blank=True, unique=True)
    customs_code = models.CharField(_("海关注册编码"), max_length=10, blank=True, default="")
    customs_code_valid_from = models.DateField(_("海关编码有效期起"), null=True, blank=True)
    customs_code_valid_until = models.DateField(_("海关编码有效期止"), null=True, blank=True)
    country = models.CharField(_("国家/地区"), max_length=2, default="CN")
    address = models.CharField(_("地址"), max_length=300, blank=True, default="")
    telephone = models.CharField(_("电话"), max_length=50, blank=True, default="")
    payment_days = models.PositiveIntegerField(_("账期（天）"), default=0)
    credit_limit = models.DecimalField(_("信用额度"), **MONEY, default=0)
    active = models.BooleanField(_("启用"), default=True)
    remark = models.CharField(_("备注"), max_length=300, blank=True, default="")

    class Meta:
        verbose_name = _("业务单位")
        verbose_name_plural = _("业务单位")
        ordering = ["code"]
        constraints = [
            models.CheckConstraint(
                condition=Q(is_supplier=True) | Q(is_customer=True) | Q(is_logistics=True) | Q(is_payment=True)
                | Q(is_customs_broker=True) | Q(is_platform=True) | Q(is_ecommerce=True),
                name="partner_has_role",
            ),
            models.CheckConstraint(condition=Q(credit_limit__gte=0), name="partner_credit_non_negative"),
            models.CheckConstraint(
                condition=Q(customs_code_valid_until__isnull=True) | Q(customs_code_valid_from__isnull=True)
                | Q(customs_code_valid_until__gte=models.F("customs_code_valid_from")),
                name="partner_customs_validity_order",
            ),
        ]

    def __str__(self):
        return f"{self.code} {self.name}"

    @property
    def roles(self) -> list[str]:
        return [role for role, field in ROLE_FIELDS.items() if getattr(self, field)]

    @property
    def role_labels(self) -> str:
        return "、".join(str(PartnerRole(role).label) for role in self.roles)


class PartnerContact(models.Model):
    partner = models.ForeignKey(Partner, verbose_name=_("业务单位"), on_delete=models.CASCADE,
                                related_name="contacts")
    name = models.CharField(_("联系人"), max_length=50)
    title = models.CharField(_("职务"), max_length=50, blank=True, default="")
    phone = EncryptedTextField(_("手机号"), mask="phone")
    email = models.EmailField(_("邮箱"), blank=True, default="")
    is_primary = models.BooleanField(_("主要联系人"), default=False)

    class Meta:
        verbose_name = _("联系人")
        verbose_name_plural = _("联系人")
        constraints = [
            models.UniqueConstraint(fields=["partner"], condition=Q(is_primary=True),
                                    name="partner_one_primary_contact")
        ]

    def __str__(self):
        return self.name


class PartnerBankAccount(models.Model):
    partner = models.ForeignKey(Partner, verbose_name=_("业务单位"), on_delete=models.CASCADE,
                                related_name="bank_accounts")
    bank_name = models.CharField(_("开户行"), max_length=100)
    account_name = models.CharField(_("户名"), max_length=200)
    account_number = models.CharField(_("账号"), max_length=40)
    currency = models.CharField(_("币种"), max_length=3, default="CNY")
    is_default = models.BooleanField(_("默认账户"), default=False)

    class Meta:
        verbose_name = _("银行账户")
        verbose_name_plural = _("银行账户")
        constraints = [
            models.UniqueConstraint(fields=["partner", "account_number"], name="partner_bank_account_unique"),
            models.UniqueConstraint(fields=["partner"], condition=Q(is_default=True),
                                    name="partner_one_default_account"),
        ]

    def __str__(self):
        return f"{self.bank_name} {self.account_number}"


class Category(models.Model):
    """Product category tree, coded by the hierarchical rule (2-2-3: 01, 0103, 0103007)."""

    code = models.CharField(_("编码"), max_length=40, unique=True)
    name = models.CharField(_("名称"), max_length=100)
    parent = models.ForeignKey("self", verbose_name=_("上级分类"), null=True, blank=True,
                               on_delete=models.PROTECT, related_name="children")
    level = models.PositiveSmallIntegerField(_("级次"), default=1)
    active = models.BooleanField(_("启用"), default=True)

    class Meta:
        verbose_name = _("商品分类")
        verbose_name_plural = _("商品分类")
        ordering = ["code"]
        constraints = [models.CheckConstraint(condition=Q(level__gte=1), name="category_level_positive")]

    def __str__(self):
        return f"{self.code} {self.name}"


class Product(models.Model):
    """A SKU: the unit sold and stocked; a bundle (组合商品) when it has components."""

    code = models.CharField(_("商品编码"), max_length=40, unique=True)
    barcode = models.CharField(_("条码"), max_length=40, blank=True, default="", db_index=True)
    name = models.CharField(_("名称"), max_length=200)
    specification = models.CharField(_("规格"), max_length=200, blank=True, default="")
    brand = models.CharField(_("品牌"), max_length=100, blank=True, default="")
    category = models.ForeignKey(Category, verbose_name=_("分类"), null=True, blank=True,
                                 on_delete=models.PROTECT, related_name="products")
    unit = models.CharField(_("单位"), max_length=10, default="件")
    gross_weight = models.DecimalField(_("毛重(kg)"), **WEIGHT, null=True, blank=True)
    net_weight = models.DecimalField(_("净重(kg)"), **WEIGHT, null=True, blank=True)
    cost_price = models.DecimalField(_("成本价"), **MONEY, default=0)
    sale_price = models.DecimalField(_("销售价"), **MONEY, default=0)
    origin_country = models.CharField(_("原产国"), max_length=2, blank=True, default="",
                                      help_text=_("ISO 3166 二位代码，如 JP、US"))
    hs_code = models.CharField(_("HS编码"), max_length=10, blank=True, default="")
    customs_unit = models.CharField(_("海关计量单位"), max_length=3, blank=True, default="")
    is_cross_border = models.BooleanField(_("跨境商品"), default=False)
    is_bundle = models.BooleanField(_("组合商品"), default=False)
    active = models.BooleanField(_("启用"), default=True)
    updated_at = models.DateTimeField(_("更新时间"), auto_now=True)

    class Meta:
        verbose_name = _("商品")
        verbose_name_plural = _("商品")
        ordering = ["code"]
        permissions = [
            ("import_masterdata", _("导入基础资料")),
            ("export_masterdata", _("导出基础资料")),
        ]
        constraints = [
            models.CheckConstraint(condition=Q(cost_price__gte=0), name="product_cost_non_negative"),
            models.CheckConstraint(condition=Q(sale_price__gte=0), name="product_price_non_negative"),
            models.CheckConstraint(condition=Q(gross_weight__isnull=True) | Q(gross_weight__gte=0),
                                   name="product_gross_weight_non_negative"),
            models.CheckConstraint(condition=Q(net_weight__isnull=True) | Q(net_weight__gte=0),
                                   name="product_net_weight_non_negative"),
            models.CheckConstraint(condition=Q(hs_code="") | Q(hs_code__regex=r"^[0-9]{10}$"),
                                   name="product_hs_code_10_digits"),
            models.CheckConstraint(condition=~Q(is_cross_border=True) | ~Q(hs_code=""),
                                   name="product_cross_border_needs_hs_code"),
        ]

    def __str__(self):
        return f"{self.code} {self.name}"


class BundleComponent(models.Model):
    """One component line of a bundle (组合商品/BOM): bundle = sum of component x quantity."""

    bundle = models.ForeignKey(Product, verbose_name=_("组合商品"), on_delete=models.CASCADE,
                               related_name="components")
    component = models.ForeignKey(Product, verbose_name=_("子商品"), on_delete=models.PROTECT,
                                  related_name="used_in")
    quantity = models.PositiveIntegerField(_("数量"))

    class Meta:
        verbose_name = _("组合明细")
        verbose_name_plural = _("组合明细")
        constraints = [
            models.UniqueConstraint(fields=["bundle", "component"], name="bundle_component_unique"),
            models.CheckConstraint(condition=Q(quantity__gte=1), name="bundle_component_quantity_positive"),
            models.CheckConstraint(condition=~Q(bundle=models.F("component")), name="bundle_not_own_component"),
        ]

    def __str__(self):
        return f"{self.component_id} x {self.quantity}"


class WarehouseType(models.TextChoices):
    NORMAL = "normal", _("普通仓")
    BONDED = "bonded", _("保税仓")
    OVERSEAS = "overseas", _("海外仓")
    THIRD_PARTY = "third_party", _("第三方仓")
    DEFECTIVE = "defective", _("次品仓")  # damaged returns; never sellable (allocation must skip it)


class Warehouse(models.Model):
    code = models.CharField(_("编码"), max_length=40, unique=True)
    name = models.CharField(_("名称"), max_length=100)
    type = models.CharField(_("类型"), max_length=20, choices=WarehouseType.choices, default=WarehouseType.NORMAL)
    address = models.CharField(_("地址"), max_length=300, blank=True, default="")
    contact_name = models.CharField(_("联系人"), max_length=50, blank=True, default="")
    contact_phone = EncryptedTextField(_("联系电话"), mask="phone")
    customs_area_code = models.CharField(_("关区代码"), max_length=4, blank=True, default="")
    operator = models.ForeignKey(Partner, verbose_name=_("运营方"), null=True, blank=True,
                                 on_delete=models.PROTECT, related_name="operated_warehouses")
    active = models.BooleanField(_("启用"), default=True)

    class Meta:
        verbose_name = _("仓库")
        verbose_name_plural = _("仓库")
        ordering = ["code"]

    def __str__(self):
        return f"{self.code} {self.name}"


class Location(models.Model):
    warehouse = models.ForeignKey(Warehouse, verbose_name=_("仓库"), on_delete=models.CASCADE,
                                  related_name="locations")
    code = models.CharField(_("库位编码"), max_length=40)
    name = models.CharField(_("名称"), max_length=100, blank=True, default="")
    zone = models.CharField(_("库区"), max_length=40, blank=True, default="")
    pick_sequence = models.PositiveIntegerField(_("拣货顺序"), default=0)
    active = models.BooleanField(_("启用"), default=True)

    class Meta:
        verbose_name = _("库位")
        verbose_name_plural = _("库位")
        ordering = ["warehouse", "pick_sequence", "code"]
        constraints = [models.UniqueConstraint(fields=["warehouse", "code"], name="location_code_per_warehouse")]

    def __str__(self):
        return f"{self.warehouse_id}:{self.code}"


class Platform(models.TextChoices):
    TMALL = "tmall", _("天猫")
    TAOBAO = "taobao", _("淘宝")
    JD = "jd", _("京东")
    PINDUODUO = "pinduoduo", _("拼多多")
    DOUYIN = "douyin", _("抖音")
    KUAISHOU = "kuaishou", _("快手")
    TMALL_GLOBAL = "tmall_global", _("天猫国际")
    JD_GLOBAL = "jd_global", _("京东国际")
    OTHER = "other", _("其他")


class StoreType(models.TextChoices):
    DOMESTIC = "domestic", _("国内店铺")
    DIRECT_PURCHASE = "cbec_9610", _("跨境直购 9610")
    BONDED = "cbec_1210", _("保税备货 1210")


class Store(models.Model):
    code = models.CharField(_("编码"), max_length=40, unique=True)
    name = models.CharField(_("名称"), max_length=100)
    platform = models.CharField(_("平台"), max_length=20, choices=Platform.choices)
    shop_id = models.CharField(_("平台店铺ID"), max_length=64)
    type = models.CharField(_("店铺类型"), max_length=20, choices=StoreType.choices, default=StoreType.DOMESTIC)
    platform_partner = models.ForeignKey(Partner, verbose_name=_("电商平台企业"), null=True, blank=True,
                                         on_delete=models.PROTECT, related_name="platform_stores")
    ecommerce_company = models.ForeignKey(Partner, verbose_name=_("电商企业"), null=True, blank=True,
                                          on_delete=models.PROTECT, related_name="stores")
    default_warehouse = models.ForeignKey(Warehouse, verbose_name=_("默认仓库"), null=True, blank=True,
                                          on_delete=models.PROTECT, related_name="stores")
    active = models.BooleanField(_("启用"), default=True)

    class Meta:
        verbose_name = _("店铺")
        verbose_name_plural = _("店铺")
        ordering = ["code"]
        constraints = [
            models.UniqueConstraint(fields=["platform", "shop_id"], name="store_shop_per_platform"),
            models.CheckConstraint(condition=Q(type="domestic") | Q(ecommerce_company__isnull=False),
                                   name="store_cross_border_needs_ecommerce_company"),
        ]

    def __str__(self):
        return f"{self.code} {self.name}"

    @property
    def is_cross_border(self) -> bool:
        return self.type != StoreType.DOMESTIC


class UserScope(models.Model):
    """Which stores and warehouses a user may see (data scope); no row means everything."""

    user = models.OneToOneField(settings.AUTH_USER_MODEL, verbose_name=_("用户"), on_delete=models.CASCADE,
                                related_name="scope")
    all_stores = models.BooleanField(_("全部店铺"), default=False)
    all_warehouses = models.BooleanField(_("全部仓库"), default=False)
    stores = models.ManyToManyField(Store, verbose_name=_("店铺"), blank=True)
    warehouses = models.ManyToManyField(Warehouse, verbose_name=_("仓库"), blank=True)

    class Meta:
        verbose_name = _("数据权限")
        verbose_name_plural = _("数据权限")

    def __str__(self):
        return str(self.user)


from ecerp.masterdata.models_import import ImportJob, ImportJobStatus  # noqa: E402,F401
