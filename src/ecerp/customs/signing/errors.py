"""Codes of the signing part: why a signature was refused, why a message could not be signed."""

from __future__ import annotations

import enum

from django.utils.translation import gettext_lazy as _

from ecerp.core.errors import DomainError


class SigningCode(enum.StrEnum):
    """Stable codes of signing and of the outcome of a verification."""

    SIGNATURE_MISSING = "SIGNATURE_MISSING"
    DIGEST_MISMATCH = "DIGEST_MISMATCH"
    SIGNATURE_INVALID = "SIGNATURE_INVALID"
    KEY_UNKNOWN = "KEY_UNKNOWN"
    SIGNATURE_MALFORMED = "SIGNATURE_MALFORMED"
    ALGORITHM_UNSUPPORTED = "ALGORITHM_UNSUPPORTED"
    MESSAGE_NOT_XML = "MESSAGE_NOT_XML"


MESSAGES = {
    SigningCode.SIGNATURE_MISSING: _("无签名：报文根元素下没有 ds:Signature"),
    SigningCode.DIGEST_MISMATCH: _("摘要不符：报文内容在签名之后被改动"),
    SigningCode.SIGNATURE_INVALID: _("签名无效：签名值与签名信息或公钥不符"),
    SigningCode.KEY_UNKNOWN: _("未知密钥：没有密钥「%(key_name)s」的公钥或证书"),
    SigningCode.SIGNATURE_MALFORMED: _("签名格式错误：%(element)s 缺失或无效"),
    SigningCode.ALGORITHM_UNSUPPORTED: _("不支持的签名算法「%(algorithm)s」"),
    SigningCode.MESSAGE_NOT_XML: _("报文不是格式正确的 XML：%(detail)s"),
}


def render(code: SigningCode, **params) -> str:
    """Return the message of code in the active language, placeholders filled."""
    message = MESSAGES[code]
    return str(message % params) if params else str(message)


class SigningError(DomainError):
    """A message could not be signed (not XML, or a key of an unsupported algorithm)."""

    def __init__(self, code: SigningCode, **params):
        super().__init__(code, MESSAGES[code], **params)
