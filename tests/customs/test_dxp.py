"""The DXP terminal envelope: wrap validates against the official XSD, unwrap gives the message back."""

import base64
from datetime import UTC, datetime

import pytest

from ecerp.customs import dxp, schema
from ecerp.customs.messages import EnvelopeInvalid, MessageError, build_message
from tests.customs import documents as samples


def _message():
    return build_message("CEB311", samples.sample_documents("CEB311"), samples.base_transfer())


def test_wrapped_message_validates_against_the_dxp_xsd_and_round_trips():
    # given an order message
    message = _message()
    # when it is wrapped
    envelope = dxp.wrap(message, message_type="CEB311", sender_id=samples.DXP_ID, receiver_ids=["DXPEDCCEB0000002"],
                        cop_msg_id="ECERP-0001", created=datetime(2026, 3, 15, 2, 30, tzinfo=UTC))
    # then the envelope is valid
    assert schema.validate_envelope(envelope) == []
    # and unwrapping gives back the same bytes and transfer data
    read = dxp.unwrap(envelope)
    assert read.message == message
    assert read.cop_msg_id == "ECERP-0001"
    assert read.sender_id == samples.DXP_ID
    assert read.receiver_ids == ("DXPEDCCEB0000002",)
    assert read.message_type == "CEB311Message"
    assert read.created == datetime(2026, 3, 15, 2, 30, tzinfo=UTC)
    assert read.file_name == "CEB311Message_ECERP-0001.xml"
    assert b"<dxp:CreatTime>2026-03-15T10:30:00</dxp:CreatTime>" in envelope


def test_wrap_defaults_a_message_id_and_accepts_several_receivers():
    envelope = dxp.wrap(_message(), message_type="CEB311Message", sender_id=samples.DXP_ID,
                        receiver_ids=("DXPEDCCEB0000002", "DXPENT0000099999"))
    read = dxp.unwrap(envelope)
    assert read.cop_msg_id and read.receiver_ids == ("DXPEDCCEB0000002", "DXPENT0000099999")
    assert read.created.tzinfo is not None


def test_wrap_refuses_no_sender_empty_message_and_too_many_receivers():
    for kwargs in (
        {"message": b"", "sender_id": samples.DXP_ID},
        {"message": _message(), "sender_id": ""},
        {"message": _message(), "sender_id": samples.DXP_ID, "receiver_ids": [f"R{index}" for index in range(6)]},
        {"message": _message(), "sender_id": samples.DXP_ID, "receiver_ids": []},
    ):
        with pytest.raises(EnvelopeInvalid) as caught:
            dxp.wrap(message_type="CEB311", **kwargs)
        assert caught.value.code == MessageError.ENVELOPE_INVALID


def test_unwrap_refuses_an_envelope_that_is_not_valid():
    # given an envelope whose sender id is too long for the XSD
    envelope = dxp.wrap(_message(), message_type="CEB311", sender_id="X" * 17)
    # then unwrap refuses it, naming the element
    with pytest.raises(EnvelopeInvalid) as caught:
        dxp.unwrap(envelope)
    assert "dxp:SenderId" in str(caught.value)
    # and without validation it is read
    assert dxp.unwrap(envelope, validate=False).sender_id == "X" * 17


def test_unwrap_refuses_other_xml_and_broken_base64():
    with pytest.raises(EnvelopeInvalid):
        dxp.unwrap(_message())
    message = _message()
    envelope = dxp.wrap(message, message_type="CEB311", sender_id=samples.DXP_ID)
    data = base64.b64encode(message)
    with pytest.raises(EnvelopeInvalid):
        dxp.unwrap(envelope.replace(data, b"%%%" + data), validate=False)
