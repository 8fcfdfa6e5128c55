"""The domain error: codes, fields, rendered Chinese messages, API shape and HTTP status."""

from ecerp.core.errors import Conflict, DomainError, ErrorCode, ErrorDetail, NotFound, PermissionDenied
from ecerp.core.states import InvalidTransition
from ecerp.masterdata.errors import MasterdataInvalid


def test_as_dict_shape():
    # given an error with a field and a parameter
    error = DomainError(ErrorCode.NEGATIVE_AMOUNT, "不能为负数：%(value)s", field="sale_price", value="-1")
    # then the API shape lists it with field, code and the rendered message
    assert error.as_dict() == {"errors": [{"field": "sale_price", "code": "NEGATIVE_AMOUNT",
                                           "message": "不能为负数：-1"}]}
    assert str(error) == "不能为负数：-1"
    assert error.code == "NEGATIVE_AMOUNT" and error.field == "sale_price" and error.http_status == 400


def test_row_is_included_only_when_given():
    error = DomainError("INVALID_HS_CODE", "HS编码无效", field="hs_code", row=7)
    assert error.as_dict()["errors"][0] == {"field": "hs_code", "code": "INVALID_HS_CODE", "message": "HS编码无效",
                                            "row": 7}


def test_message_defaults_to_the_code():
    assert DomainError("SOMETHING").as_dict()["errors"][0]["message"] == "SOMETHING"


def test_many_keeps_every_detail():
    # given two problems of one form
    details = [ErrorDetail(code="REQUIRED", message="「名称」不能为空", field="name"),
               ErrorDetail(code="INVALID_HS_CODE", message="HS编码无效", field="hs_code")]
    # when they are raised as one error
    error = MasterdataInvalid.many(details)
    # then both are reported, in order, and the first gives code and field
    assert isinstance(error, MasterdataInvalid)
    assert [item["field"] for item in error.as_dict()["errors"]] == ["name", "hs_code"]
    assert error.code == "REQUIRED" and error.field == "name"


def test_many_works_for_subclasses_with_their_own_constructor():
    # given the details of two missing records
    details = [ErrorDetail(code="NOT_FOUND", message="商品「A」不存在", field="sku"),
               ErrorDetail(code="NOT_FOUND", message="商品「B」不存在", field="sku")]
    # when NotFound and Conflict gather them
    missing = NotFound.many(details)
    clash = Conflict.many(details)
    # then they keep their class and status
    assert isinstance(missing, NotFound) and missing.http_status == 404 and len(missing.details) == 2
    assert isinstance(clash, Conflict) and clash.http_status == 409


def test_http_statuses():
    assert NotFound("商品", "SKU1").http_status == 404
    assert PermissionDenied("masterdata.change_product").http_status == 403
    assert Conflict(ErrorCode.CONFLICT, "冲突").http_status == 409
    assert InvalidTransition(ErrorCode.INVALID_TRANSITION, "x").http_status == 409
    assert MasterdataInvalid("INVALID_HS_CODE", "x").http_status == 400


def test_not_found_and_permission_denied_messages():
    missing = NotFound("商品", "SKU9", field="sku")
    assert missing.code == "NOT_FOUND" and missing.field == "sku" and str(missing) == "商品「SKU9」不存在"
    denied = PermissionDenied("masterdata.change_product")
    assert denied.code == "PERMISSION_DENIED" and "masterdata.change_product" in str(denied)
