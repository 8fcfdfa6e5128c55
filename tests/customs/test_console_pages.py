"""Customs console pages: the declaration list (filters, exceptions first, fixed query count), the detail
(masked or revealed personal data, raw XML only with the permission), each action through its service, the
message log, permissions and the English rendering."""

import itertools

import pytest
from django.test import Client

from ecerp.customs.models import CustomsMessage, Declaration
from ecerp.customs.services.declarations import record_incoming, submit_declaration
from ecerp.customs.states import DeclarationStatus as D
from tests.customs.test_declaration_helpers import BUYER_ID, cross_border_store, declare, filed_product, list_receipt

pytestmark = pytest.mark.django_db
_products = itertools.count(1)


def _client(make_user, role):
    user = make_user(f"page-{role}", role=role)
    client = Client()
    assert client.login(username=f"page-{role}", password="Secret-pass-123")
    return client, user


def _declaration(user, value="100", **identity):
    product = filed_product(f"CON-{next(_products)}")
    return declare(user, cross_border_store(), [(product, 1, value)], **identity)


def _submitted(user, *statuses):
    declaration = _declaration(user)
    submit_declaration(user=user, declaration=declaration)
    for status in statuses:
        record_incoming(raw=list_receipt(declaration, status), source="test")
    declaration.refresh_from_db()
    return declaration


def _html(response) -> str:
    assert response.status_code == 200, response.content[:500]
    return response.content.decode()


def test_the_console_lists_exceptions_first_and_filters(make_user):
    # given declarations that are ready, failing a pre-check, rejected by customs and in manual review
    client, user = _client(make_user, "customs")
    ready = _declaration(user)
    failed = _declaration(user, payer_name="李四")
    rejected = _submitted(user, "100")
    review = _submitted(user, "120", "300")
    assert (failed.status, rejected.status, review.status) == (D.PRECHECK_FAILED, D.REJECTED, D.MANUAL_REVIEW)
    # when the console opens
    html = _html(client.get("/customs/"))
    # then pre-check failures, rejections and manual review come first, in that order, then the rest
    order = [html.index(declaration.cop_no) for declaration in (failed, rejected, review, ready)]
    assert order == sorted(order)
    assert 'data-status="precheck_failed"' in html and "PAYER_NOT_BUYER" in html
    # and the counts by state are links
    assert 'href="?status=manual_review"' in html
    # when filtered by finding code, only the failing one is listed
    html = _html(client.get("/customs/", {"finding": "PAYER_NOT_BUYER"}))
    assert failed.cop_no in html and ready.cop_no not in html
    # when filtered by state, exceptions only, or a number
    html = _html(client.get("/customs/", {"status": "ready"}))
    assert ready.cop_no in html and failed.cop_no not in html
    html = _html(client.get("/customs/", {"exceptions": "1"}))
    assert review.cop_no in html and ready.cop_no not in html
    html = _html(client.get("/customs/", {"q": ready.order_no}))
    assert ready.cop_no in html and failed.cop_no not in html
    html = _html(client.get("/customs/", {"date_from": "2099-01-01"}))
    assert ready.cop_no not in html


def test_the_console_costs_the_same_queries_for_one_declaration_or_many(make_user, django_assert_max_num_queries):
    # given one declaration, the page's query count is measured
    client, user = _client(make_user, "customs")
    _declaration(user, payer_name="李四")
    client.get("/customs/")
    with django_assert_max_num_queries(14) as few:
        _html(client.get("/customs/"))
    # when there are many more, each with findings, the page costs no more queries
    for _index in range(6):
        _declaration(user, payer_name="李四")
    with django_assert_max_num_queries(len(few.captured_queries)):
        html = _html(client.get("/customs/"))
    assert html.count("PAYER_NOT_BUYER") >= 7


def test_the_detail_masks_personal_data_and_hides_raw_xml_without_the_permission(make_user):
    # given a submitted declaration
    customs, user = _client(make_user, "customs")
    declaration = _submitted(user, "120")
    # when the customs role (personal data allowed) opens it: the full ID and the raw XML are shown
    html = _html(customs.get(f"/customs/declarations/{declaration.pk}/"))
    assert BUYER_ID in html and "buyerIdNumber" in html and "CEB311" in html
    assert 'class="cc-xml cc-raw"' in html and "&lt;ceb:CEB311Message" in html
    assert "raw-hidden-note" not in html
    # and the receipt shows with its label, the timeline with the state labels
    assert "海关入库" in html and "已生成报文" in html
    # when finance (no personal data) opens it: the ID is masked and the raw XML is replaced by a note
    finance, _user = _client(make_user, "finance")
    html = _html(finance.get(f"/customs/declarations/{declaration.pk}/"))
    assert BUYER_ID not in html and "110101********1233" in html
    assert "cc-raw" not in html and "raw-hidden-note" in html
    # and finance sees no action
    assert 'id="actions"' not in html


def test_recheck_override_and_submit_on_the_detail_page(make_user):
    # given a declaration failing a pre-check
    client, user = _client(make_user, "customs")
    declaration = _declaration(user, payer_name="李四")
    url = f"/customs/declarations/{declaration.pk}/"
    # when it is submitted, then the domain error is shown and nothing is sent
    html = _html(client.post(url + "submit/", follow=True))
    assert "预检未通过，不能申报" in html
    # when it is rechecked, it still fails
    html = _html(client.post(url + "recheck/", follow=True))
    assert "已重新预检" in html
    # when overridden without a reason, then the error; with a reason, it is ready
    html = _html(client.post(url + "override/", {"reason": " "}, follow=True))
    assert "请填写放行预检的理由" in html
    html = _html(client.post(url + "override/", {"reason": "支付人为配偶"}, follow=True))
    assert "已放行预检" in html
    declaration.refresh_from_db()
    assert declaration.status == D.READY
    # when submitted, the four messages are queued
    html = _html(client.post(url + "submit/", follow=True))
    assert "已生成报文" in html
    assert CustomsMessage.objects.filter(declaration=declaration, direction="out").count() == 4
    # and a recheck now fails with the domain message
    html = _html(client.post(url + "recheck/", follow=True))
    assert "申报单已申报，不能重新预检" in html


def test_cancel_and_return_requests_on_the_detail_page(make_user):
    client, user = _client(make_user, "customs")
    # given an accepted declaration: cancel without a reason fails, with a reason it is cancelling
    accepted = _submitted(user, "120")
    url = f"/customs/declarations/{accepted.pk}/"
    assert "请填写撤销原因" in _html(client.post(url + "cancel/", {"reason": ""}, follow=True))
    assert "已提交撤销申请" in _html(client.post(url + "cancel/", {"reason": "买家取消"}, follow=True))
    accepted.refresh_from_db()
    assert accepted.status == D.CANCELLING
    # given a released declaration: a return of too many fails, of one unit succeeds
    released = _submitted(user, "120", "800")
    url = f"/customs/declarations/{released.pk}/"
    assert 'id="return-form"' in _html(client.get(url))
    html = _html(client.post(url + "return/", {"reason": "退货", "return_1": "5"}, follow=True))
    assert "退货数量 5 超过可退数量 1" in html
    html = _html(client.post(url + "return/", {"reason": "退货", "return_1": "1"}, follow=True))
    assert "已提交退货申请" in html
    released.refresh_from_db()
    assert released.status == D.RETURNING


def test_batch_recheck_and_submit_report_each_row(make_user):
    # given a ready declaration and one failing a pre-check
    client, user = _client(make_user, "customs")
    ready = _declaration(user)
    failed = _declaration(user, payer_name="李四")
    # when both are submitted from the console
    html = _html(client.post("/customs/declarations/batch/", {"action": "submit",
                                                              "declarations": [ready.pk, failed.pk]}, follow=True))
    # then each row has its result: one submitted, one refused with the domain message
    assert f"{ready.cop_no}：已生成 4 份报文" in html
    assert f"{failed.cop_no}：预检未通过，不能申报" in html
    # when the failing one is rechecked in batch, its codes are named
    html = _html(client.post("/customs/declarations/batch/", {"action": "recheck", "declarations": [failed.pk]},
                             follow=True))
    assert f"{failed.cop_no}：预检未通过（PAYER_NOT_BUYER）" in html
    # finance may not act in batch
    finance, _user = _client(make_user, "finance")
    html = _html(finance.post("/customs/declarations/batch/", {"action": "recheck", "declarations": [failed.pk]},
                              follow=True))
    assert "没有权限执行此操作" in html


def test_pages_refuse_users_without_the_permission(make_user):
    # given a declaration and users of roles without the customs permissions
    _customs, user = _client(make_user, "customs")
    declaration = _declaration(user)
    warehouse, _user = _client(make_user, "warehouse")
    for path in ("/customs/", f"/customs/declarations/{declaration.pk}/", "/customs/messages/"):
        assert warehouse.get(path).status_code == 403
    # operations may read but neither submit nor override
    operations, _user = _client(make_user, "operations")
    assert operations.get(f"/customs/declarations/{declaration.pk}/").status_code == 200
    assert operations.post(f"/customs/declarations/{declaration.pk}/submit/").status_code == 403
    assert operations.post(f"/customs/declarations/{declaration.pk}/override/", {"reason": "x"}).status_code == 403
    # and an unknown declaration is a 404
    assert operations.get("/customs/declarations/999999/").status_code == 404


def test_the_message_log_lists_filters_and_shows_one_message(make_user):
    # given a declaration with four messages sent and one receipt
    client, user = _client(make_user, "customs")
    declaration = _submitted(user, "120")
    html = _html(client.get("/customs/messages/"))
    assert html.count('data-direction="out"') == 4 and html.count('data-direction="in"') == 1
    # filters: direction, type, number
    html = _html(client.get("/customs/messages/", {"direction": "in"}))
    assert 'data-direction="out"' not in html and "CEB622" in html
    html = _html(client.get("/customs/messages/", {"type": "CEB411"}))
    assert html.count('data-direction="out"') == 1
    assert "CEB411" in _html(client.get("/customs/messages/", {"q": declaration.cop_no}))
    assert 'data-direction' not in _html(client.get("/customs/messages/", {"q": "no-such-number"}))
    # the receipt's detail: decoded, labelled, and raw for the customs role
    receipt = CustomsMessage.objects.get(declaration=declaration, direction="in")
    html = _html(client.get(f"/customs/messages/{receipt.pk}/"))
    assert "海关入库" in html and 'id="raw-xml"' in html and "&lt;ceb:CEB622Message" in html
    # finance sees the decoded content but not the raw XML
    finance, _user = _client(make_user, "finance")
    html = _html(finance.get(f"/customs/messages/{receipt.pk}/"))
    assert "raw-hidden-note" in html and 'id="raw-xml"' not in html and "return_status" in html
    assert client.get("/customs/messages/999999/").status_code == 404


def test_the_console_renders_in_english(make_user):
    # given a declaration failing a pre-check
    client, user = _client(make_user, "customs")
    declaration = _declaration(user, payer_name="李四")
    # when the console and the detail are asked for in English
    html = _html(client.get("/customs/", HTTP_ACCEPT_LANGUAGE="en"))
    detail = _html(client.get(f"/customs/declarations/{declaration.pk}/", HTTP_ACCEPT_LANGUAGE="en"))
    # then the labels are English
    assert "Customs console" in html and "报关控制台" not in html
    assert "Pre-check finding" in detail and "预检问题" not in detail and "Override pre-checks" in detail
    assert Declaration.objects.count() == 1
