"""What the user walkthrough of the customs module found, one test per fix: identity numbers typed with
full-width digits, the correction form on the declaration page, the filings import (duplicates, blank
required cells, full-width codes, the column of a refused row), the filing form's HS code, the create page
without a product, the CLI's message for bad JSON, and a resubmission after a rejection (the documents
customs already holds go as changes, appType 2, instead of being refused as duplicates)."""

import io

import pytest
from django.core.management import CommandError, call_command
from django.test import Client

from ecerp.customs.models import ProductFiling
from ecerp.customs.services.declarations import id_hash, submit_declaration, update_identity
from ecerp.customs.services.filings import import_filings
from ecerp.customs.states import DeclarationStatus as D
from ecerp.customs.views.filings import FilingForm
from ecerp.masterdata.importing.problems import ImportFailed
from tests.api.conftest import api_as  # noqa: F401 - the API client fixture of tests/api
from tests.customs.test_declaration_helpers import BUYER_ID, cross_border_store, declare, filed_product
from tests.customs.test_filings import make_product

pytestmark = pytest.mark.django_db

FULL_WIDTH = str.maketrans("0123456789", "０１２３４５６７８９")


def _client(make_user, role):
    user = make_user(f"walk-{role}", role=role)
    client = Client()
    assert client.login(username=f"walk-{role}", password="Secret-pass-123")
    return client, user


def test_an_id_number_typed_with_full_width_digits_is_stored_as_customs_expects_it(make_user):
    # given a declaration whose payer differs from the buyer
    user = make_user("walk-id", role="customs")
    declaration = declare(user, cross_border_store(), [(filed_product("W-1"), 1, "100")], payer_id_number="")
    # when the buyer's number is corrected with full-width digits and spaces (a Chinese input method)
    typed = " " + BUYER_ID.translate(FULL_WIDTH) + " "
    declaration = update_identity(user=user, declaration=declaration,
                                  identity={"buyer_id_number": typed, "payer_id_number": BUYER_ID,
                                            "buyer_phone": "１３８００００００００"})
    # then the message, the payer comparison and the annual quota's keyed hash see one number
    assert declaration.buyer_id_number == BUYER_ID
    assert declaration.buyer_id_hash == id_hash(BUYER_ID)
    assert declaration.buyer_phone == "13800000000"
    assert declaration.status == D.READY


def test_the_declaration_page_corrects_the_waybill_consignee_and_rechecks(make_user):
    # given a declaration failing CONSIGNEE_MISMATCH
    client, user = _client(make_user, "customs")
    declaration = declare(user, cross_border_store(), [(filed_product("W-2"), 1, "100")],
                          waybill_consignee_phone="13900000000")
    assert declaration.status == D.PRECHECK_FAILED
    url = f"/customs/declarations/{declaration.pk}/"
    assert 'id="correct-form"' in client.get(url).content.decode()
    # when the clerk types the order's phone into the form
    answer = client.post(url + "correct/", {"waybill_consignee_phone": declaration.consignee_phone}, follow=True)
    # then it is saved and pre-checked again
    assert "已更正并重新预检" in answer.content.decode()
    declaration.refresh_from_db()
    assert declaration.status == D.READY


def test_the_correction_form_needs_the_personal_data_right(make_user):
    # given operations, who may change declarations but not see personal data
    client, user = _client(make_user, "operations")
    declaration = declare(user, cross_border_store(), [(filed_product("W-3"), 1, "100")],
                          waybill_consignee_phone="13900000000")
    url = f"/customs/declarations/{declaration.pk}/"
    # then the form (which shows the values in clear) is not offered, and a post is refused
    assert 'id="correct-form"' not in client.get(url).content.decode()
    assert client.post(url + "correct/", {"buyer_name": "x"}).status_code == 403


def _import(sheet: str):
    with pytest.raises(ImportFailed) as failed:
        import_filings(user=None, content=sheet.encode("gbk"), filename="filings.csv")
    return [(problem.row, problem.column, problem.code) for problem in failed.value.problems]


HEADER = "商品编码,HS编码,申报品名,规格型号,申报计量单位,法定第一计量单位,法定第一数量,原产国\n"


def test_a_sku_twice_in_the_sheet_is_refused_naming_both_rows():
    make_product("W-4")
    problems = _import(HEADER + "W-4,3304990099,面霜,品牌：无,142,035,0.05,116\n"
                                "W-4,3304990099,面霜二,品牌：无,142,035,0.05,116\n")
    assert problems == [(3, "商品编码", "DUPLICATE_IN_FILE")]
    assert not ProductFiling.objects.exists()


def test_a_blank_required_cell_is_an_error_not_a_kept_value():
    make_product("W-5")
    problems = _import(HEADER + "W-5,3304990099,,品牌：无,142,035,0.05,116\n")
    assert problems == [(2, "申报品名", "REQUIRED")]


def test_full_width_codes_and_trailing_spaces_are_read():
    make_product("W-6")
    sheet = HEADER + "W-6 ,３３０４.９９.００９９ ,面霜 ,品牌：无,142 ,035,０.０５,JP \n"
    result = import_filings(user=None, content=sheet.encode("gbk"), filename="filings.csv")
    filing = ProductFiling.objects.get()
    assert result.created == 1 and filing.hs_code == "3304990099" and filing.origin_country == "116"
    assert str(filing.qty1_per_unit) == "0.05000" or float(filing.qty1_per_unit) == 0.05
    assert filing.gmodel == "品牌：无"  # Chinese punctuation of descriptions is kept


def test_a_refused_row_of_an_approved_filing_names_the_sku_column_and_a_bad_number_is_reported_once():
    make_product("W-7")
    import_filings(user=None, content=(HEADER + "W-7,3304990099,面霜,品牌：无,142,035,0.05,116\n").encode(),
                   filename="f.csv")
    ProductFiling.objects.update(state="approved")
    make_product("W-8")
    problems = _import(HEADER + "W-7,3304990099,面霜,品牌：无,142,035,0.05,116\n"
                                "W-8,3304990099,面霜,品牌：无,142,035,abc,116\n")
    assert problems == [(2, "商品编码", "FILING_NOT_EDITABLE"), (3, "法定第一数量", "INVALID_NUMBER")]


def test_the_filing_form_takes_a_dotted_hs_code_and_the_create_page_needs_a_product(make_user):
    assert FilingForm().fields["hs_code"].widget.attrs["maxlength"] == "20"
    client, _user = _client(make_user, "customs")
    answer = client.get("/customs/filings/new/")
    assert answer.status_code == 302 and answer["Location"] == "/customs/filings/"


def test_cli_bad_json_is_explained_in_the_user_language():
    err = io.StringIO()
    with pytest.raises(CommandError):
        call_command("customs", "quote", stdin=io.StringIO("{not json"), stderr=err)
    assert "JSON 格式错误：第 1 行第 2 列" in err.getvalue()


def test_a_rejected_declaration_corrected_and_resubmitted_is_released_through_the_simulator(tmp_path, make_user):
    # given a list rejected by customs for the waybill's consignee, the order itself accepted (120)
    from ecerp.customs.models import CustomsMessage
    from ecerp.customs.services.declarations import recheck_declaration
    from tests.customs.test_scenarios import World, submitted

    user = make_user("walk-resubmit", role="customs")
    world = World(tmp_path)
    declaration = submitted(user, waybill_consignee_address="上海市浦东新区世纪大道 1 号")
    world.exchange()
    declaration.refresh_from_db()
    assert (declaration.status, declaration.order_status) == (D.REJECTED, "120")
    # when the clerk corrects the waybill, re-checks and submits again
    update_identity(user=user, declaration=declaration,
                    identity={"waybill_consignee_address": declaration.consignee_address})
    recheck_declaration(user=user, declaration=declaration)
    messages = submit_declaration(user=user, declaration=declaration)
    # then the documents customs already holds go as changes (appType 2), the list as new
    app_types = {message.message_type: b"<ceb:appType>2</ceb:appType>" in bytes(message.raw) for message in messages}
    assert app_types == {"CEB311": True, "CEB411": True, "CEB511": True, "CEB621": False}
    # and customs accepts them instead of refusing the order as a duplicate (-301010): released
    world.exchange()
    declaration.refresh_from_db()
    assert declaration.order_status != "-301010"
    assert (declaration.status, declaration.list_status) == (D.RELEASED, "800")
    assert CustomsMessage.objects.filter(declaration=declaration, direction="out").count() == 8


def test_an_order_refused_as_a_duplicate_is_sent_as_a_change_next_time(make_user):
    # given a declaration whose order customs refused as a duplicate (-301010: it holds it already)
    from ecerp.customs.services.declarations import stored_documents

    user = make_user("walk-dup", role="customs")
    declaration = declare(user, cross_border_store(), [(filed_product("W-9"), 1, "100")])
    declaration.order_status, declaration.payment_status, declaration.list_status = "-301010", "100", "-621007"
    # then only the order counts as stored
    assert stored_documents(declaration) == {"CEB311"}


def test_filing_actions_say_what_happened(make_user):
    # given a draft filing
    client, _user = _client(make_user, "customs")
    make_product("W-10")
    import_filings(user=None, content=(HEADER + "W-10,3304990099,面霜,品牌：无,142,035,0.05,116\n").encode(),
                   filename="f.csv")
    filing = ProductFiling.objects.get()
    url = f"/customs/filings/{filing.pk}/"
    # then each action confirms itself on the page
    assert "已提交备案，等待审核" in client.post(url + "submit/", follow=True).content.decode()
    assert "已驳回备案" in client.post(url + "reject/", {"reason": "缺成分"}, follow=True).content.decode()
    import_filings(user=None, content=(HEADER + "W-10,3304990099,面霜,品牌：无；成分：水,142,035,0.05,116\n").encode(),
                   filename="f.csv")  # corrected: a rejected filing is a draft again
    client.post(url + "submit/")
    assert "已审核通过，商品已备案" in client.post(url + "approve/", follow=True).content.decode()
    reopened = client.post(url + "reopen/", {"reason": "换包装"}, follow=True).content.decode()
    assert "已变更为新版本草稿" in reopened


def test_the_findings_column_is_not_confused_with_the_customs_release(make_user):
    # given a failing declaration read in English
    client, user = _client(make_user, "customs")
    declaration = declare(user, cross_border_store(), [(filed_product("W-11"), 1, "100")],
                          waybill_consignee_phone="13900000000")
    html = client.get(f"/customs/declarations/{declaration.pk}/", HTTP_ACCEPT_LANGUAGE="en").content.decode()
    zh = client.get(f"/customs/declarations/{declaration.pk}/", HTTP_ACCEPT_LANGUAGE="zh-hans").content.decode()
    # then the overridden column says so (not "released", the customs outcome 800), and the order is one order
    assert "<th>已人工放行</th>" in zh or "已人工放行" in zh
    assert "Overridden" in html and "<th>Orders</th>" not in html and "<th>Order</th>" in html


def test_message_directions_and_the_declarations_order_read_right_in_english():
    # the inventory's 发出 is the verb "Ship"; a customs message goes "Outgoing"
    from django.utils import translation

    from ecerp.customs.models import Declaration
    from ecerp.customs.states import MessageDirection

    with translation.override("en"):
        assert (str(MessageDirection.OUT.label), str(MessageDirection.IN.label)) == ("Outgoing", "Incoming")
        assert str(Declaration._meta.get_field("order").verbose_name) == "Order"
    with translation.override("zh-hans"):
        assert str(MessageDirection.OUT.label) == "发出"


def test_cli_imports_filings_and_lists_every_problem_with_row_and_column(tmp_path):
    make_product("W-12")
    bad = tmp_path / "filings.csv"
    bad.write_bytes((HEADER + "W-12,33049900,面霜,品牌：无,142,035,0.05,116\nW-12,3304990099,x,x,142,035,1,116\n")
                    .encode("gbk"))
    err = io.StringIO()
    with pytest.raises(CommandError):
        call_command("customs", "import-filings", str(bad), stderr=err)
    assert '"row": 2, "column": "HS编码"' in err.getvalue() and '"row": 3' in err.getvalue()
    good = tmp_path / "good.csv"
    good.write_bytes((HEADER + "W-12,3304.99.0099,面霜,品牌：无,142,035,0.05,JP\n").encode("gbk"))
    out = io.StringIO()
    call_command("customs", "import-filings", str(good), "--dry-run", stdout=out)
    assert '"created": 1' in out.getvalue() and not ProductFiling.objects.exists()
    call_command("customs", "import-filings", str(good), stdout=out)
    assert ProductFiling.objects.get().hs_code == "3304990099"


def test_cli_declare_names_a_missing_or_unknown_order_in_the_user_language():
    for text, expected in (('[{"bogus": 1}]', "第 1 项缺少 order"), ('[{"order": "NOPE"}]', "订单「NOPE」不存在"),
                           ('{"order": 1}', "输入应为 JSON 数组")):
        err = io.StringIO()
        with pytest.raises(CommandError):
            call_command("customs", "declare", stdin=io.StringIO(text), stderr=err)
        assert expected in err.getvalue()


def test_a_return_names_what_is_wrong_and_a_line_named_twice_cannot_exceed_what_was_declared(
        make_user, api_as):  # noqa: F811 - fixture imported above
    # given a released declaration of 2 units
    from ecerp.customs.services.declarations import record_incoming
    from tests.customs.test_declaration_helpers import list_receipt

    user = make_user("walk-ret", role="customs")
    declaration = declare(user, cross_border_store(), [(filed_product("W-13"), 2, "100")])
    submit_declaration(user=user, declaration=declaration)
    for status in ("120", "800"):
        record_incoming(raw=list_receipt(declaration, status), source="t")
    path = f"/api/customs/declarations/{declaration.pk}/return"
    customs = api_as("customs")

    def refused(lines):
        answer = customs.post(path, {"lines": lines, "reason": "破损"})
        assert answer.status_code == 400
        return answer.json()["errors"][0]["message"]

    # then each problem is said as it is
    assert "超过可退数量 2" in refused([{"gnum": 1, "quantity": 3}])
    assert "清单中没有商品序号 9" in refused([{"gnum": 9, "quantity": 1}])
    assert "退货数量应为正整数" in refused([{"gnum": 1, "quantity": -1}])
    # and the same line twice is added up (2 + 2 of 2 declared)
    assert "超过可退数量 2" in refused([{"gnum": 1, "quantity": 2}, {"gnum": 1, "quantity": 2}])
    # while full-width digits typed on the page are read
    client, _user = _client(make_user, "customs")
    answer = client.post(f"/customs/declarations/{declaration.pk}/return/", {"return_1": "１", "reason": "破损"},
                         follow=True)
    assert "已提交退货申请" in answer.content.decode()


def test_a_misspelt_field_is_refused_by_name_not_dropped(make_user, api_as):  # noqa: F811 - fixture imported above
    # given a failing declaration
    user = make_user("walk-typo", role="customs")
    declaration = declare(user, cross_border_store(), [(filed_product("W-14"), 1, "100")], payer_id_number="")
    customs = api_as("customs")
    # when the API is sent a misspelt identity field (or filing field), then it is named, nothing changes
    answer = customs.patch(f"/api/customs/declarations/{declaration.pk}", {"buyer_idnumber": BUYER_ID})
    assert answer.status_code == 400 and answer.json()["errors"][0]["field"] == "buyer_idnumber"
    answer = customs.post("/api/customs/filings", {"sku": "W-14", "hscode": "3304990099"})
    assert answer.status_code == 400 and answer.json()["errors"][0]["field"] == "hscode"


def test_a_channel_saved_without_a_required_partner_is_refused_not_a_server_error(make_user):
    # given a cross-border store (bonded) and the customs clerk on its channel page
    from tests.customs.test_filings import channel_data, cross_border_setup

    store, parties = cross_border_setup("cbec_1210")
    client, _user = _client(make_user, "customs")
    data = {key: getattr(value, "pk", value) for key, value in channel_data(parties, trade_mode="1210").items()}
    data.update(platform="", ems_no="ｔ４６１２ｗ００００１ ", regime="comprehensive", area=parties["logistics"].pk)
    # when the platform is left blank, then it is named (it was a 500: the relation raised on access)
    answer = client.post(f"/customs/channels/{store.pk}/", data)
    assert answer.status_code == 200 and "不能为空" in answer.content.decode()
    # and with it, the account book number typed full-width is saved as customs has it
    from ecerp.customs.models import CustomsChannel

    data["platform"] = parties["platform"].pk
    saved = client.post(f"/customs/channels/{store.pk}/", data)
    assert saved.status_code == 302, saved.content.decode().split("messagelist")[-1][:800]
    assert CustomsChannel.objects.get(store=store).ems_no == "T4612W00001"


def test_a_rate_written_as_a_percentage_is_read_as_the_fraction():
    make_product("W-15")
    sheet = (HEADER.strip() + ",关税税率,消费税规则,消费税税率\n"
             "W-15,3304990099,面霜,品牌：无,142,035,0.05,116,１０％,always,15 %\n")
    import_filings(user=None, content=sheet.encode("gbk"), filename="f.csv")
    filing = ProductFiling.objects.get()
    assert (float(filing.tariff_rate), float(filing.consumption_tax_rate)) == (0.10, 0.15)
    # and a percentage that is not a number is still refused by name
    make_product("W-16")
    problems = _import(HEADER.strip() + ",关税税率\nW-16,3304990099,面霜,品牌：无,142,035,0.05,116,abc%\n")
    assert problems == [(2, "关税税率", "INVALID_NUMBER")]


def test_customs_own_words_on_a_refusal_are_shown_beside_the_codes_label(make_user):
    # given a list refused by customs with its reason
    from ecerp.customs.services.declarations import record_incoming
    from tests.customs.test_declaration_helpers import list_receipt

    client, user = _client(make_user, "customs")
    declaration = declare(user, cross_border_store(), [(filed_product("W-17"), 1, "100")])
    submit_declaration(user=user, declaration=declaration)
    record_incoming(raw=list_receipt(declaration, "-621007", info="订单收货人信息与运单不一致"), source="t")
    # then the message log, the detail's messages and its timeline give the reason, not only the code's label
    log = client.get("/customs/messages/").content.decode()
    detail = client.get(f"/customs/declarations/{declaration.pk}/").content.decode()
    assert '<span class="cc-reason">订单收货人信息与运单不一致</span>' in log
    assert detail.count("订单收货人信息与运单不一致") >= 3  # header, message summary, timeline


def test_the_console_offers_to_tick_the_whole_page_to_those_who_may_act(make_user):
    client, user = _client(make_user, "customs")
    declare(user, cross_border_store(), [(filed_product("W-18"), 1, "100")])
    assert 'id="select-page"' in client.get("/customs/").content.decode()
    reader, _reader = _client(make_user, "finance")
    assert 'id="select-page"' not in reader.get("/customs/").content.decode()


def test_a_what_if_hs_code_may_be_written_as_on_a_filing():
    from ecerp.customs.services.quote import quote

    data = {"regime": "comprehensive", "decl_date": "2026-11-30", "buyer_name": "张三", "buyer_id_number": BUYER_ID,
            "consignee_name": "张三", "consignee_phone": "13800000001", "address": "文三路1号",
            "lines": [{"sku_code": "CREAM-50", "quantity": 1, "unit_price": "1000", "hs_code": "３３０４.９９.００９９",
                       "vat_rate": "0.13", "consumption_tax_rate": "0.15"}]}
    assert quote(data)["tax"]["total"] == "230.59"


def test_the_quote_refuses_absurd_amounts_names_line_fields_and_finds_the_quota_of_a_full_width_id(make_user):
    from ecerp.core.errors import DomainError
    from ecerp.customs.services.declarations import record_incoming
    from ecerp.customs.services.quote import quote
    from tests.customs.test_declaration_helpers import list_receipt
    from tests.customs.test_quote import order, what_if

    def refused(data):
        with pytest.raises(DomainError) as error:
            quote(data)
        return [(detail.field, detail.message) for detail in error.value.details]

    # an amount whose tax would overflow (it was a server error), an absurd quantity, a list as the SKU
    assert refused(order(regime="comprehensive", lines=[what_if("1e309", vat_rate="0.13")]))[0][0] == \
        "lines.1.unit_price"
    assert refused(order(regime="comprehensive", lines=[what_if("1", quantity=10**10)]))[0][0] == "lines.1.quantity"
    assert refused(order(regime="comprehensive", lines=[{"sku": ["x"], "quantity": 1, "unit_price": "5"}]))[0][0] == \
        "lines.1.sku"
    # given a released declaration of 22,000 for the buyer, when quoted with the ID typed full-width
    user = make_user("walk-quota", role="customs")
    declaration = declare(user, cross_border_store(), [(filed_product("BIG-9"), 1, "22000")])
    submit_declaration(user=user, declaration=declaration)
    record_incoming(raw=list_receipt(declaration, "800"), source="t")
    typed = BUYER_ID.translate(FULL_WIDTH)
    answer = quote(order(regime="comprehensive", buyer_id_number=typed, payer_id_number=BUYER_ID,
                         lines=[what_if("4500", vat_rate="0.13")]))
    # then it is the same buyer: the quota is exceeded (and the payer is the buyer)
    assert [item["code"] for item in answer["findings"]] == ["ANNUAL_QUOTA_EXCEEDED"]
