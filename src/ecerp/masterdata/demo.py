"""The demo company: a believable cross-border e-commerce seller, built through the master-data services.

Everything is derived from one fixed seed, so two fresh databases get the same codes, names,
prices and numbers. Identity numbers carry correct check characters (python-stdnum), barcodes
are valid EAN-13, and every record passes the same checks as one typed in by hand, because it
is written by the same services (save_* and set_bundle_components).
"""

from __future__ import annotations

import datetime
import random
from decimal import Decimal

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from stdnum import ean
from stdnum.cn import ric, uscc

from ecerp.core import services as core_services
from ecerp.core.errors import Conflict, ErrorCode
from ecerp.masterdata import services
from ecerp.masterdata.models import PartnerRole, Platform, StoreType, WarehouseType
from ecerp.masterdata.states import EmployeeStatus

SEED = 20261129
DEMO_SETTING_KEY = "demo_company_loaded"

CENT = Decimal("0.01")
GRAM = Decimal("0.001")

# --- departments and employees ---------------------------------------------------------------------

# (department, parent, [(position, headcount), ...]); the first position is the department head.
DEPARTMENTS = [
    ("总经办", None, [("总经理", 1), ("总经理助理", 1)]),
    ("运营部", None, [("运营总监", 1)]),
    ("天猫组", "运营部", [("天猫运营主管", 1), ("天猫运营专员", 2)]),
    ("京东组", "运营部", [("京东运营主管", 1), ("京东运营专员", 1)]),
    ("拼多多组", "运营部", [("拼多多运营主管", 1), ("拼多多运营专员", 1)]),
    ("抖音组", "运营部", [("抖音运营主管", 1), ("主播", 2)]),
    ("仓储部", None, [("仓库主管", 1), ("收货员", 1), ("拣货员", 2), ("打包员", 1)]),
    ("采购部", None, [("采购经理", 1), ("采购专员", 2)]),
    ("财务部", None, [("财务经理", 1), ("会计", 1), ("出纳", 1)]),
    ("关务部", None, [("关务主管", 1), ("关务专员", 1)]),
    ("客服部", None, [("客服主管", 1), ("客服专员", 3)]),
]

SURNAMES = "王李张刘陈杨黄赵吴周徐孙马朱胡郭何林罗高郑梁谢宋唐许韩冯邓曹彭曾肖田董潘袁蒋蔡余杜叶程魏苏吕丁沈任姚卢"
GIVEN = ["伟", "芳", "娜", "敏", "静", "丽", "强", "磊", "军", "洋", "勇", "艳", "杰", "娟", "涛", "明", "超",
         "秀英", "霞", "平", "刚", "桂英", "晓东", "子涵", "雨萱", "浩然", "欣怡", "宇航", "思远", "佳怡", "梓轩",
         "嘉豪", "诗琪", "俊杰", "婷婷", "晨阳", "一鸣", "雅琴", "志强", "海燕"]
# Residence areas (GB/T 2260) whose codes python-stdnum accepts for birth years from 1985.
AREAS = ["110101", "110105", "310104", "440305", "440106", "330106", "320106", "420106", "410105"]
MOBILE_PREFIXES = ["138", "139", "136", "137", "150", "151", "158", "186", "187", "188", "177", "199"]

# --- partners ----------------------------------------------------------------------------------------

OWN_COMPANY = dict(name="杭州云禾跨境电子商务有限公司", short_name="云禾电商", area="330106", city="3301",
                   address="浙江省杭州市西湖区文三路 478 号华星时代广场 12 楼")

# (name, short name, roles, registration area, customs city or None, address)
DOMESTIC_PARTNERS = [
    ("浙江天猫网络有限公司", "天猫", [PartnerRole.PLATFORM], "330100", "3301",
     "浙江省杭州市余杭区文一西路 969 号"),
    ("北京京东世纪贸易有限公司", "京东", [PartnerRole.PLATFORM], "110115", "1101",
     "北京市大兴区亦庄经济技术开发区科创十一街 18 号"),
    ("上海寻梦信息技术有限公司", "拼多多", [PartnerRole.PLATFORM], "310105", None,
     "上海市长宁区娄山关路 533 号"),
    ("北京抖音信息服务有限公司", "抖音", [PartnerRole.PLATFORM], "110108", None,
     "北京市海淀区知春路 63 号"),
    ("顺丰速运有限公司", "顺丰速运", [PartnerRole.LOGISTICS], "440300", "4403",
     "广东省深圳市宝安区福永街道国际航空路"),
    ("中通快递股份有限公司", "中通快递", [PartnerRole.LOGISTICS], "310118", None,
     "上海市青浦区华新镇华志路 1685 号"),
    ("北京京邦达贸易有限公司", "京东物流", [PartnerRole.LOGISTICS], "110115", "1101",
     "北京市大兴区亦庄经济技术开发区"),
    ("中国邮政速递物流股份有限公司", "EMS", [PartnerRole.LOGISTICS], "110102", "1101",
     "北京市西城区金融大街甲 3 号"),
    ("浙江菜鸟供应链管理有限公司", "菜鸟", [PartnerRole.LOGISTICS], "330100", "3301",
     "浙江省杭州市余杭区五常街道"),
    ("支付宝（中国）网络技术有限公司", "支付宝", [PartnerRole.PAYMENT], "310115", "3122",
     "上海市浦东新区银城中路 501 号"),
    ("财付通支付科技有限公司", "财付通/微信支付", [PartnerRole.PAYMENT], "440300", "4403",
     "广东省深圳市南山区海天二路 33 号"),
    ("银联电子支付服务有限公司", "银联", [PartnerRole.PAYMENT], "310115", "3122",
     "上海市浦东新区顾唐路 1699 号"),
    ("郑州中原通关服务有限公司", "中原通关", [PartnerRole.CUSTOMS_BROKER], "410100", "4101",
     "河南省郑州市新郑综合保税区综保路 8 号"),
    ("广州美程化妆品供应链有限公司", "美程供应链", [PartnerRole.SUPPLIER], "440106", None,
     "广东省广州市天河区黄埔大道西 100 号"),
    ("上海贝亲母婴用品贸易有限公司", "贝亲贸易", [PartnerRole.SUPPLIER], "310104", None,
     "上海市徐汇区漕溪北路 88 号"),
    ("杭州味源食品有限公司", "味源食品", [PartnerRole.SUPPLIER], "330106", None,
     "浙江省杭州市西湖区三墩镇振华路 200 号"),
    ("宁波佳居家居用品有限公司", "佳居家居", [PartnerRole.SUPPLIER], "330200", None,
     "浙江省宁波市鄞州区首南街道"),
    ("深圳优联数码科技有限公司", "优联数码", [PartnerRole.SUPPLIER], "440305", None,
     "广东省深圳市南山区科技园南区"),
    ("上海优选母婴连锁有限公司", "优选母婴", [PartnerRole.CUSTOMER], "310104", None,
     "上海市徐汇区天钥桥路 30 号"),
    ("苏州乐购商贸有限公司", "乐购商贸", [PartnerRole.CUSTOMER, PartnerRole.SUPPLIER], "320500", None,
     "江苏省苏州市工业园区星湖街 328 号"),
]

# (name, short name, country, contact, bank, currency)
OVERSEAS_SUPPLIERS = [
    ("Sakura Beauty Trading Co., Ltd.", "樱花美妆", "JP", "Yuki Tanaka", "MUFG Bank, Tokyo", "JPY"),
    ("Hanbit Cosmetics Co., Ltd.", "韩光化妆品", "KR", "Min-jun Kim", "Shinhan Bank, Seoul", "KRW"),
    ("Pacific Wellness Inc.", "太平洋健康", "US", "Emily Carter", "Bank of America, Los Angeles", "USD"),
    ("Southern Cross Health Pty Ltd", "南十字健康", "AU", "Liam Nguyen", "Commonwealth Bank, Sydney", "AUD"),
    ("Kiwi Dairy Export Ltd", "奇异乳业", "NZ", "Olivia Brown", "ANZ Bank, Auckland", "NZD"),
    ("Maison Belle SAS", "美丽之家", "FR", "Camille Martin", "BNP Paribas, Paris", "EUR"),
    ("Rheinland Naturwaren GmbH", "莱茵天然", "DE", "Lukas Schmidt", "Commerzbank, Köln", "EUR"),
    ("Holland Nutrition B.V.", "荷兰营养", "NL", "Daan de Vries", "ING Bank, Amsterdam", "EUR"),
]

DIALLING_CODES = {"杭州": "0571", "北京": "010", "上海": "021", "深圳": "0755", "广州": "020", "郑州": "0371",
                  "宁波": "0574", "苏州": "0512"}
BANKS = ["招商银行", "中国工商银行", "中国建设银行", "中国银行", "交通银行", "浦发银行", "杭州银行"]

# --- categories and products -------------------------------------------------------------------------

# HS codes and customs units (JGS-20: 142 瓶, 122 罐, 140 盒, 125 包, 035 千克) of the cross-border lines.
HS_COSMETICS, HS_CLEANSER, HS_FORMULA, HS_DIAPER, HS_SUPPLEMENT = (
    "3304990099", "3401300000", "1901101000", "9619001100", "2106909090")

# level 1 > level 2 > leaf: hs code ("" for domestic goods), unit, customs unit, cost range (CNY, smallest
# spec), brand lines [(brand, origin, [product names])], specs [(label, net kg)].
CATALOGUE = [
    ("美妆护肤", "面部护理", "面霜", HS_COSMETICS, "瓶", "142", (120, 520), [
        ("资生堂", "JP", ["悦薇智感紧塑面霜", "百优丰盈提拉霜", "红妍肌活面霜"]),
        ("SK-II", "JP", ["大红瓶赋能焕采精华霜", "肌源修护精华霜"]),
        ("雪花秀", "KR", ["滋阴生人参面霜", "雨润面霜"]),
        ("兰芝", "KR", ["水衡透润保湿霜"]),
        ("雅诗兰黛", "US", ["多效智妍面霜", "白金级花菁萃紧颜面霜"]),
        ("倩碧", "US", ["黄油无油配方润肤露"]),
        ("兰蔻", "FR", ["菁纯臻颜面霜", "塑颜紧致面霜"]),
        ("娇韵诗", "FR", ["弹簧面霜"]),
        ("妮维雅", "DE", ["蓝罐润肤霜"]),
    ], [("30ml", "0.030"), ("50ml", "0.050"), ("75ml", "0.075")]),
    ("美妆护肤", "面部护理", "精华", HS_COSMETICS, "瓶", "142", (150, 600), [
        ("SK-II", "JP", ["护肤精华露神仙水", "小灯泡美白精华"]),
        ("资生堂", "JP", ["红腰子精华", "悦薇珀翡紧颜亮肤精华"]),
        ("雅诗兰黛", "US", ["特润修护肌活精华露小棕瓶", "微精华原生液"]),
        ("兰蔻", "FR", ["小黑瓶肌底精华液", "极光精华水"]),
        ("娇韵诗", "FR", ["双萃赋活修护精华"]),
        ("兰芝", "KR", ["水酷精华"]),
        ("雪花秀", "KR", ["润燥养肤精华"]),
    ], [("30ml", "0.030"), ("50ml", "0.050"), ("100ml", "0.100")]),
    ("美妆护肤", "面部护理", "面膜", HS_COSMETICS, "盒", "140", (45, 160), [
        ("美迪惠尔", "KR", ["N.M.F 针剂水库面膜", "茶树舒缓面膜", "胶原蛋白紧致面膜"]),
        ("SK-II", "JP", ["护肤面膜"]),
        ("兰芝", "KR", ["睡眠面膜"]),
        ("雪花秀", "KR", ["玉容撕拉面膜"]),
        ("肌美精", "JP", ["3D 补水面膜", "美白面膜"]),
    ], [("5片装", "0.125"), ("10片装", "0.250"), ("20片装", "0.500")]),
    ("美妆护肤", "面部护理", "洁面", HS_CLEANSER, "支", "142", (40, 150), [
        ("资生堂", "JP", ["洗颜专科柔澈泡沫洁面乳"]),
        ("芙丽芳丝", "JP", ["氨基酸净润洗面霜"]),
        ("倩碧", "US", ["液体洁面皂"]),
        ("理肤泉", "FR", ["清痘净肤洁面啫喱"]),
        ("妮维雅", "DE", ["男士控油洁面乳", "温和洁面乳"]),
        ("雪花秀", "KR", ["顺行洁面膏"]),
    ], [("100g", "0.100"), ("150g", "0.150")]),
    ("美妆护肤", "面部护理", "爽肤水", HS_COSMETICS, "瓶", "142", (90, 380), [
        ("资生堂", "JP", ["肌源焕活精萃水", "红色蜜露精华化妆水"]),
        ("雪花秀", "KR", ["滋盈肌本润颜水"]),
        ("兰芝", "KR", ["水衡清盈爽肤水"]),
        ("兰蔻", "FR", ["粉水清滢柔肤水"]),
        ("科颜氏", "US", ["金盏花植物爽肤水"]),
    ], [("100ml", "0.100"), ("200ml", "0.200"), ("400ml", "0.400")]),
    ("美妆护肤", "防晒卸妆", "防晒", HS_COSMETICS, "瓶", "142", (60, 220), [
        ("安热沙", "JP", ["金瓶防晒乳", "小金瓶防晒啫喱"]),
        ("碧柔", "JP", ["水活防晒保湿凝露"]),
        ("理肤泉", "FR", ["大哥大防晒乳"]),
        ("兰蔻", "FR", ["小白管防晒乳"]),
        ("兰芝", "KR", ["隔离防晒霜"]),
    ], [("60ml", "0.060"), ("90ml", "0.090")]),
    ("美妆护肤", "防晒卸妆", "卸妆", HS_COSMETICS, "瓶", "142", (50, 180), [
        ("植村秀", "JP", ["琥珀臻萃洁颜油"]),
        ("贝德玛", "FR", ["舒妍多效洁肤液", "净妍控油洁肤液"]),
        ("芙丽芳丝", "JP", ["净润卸妆啫喱"]),
    ], [("150ml", "0.150"), ("450ml", "0.450")]),
    ("美妆护肤", "身体护理", "身体乳", HS_COSMETICS, "瓶", "142", (40, 200), [
        ("妮维雅", "DE", ["美白身体乳", "深层润肤身体乳"]),
        ("凡士林", "US", ["特润修护身体乳"]),
        ("伊索", "AU", ["赋活芳香身体乳"]),
        ("欧舒丹", "FR", ["乳木果身体乳", "樱花身体乳"]),
    ], [("200ml", "0.200"), ("400ml", "0.400")]),
    ("母婴", "奶粉辅食", "婴幼儿奶粉", HS_FORMULA, "罐", "122", (150, 260), [
        ("爱他美", "DE", ["婴儿配方奶粉 1 段", "较大婴儿配方奶粉 2 段", "幼儿配方奶粉 3 段"]),
        ("爱他美", "NZ", ["卓萃婴儿配方奶粉 1 段", "卓萃较大婴儿配方奶粉 2 段", "卓萃幼儿配方奶粉 3 段"]),
        ("a2", "NZ", ["至初婴儿配方奶粉 1 段", "至初较大婴儿配方奶粉 2 段", "至初幼儿配方奶粉 3 段"]),
        ("牛栏", "NL", ["婴儿配方奶粉 1 段", "较大婴儿配方奶粉 2 段", "幼儿配方奶粉 3 段"]),
        ("美赞臣", "US", ["铂睿婴儿配方奶粉 1 段", "铂睿较大婴儿配方奶粉 2 段", "铂睿幼儿配方奶粉 3 段"]),
        ("喜宝", "DE", ["有机婴儿配方奶粉 1 段", "有机较大婴儿配方奶粉 2 段", "有机幼儿配方奶粉 3 段"]),
        ("贝拉米", "AU", ["有机婴儿配方奶粉 1 段", "有机较大婴儿配方奶粉 2 段", "有机幼儿配方奶粉 3 段"]),
        ("雅培", "US", ["菁智婴儿配方奶粉 1 段", "菁智幼儿配方奶粉 3 段"]),
    ], [("800g", "0.800"), ("900g", "0.900")]),
    ("母婴", "奶粉辅食", "辅食", "", "盒", "", (18, 45), [
        ("英氏", "CN", ["有机高铁米粉", "多维营养面条", "果蔬泥"]),
        ("小皮", "CN", ["原味有机米粉", "苹果香蕉泥"]),
        ("秋田满满", "CN", ["宝宝面条", "无添加肉松"]),
    ], [("1盒", "0.250"), ("3盒装", "0.750")]),
    ("母婴", "尿裤湿巾", "纸尿裤", HS_DIAPER, "包", "125", (80, 140), [
        ("花王妙而舒", "JP", ["婴儿纸尿裤", "婴儿拉拉裤"]),
        ("大王", "JP", ["光羽纸尿裤", "天使拉拉裤"]),
        ("帮宝适", "JP", ["一级帮纸尿裤"]),
        ("尤妮佳", "JP", ["moony 纸尿裤"]),
    ], [("NB90片", "1.400"), ("S82片", "1.500"), ("M64片", "1.600"), ("L54片", "1.650"), ("XL44片", "1.700")]),
    ("母婴", "尿裤湿巾", "湿巾", "", "包", "", (8, 20), [
        ("全棉时代", "CN", ["婴儿手口湿巾", "纯棉柔巾"]),
        ("子初", "CN", ["婴儿湿巾"]),
    ], [("80抽", "0.400"), ("80抽×6包", "2.400")]),
    ("保健品", "营养补充", "维生素", HS_SUPPLEMENT, "瓶", "142", (60, 180), [
        ("Swisse", "AU", ["复合维生素片 男士", "复合维生素片 女士", "维生素C泡腾片", "钙+维生素D片"]),
        ("Blackmores", "AU", ["维生素D3软胶囊", "孕期复合维生素", "维生素B族片"]),
        ("Nature Made", "US", ["维生素C片", "复合维生素软胶囊", "维生素E软胶囊"]),
        ("DHC", "JP", ["维生素C片", "复合维生素B"]),
        ("Doppelherz", "DE", ["复合维生素泡腾片"]),
    ], [("60粒", "0.100"), ("120粒", "0.180"), ("180粒", "0.260")]),
    ("保健品", "营养补充", "鱼油", HS_SUPPLEMENT, "瓶", "142", (90, 220), [
        ("Swisse", "AU", ["深海鱼油软胶囊"]),
        ("Blackmores", "AU", ["无腥味深海鱼油"]),
        ("Nature Made", "US", ["Omega-3 鱼油软胶囊"]),
        ("GNC", "US", ["三倍浓缩鱼油"]),
        ("Nordic Naturals", "US", ["儿童 DHA 鱼油"]),
    ], [("200粒", "0.350"), ("400粒", "0.650")]),
    ("保健品", "营养补充", "益生菌", HS_SUPPLEMENT, "盒", "140", (100, 260), [
        ("Life Space", "AU", ["成人益生菌胶囊", "儿童益生菌粉", "孕妇益生菌胶囊"]),
        ("Culturelle", "US", ["儿童益生菌咀嚼片", "成人益生菌胶囊"]),
        ("BioGaia", "SE", ["婴幼儿益生菌滴剂"]),
    ], [("30粒", "0.050"), ("60粒", "0.090")]),
    ("食品", "休闲零食", "坚果", "", "袋", "", (15, 60), [
        ("三只松鼠", "CN", ["每日坚果", "夏威夷果", "碧根果", "手剥巴旦木"]),
        ("良品铺子", "CN", ["每日坚果", "开心果", "腰果"]),
        ("百草味", "CN", ["坚果大礼包", "猪肉脯"]),
    ], [("150g", "0.150"), ("500g", "0.500")]),
    ("食品", "休闲零食", "饼干糕点", "", "盒", "", (12, 45), [
        ("良品铺子", "CN", ["手撕面包", "蛋黄酥"]),
        ("稻香村", "CN", ["京八件糕点礼盒", "枣花酥"]),
        ("知味观", "CN", ["杭州特产桂花糕"]),
    ], [("400g", "0.400"), ("1000g", "1.000")]),
    ("食品", "冲调饮品", "咖啡", "", "盒", "", (30, 90), [
        ("隅田川", "CN", ["挂耳咖啡", "冻干咖啡粉"]),
        ("三顿半", "CN", ["超即溶精品咖啡"]),
        ("永璞", "CN", ["闪萃咖啡液"]),
    ], [("10袋", "0.100"), ("24袋", "0.240")]),
    ("食品", "冲调饮品", "茶叶", "", "盒", "", (40, 200), [
        ("西湖牌", "CN", ["明前龙井", "雨前龙井"]),
        ("大益", "CN", ["普洱熟茶"]),
        ("八马", "CN", ["安溪铁观音"]),
    ], [("100g", "0.100"), ("250g", "0.250")]),
    ("家居", "收纳整理", "收纳箱", "", "个", "", (20, 80), [
        ("茶花", "CN", ["加厚塑料收纳箱", "抽屉式收纳柜"]),
        ("禧天龙", "CN", ["透明收纳箱", "衣物收纳袋"]),
    ], [("30L", "1.200"), ("60L", "2.100"), ("90L", "2.900")]),
    ("家居", "厨房用品", "锅具", "", "个", "", (80, 300), [
        ("苏泊尔", "CN", ["不粘炒锅", "不锈钢汤锅", "麦饭石煎锅"]),
        ("爱仕达", "CN", ["铸铁炒锅", "不粘平底锅"]),
    ], [("26cm", "1.800"), ("30cm", "2.400")]),
    ("家居", "厨房用品", "保温杯", "", "个", "", (40, 150), [
        ("哈尔斯", "CN", ["不锈钢保温杯", "儿童吸管保温杯"]),
        ("希诺", "CN", ["双层玻璃杯"]),
    ], [("350ml", "0.250"), ("500ml", "0.320"), ("750ml", "0.450")]),
    ("家居", "床上用品", "四件套", "", "套", "", (150, 500), [
        ("罗莱", "CN", ["纯棉四件套", "天丝四件套"]),
        ("水星家纺", "CN", ["全棉磨毛四件套", "60支长绒棉四件套"]),
    ], [("1.5m床", "2.200"), ("1.8m床", "2.600")]),
    ("数码配件", "充电", "充电器", "", "个", "", (30, 120), [
        ("绿联", "CN", ["氮化镓快充充电器", "多口桌面充电站"]),
        ("倍思", "CN", ["氮化镓多口充电器"]),
        ("安克", "CN", ["安芯充 Pro"]),
    ], [("30W", "0.060"), ("65W", "0.120"), ("100W", "0.200")]),
    ("数码配件", "充电", "数据线", "", "根", "", (10, 40), [
        ("绿联", "CN", ["Type-C 快充数据线", "苹果 MFi 认证数据线"]),
        ("倍思", "CN", ["编织快充数据线", "三合一数据线"]),
    ], [("1m", "0.030"), ("2m", "0.050")]),
    ("数码配件", "充电", "移动电源", "", "个", "", (60, 180), [
        ("安克", "CN", ["磁吸无线充电宝"]),
        ("小米", "CN", ["移动电源 3"]),
    ], [("10000mAh", "0.220"), ("20000mAh", "0.400")]),
    ("数码配件", "音频与保护", "耳机", "", "副", "", (80, 400), [
        ("漫步者", "CN", ["真无线降噪耳机", "头戴式蓝牙耳机"]),
        ("倍思", "CN", ["真无线蓝牙耳机"]),
    ], [("黑色", "0.060"), ("白色", "0.060"), ("蓝色", "0.060")]),
    ("数码配件", "音频与保护", "手机壳", "", "个", "", (8, 30), [
        ("倍思", "CN", ["iPhone 15 透明壳", "iPhone 15 Pro 磁吸壳"]),
        ("绿联", "CN", ["iPhone 15 液态硅胶壳", "iPhone 15 Pro Max 防摔壳"]),
    ], [("透明", "0.030"), ("黑色", "0.030"), ("蓝色", "0.030")]),
    ("数码配件", "音频与保护", "屏幕保护膜", "", "盒", "", (10, 40), [
        ("绿联", "CN", ["iPhone 15 钢化膜", "iPhone 15 Pro 钢化膜", "iPad 类纸膜"]),
        ("倍思", "CN", ["iPhone 15 防窥膜"]),
    ], [("单片装", "0.020"), ("两片装", "0.035")]),
]

# GS1 prefixes by origin (EAN-13 barcodes of each brand start with one of these).
GS1_PREFIXES = {"CN": "690", "JP": "49", "KR": "880", "US": "00", "AU": "93", "NZ": "94", "FR": "30",
                "DE": "40", "NL": "87", "SE": "73"}

# Bundle (gift set) leaves: (leaf name, level-1 group of its components, how many gift sets).
BUNDLE_LEAVES = [("美妆礼盒", "美妆护肤", 8), ("母婴礼盒", "母婴", 4), ("保健礼盒", "保健品", 4),
                 ("零食礼盒", "食品", 4)]

# --- warehouses and stores ---------------------------------------------------------------------------

WAREHOUSES = [
    dict(key="normal", name="杭州余杭普通仓", type=WarehouseType.NORMAL, customs_area_code="", operator=None,
         address="浙江省杭州市余杭区仁和街道仓前路 66 号"),
    dict(key="bonded", name="郑州新郑综保仓", type=WarehouseType.BONDED, customs_area_code="4612",
         operator="菜鸟", address="河南省郑州市新郑综合保税区申报大厅北侧 3 号库"),
    dict(key="third_party", name="京东物流上海嘉定仓", type=WarehouseType.THIRD_PARTY, customs_area_code="",
         operator="京东物流", address="上海市嘉定区马陆镇宝安公路 2999 号"),
]

# (name, platform, shop id, type, platform partner, default warehouse key)
STORES = [
    ("云禾天猫旗舰店", Platform.TMALL, "2201456789", StoreType.DOMESTIC, "天猫", "normal"),
    ("云禾京东官方旗舰店", Platform.JD, "1000123456", StoreType.DOMESTIC, "京东", "third_party"),
    ("云禾拼多多官方店", Platform.PINDUODUO, "586712345", StoreType.DOMESTIC, "拼多多", "normal"),
    ("云禾抖音旗舰店", Platform.DOUYIN, "73456123", StoreType.DOMESTIC, "抖音", "normal"),
    ("云禾天猫国际海外旗舰店", Platform.TMALL_GLOBAL, "2208765432", StoreType.BONDED, "天猫", "bonded"),
]


def _money(value: float) -> Decimal:
    return Decimal(str(value)).quantize(CENT)


def _organisation_code(rng: random.Random) -> str:
    """Return a 9-character organisation code (GB 11714) with its own check character."""
    body = f"{rng.randrange(10**7, 10**8)}"
    weights = (3, 7, 9, 10, 5, 8, 4, 2)
    remainder = 11 - sum(int(digit) * weight for digit, weight in zip(body, weights, strict=True)) % 11
    return body + {10: "X", 11: "0"}.get(remainder, str(remainder))


def _credit_code(rng: random.Random, area: str) -> str:
    """Return a unified social credit code of a company (91) registered in area, with its check character."""
    body = f"91{area}{_organisation_code(rng)}"
    return body + uscc.calc_check_digit(body)


def _customs_code(rng: random.Random, city: str, kind: str = "6") -> str:
    """Return a 10-character customs registration code: city, economic zone (9 other), kind, sequence."""
    return f"{city}9{kind}{rng.randrange(1000, 10000)}"


def _resident_id(rng: random.Random, birth: datetime.date, male: bool) -> str:
    sequence = rng.randrange(0, 500) * 2 + (1 if male else 0)
    body = f"{rng.choice(AREAS)}{birth:%Y%m%d}{sequence:03d}"
    return body + ric.calc_check_digit(body + "0")  # stdnum expects the number with a check position


def _city(address: str) -> str:
    """Return the city of a Chinese address (浙江省杭州市... -> 杭州, 北京市... -> 北京)."""
    return address.split("省", 1)[-1].split("市", 1)[0]


def _mobile(rng: random.Random) -> str:
    return f"{rng.choice(MOBILE_PREFIXES)}{rng.randrange(10**8):08d}"


def _date(rng: random.Random, start: datetime.date, end: datetime.date) -> datetime.date:
    return start + datetime.timedelta(days=rng.randrange((end - start).days + 1))


class _Builder:
    """Builds the demo company step by step; each step writes through the master-data services."""

    def __init__(self, user):
        self.user = user
        self.rng = random.Random(SEED)
        self.departments: dict = {}
        self.partners: dict = {}
        self.warehouses: dict = {}
        self.leaves: dict = {}
        self.products_by_group: dict[str, list] = {}
        self.counts: dict[str, int] = {}
        self._names: set[str] = set()

    def _count(self, key: str, amount: int = 1) -> None:
        self.counts[key] = self.counts.get(key, 0) + amount

    def _person_name(self) -> str:
        while True:
            name = self.rng.choice(SURNAMES) + self.rng.choice(GIVEN)
            if name not in self._names:
                self._names.add(name)
                return name

    def departments_and_employees(self) -> None:
        for name, parent, _positions in DEPARTMENTS:
            self.departments[name] = services.save_department(
                user=self.user, data={"name": name, "parent": self.departments.get(parent)})
            self._count("departments")
        left_once = False
        for name, _parent, positions in DEPARTMENTS:
            department, head = self.departments[name], None
            for position, headcount in positions:
                for _index in range(headcount):
                    employee = self._employee(department, position, on_leave=not left_once and position == "拣货员")
                    left_once = left_once or employee.status == EmployeeStatus.ON_LEAVE
                    head = head or employee
            services.save_department(user=self.user, instance=department, data={"manager_name": head.name})

    def _employee(self, department, position: str, on_leave: bool):
        rng = self.rng
        male = rng.random() < 0.5
        birth = _date(rng, datetime.date(1985, 1, 1), datetime.date(1996, 12, 31))
        employee = services.save_employee(user=self.user, data={
            "name": self._person_name(),
            "department": department,
            "position": position,
            "hire_date": _date(rng, datetime.date(2016, 3, 1), datetime.date(2025, 10, 31)),
            "status": EmployeeStatus.ON_LEAVE if on_leave else EmployeeStatus.ACTIVE,
            "id_number": _resident_id(rng, birth, male),
            "phone": _mobile(rng),
        })
        self._count("employees")
        return employee

    def partners_contacts_banks(self) -> None:
        rng = self.rng
        validity = {"customs_code_valid_from": datetime.date(2019, 1, 1),
                    "customs_code_valid_until": datetime.date(2029, 12, 31)}
        own = OWN_COMPANY
        rows = [(own["name"], own["short_name"], [PartnerRole.ECOMMERCE], own["area"], own["city"], own["address"]),
                *DOMESTIC_PARTNERS]
        for name, short_name, roles, area, city, address in rows:
            data = {"name": name, "short_name": short_name, "roles": [str(role) for role in roles],
                    "social_credit_code": _credit_code(rng, area), "country": "CN", "address": address,
                    "telephone": f"{DIALLING_CODES[_city(address)]}-{rng.randrange(10**7, 10**8)}"}
            if city:
                kind = "8" if PartnerRole.CUSTOMS_BROKER in roles else "6"
                data.update(customs_code=_customs_code(rng, city, kind), **validity)
            if PartnerRole.SUPPLIER in roles:
                data["payment_days"] = rng.choice([30, 45, 60])
            if PartnerRole.CUSTOMER in roles:
                data["credit_limit"] = Decimal(rng.choice([200000, 500000, 1000000]))
            partner = services.save_partner(user=self.user, data=data)
            self.partners[short_name] = partner
            self._contact_and_bank(partner, contact=self._person_name(), phone=_mobile(rng),
                                   bank=f"{rng.choice(BANKS)}{_city(address)}分行", currency="CNY")
        for name, short_name, country, contact, bank, currency in OVERSEAS_SUPPLIERS:
            partner = services.save_partner(user=self.user, data={
                "name": name, "short_name": short_name, "roles": [str(PartnerRole.SUPPLIER)], "country": country,
                "payment_days": rng.choice([0, 30, 60]), "remark": str(_("海外供应商，预付或信用证结算")),
            })
            self.partners[short_name] = partner
            self._contact_and_bank(partner, contact=contact, phone="", bank=bank, currency=currency)
        for partner in self.partners.values():
            for role in partner.roles:
                self._count(f"partners_{str(role)}")
        self._count("partners", len(self.partners))

    def _contact_and_bank(self, partner, *, contact: str, phone: str, bank: str, currency: str) -> None:
        services.save_partner_contact(user=self.user, data={
            "partner": partner, "name": contact, "title": str(_("业务对接人")), "phone": phone, "is_primary": True})
        services.save_partner_bank_account(user=self.user, data={
            "partner": partner, "bank_name": bank, "account_name": partner.name, "currency": currency,
            "account_number": f"{self.rng.randrange(10**15, 10**16)}{self.rng.randrange(100, 1000)}",
            "is_default": True})
        self._count("contacts")
        self._count("bank_accounts")

    def categories(self) -> None:
        groups = [(level1, level2, leaf) for level1, level2, leaf, *_rest in CATALOGUE]
        groups += [("礼盒套装", "节日礼盒", leaf) for leaf, _group, _count in BUNDLE_LEAVES]
        nodes: dict[tuple, object] = {}
        for path in groups:
            for depth in range(1, 4):
                key = path[:depth]
                if key not in nodes:
                    nodes[key] = services.save_category(
                        user=self.user, data={"name": key[-1], "parent": nodes.get(key[:-1])})
                    self._count("categories")
            self.leaves[path[2]] = nodes[path]

    def products(self) -> None:
        rng = self.rng
        brand_prefixes: dict[tuple[str, str], str] = {}
        item_numbers: dict[str, int] = {}
        for level1, _level2, leaf, hs_code, unit, customs_unit, (low, high), lines, specs in CATALOGUE:
            for brand, origin, names in lines:
                key = (brand, origin)
                while key not in brand_prefixes:
                    country = GS1_PREFIXES[origin]
                    width = 7 - len(country)
                    candidate = f"{country}{rng.randrange(10**(width - 1), 10**width)}"
                    if candidate not in brand_prefixes.values():
                        brand_prefixes[key] = candidate
                prefix = brand_prefixes[key]
                for name in names:
                    base = rng.uniform(low, high)
                    smallest = Decimal(specs[0][1])
                    for spec, net in specs:
                        item_numbers[prefix] = item_numbers.get(prefix, 0) + 1
                        body = f"{prefix}{item_numbers[prefix]:05d}"
                        barcode = body + ean.calc_check_digit(body)
                        self._product(level1, leaf, brand, origin, name, spec, Decimal(net), barcode, unit,
                                      hs_code, customs_unit, base * float(Decimal(net) / smallest) ** 0.7)

    def _product(self, group, leaf, brand, origin, name, spec, net, barcode, unit, hs_code, customs_unit,
                 cost: float):
        rng = self.rng
        sale = _money(round(cost * rng.uniform(1.45, 1.95)) - 0.1)
        cross_border = bool(hs_code)
        product = services.save_product(user=self.user, data={
            "name": f"{brand} {name}", "specification": spec, "brand": brand, "category": self.leaves[leaf],
            "barcode": barcode, "unit": unit, "net_weight": net.quantize(GRAM),
            "gross_weight": (net * Decimal("1.15") + Decimal("0.05")).quantize(GRAM),
            "cost_price": _money(cost), "sale_price": sale,
            "origin_country": origin, "is_cross_border": cross_border,
            "hs_code": hs_code, "customs_unit": customs_unit,
        })
        self.products_by_group.setdefault(group, []).append(product)
        self._count("products")
        self._count("cross_border_products" if cross_border else "domestic_products")

    def bundles(self) -> None:
        rng, sequence = self.rng, 0
        for leaf, group, how_many in BUNDLE_LEAVES:
            by_brand: dict[str, list] = {}
            for product in self.products_by_group[group]:
                by_brand.setdefault(product.brand, []).append(product)
            brands = sorted(brand for brand, items in by_brand.items() if len({p.name for p in items}) >= 2)
            for number in range(how_many):
                brand = brands[number % len(brands)]
                distinct = {}
                for product in by_brand[brand]:
                    distinct.setdefault(product.name, product)
                choices = sorted(distinct.values(), key=lambda p: p.code)
                picked = rng.sample(choices, min(len(choices), rng.choice([2, 3])))
                lines = [(product, rng.choice([1, 1, 2])) for product in picked]
                sequence += 1
                body = f"6931234{sequence:05d}"
                cost = sum((p.cost_price * q for p, q in lines), Decimal(0))
                sale = sum((p.sale_price * q for p, q in lines), Decimal(0))
                bundle = services.save_product(user=self.user, data={
                    "name": f"{brand} {leaf.removesuffix('礼盒')}礼盒 {number + 1} 号",
                    "specification": " + ".join(f"{p.name.removeprefix(brand + ' ')}×{q}" for p, q in lines)[:200],
                    "brand": brand, "category": self.leaves[leaf], "unit": "套",
                    "barcode": body + ean.calc_check_digit(body),
                    "cost_price": cost.quantize(CENT),
                    "sale_price": (sale * Decimal("0.9")).quantize(Decimal(1)) - Decimal("0.10"),
                    "origin_country": "", "is_cross_border": False,
                })
                services.set_bundle_components(user=self.user, bundle=bundle, components=lines)
                self._count("bundles")
                self._count("products")

    def warehouses_and_locations(self) -> None:
        rng = self.rng
        for spec in WAREHOUSES:
            operator = self.partners.get(spec["operator"]) if spec["operator"] else None
            warehouse = services.save_warehouse(user=self.user, data={
                "name": spec["name"], "type": spec["type"], "address": spec["address"],
                "contact_name": self._person_name(), "contact_phone": _mobile(rng),
                "customs_area_code": spec["customs_area_code"], "operator": operator,
            })
            self.warehouses[spec["key"]] = warehouse
            self._count("warehouses")
            for code, zone in self._location_codes(spec["key"]):
                services.save_location(user=self.user, data={
                    "warehouse": warehouse, "code": code, "zone": zone, "name": f"{zone}区 {code}",
                    "pick_sequence": self.counts.get(f"locations_{spec['key']}", 0) + 1,
                })
                self._count("locations")
                self._count(f"locations_{spec['key']}")

    @staticmethod
    def _location_codes(key: str) -> list[tuple[str, str]]:
        if key == "normal":  # zone-row-shelf: A-01-01 .. A-04-05, B-01-01 .. B-02-05
            return [(f"{zone}-{row:02d}-{shelf:02d}", zone) for zone, rows in (("A", 4), ("B", 2))
                    for row in range(1, rows + 1) for shelf in range(1, 6)]
        if key == "bonded":
            return [(f"BS-{row:02d}-{shelf:02d}", "BS") for row in range(1, 4) for shelf in range(1, 5)]
        return [(f"JD-{row:02d}", "JD") for row in range(1, 5)]

    def stores(self) -> None:
        own = self.partners[OWN_COMPANY["short_name"]]
        for name, platform, shop_id, store_type, platform_partner, warehouse in STORES:
            services.save_store(user=self.user, data={
                "name": name, "platform": platform, "shop_id": shop_id, "type": store_type,
                "platform_partner": self.partners[platform_partner], "ecommerce_company": own,
                "default_warehouse": self.warehouses[warehouse],
            })
            self._count("stores")
            self._count("cross_border_stores" if store_type != StoreType.DOMESTIC else "domestic_stores")


def demo_loaded() -> bool:
    """True when the demo company has been loaded into this database."""
    return bool(core_services.get_setting(DEMO_SETTING_KEY))


def build_demo_company(user) -> dict[str, int]:
    """Create the demo company in one transaction and return how many records of each kind it wrote.

    Raises Conflict (CONFLICT) when the demo company was loaded before; writes nothing then.
    Any record refused by a service (e.g. a code already taken by hand-entered data) rolls back all.
    """
    with transaction.atomic():
        if demo_loaded():
            raise Conflict(ErrorCode.CONFLICT, _("演示公司已于 %(when)s 加载，不会重复创建"),
                           when=core_services.get_setting(DEMO_SETTING_KEY))
        core_services.ensure_default_rules()
        builder = _Builder(user)
        builder.departments_and_employees()
        builder.partners_contacts_banks()
        builder.categories()
        builder.products()
        builder.bundles()
        builder.warehouses_and_locations()
        builder.stores()
        core_services.set_setting(user=user, key=DEMO_SETTING_KEY,
                                  value=timezone.localtime().strftime("%Y-%m-%d %H:%M:%S"))
    return builder.counts
