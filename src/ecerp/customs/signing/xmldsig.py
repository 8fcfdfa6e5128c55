"""The enveloped XML-DSig of the customs messages (CUSTOMS.md §1.9): build and verify.

Written by hand on lxml's C14N rather than with signxml: signxml knows no SM2-SM3 URIs and
refuses SHA-1, and the profile is small and fixed:

    <ds:Signature>                      last child of the CEB message root
      <ds:SignedInfo>
        <ds:CanonicalizationMethod Algorithm="http://www.w3.org/TR/2001/REC-xml-c14n-20010315"/>
        <ds:SignatureMethod Algorithm="...#rsa-sha1 | ...#sm2-sm3"/>
        <ds:Reference URI="">
          <ds:Transforms><ds:Transform Algorithm="...#enveloped-signature"/></ds:Transforms>
          <ds:DigestMethod Algorithm="...#sha1 | ...#sm3"/>
          <ds:DigestValue>Base64(digest(C14N(document without the Signature)))</ds:DigestValue>
        </ds:Reference>
      </ds:SignedInfo>
      <ds:SignatureValue>Base64(sign(C14N(SignedInfo in place)))</ds:SignatureValue>
      <ds:KeyInfo><ds:KeyName>serial or key id</ds:KeyName>[<ds:X509Data><ds:X509Certificate>]</ds:KeyInfo>
    </ds:Signature>

C14N is inclusive C14N 1.0 without comments; SignedInfo is canonicalised where it stands, so it
carries the namespace declarations of the root (ceb, xsi...), as any conforming verifier sees it.
The Signature gets no tail text, so the enveloped-signature transform of another verifier
(xmlsec, E-port) removes exactly what was added.
"""

from __future__ import annotations

import base64
import binascii
import hmac
import threading
from collections.abc import Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING

from cryptography import x509
from cryptography.exceptions import UnsupportedAlgorithm
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa
from lxml import etree

from ecerp.customs.signing.algorithms import (
    C14N_URI,
    DS_NAMESPACE,
    ENVELOPED_URI,
    SUITES,
    SUITES_BY_SIGNATURE_METHOD,
    Suite,
)
from ecerp.customs.signing.errors import SigningCode, SigningError, render
from ecerp.customs.signing.rsa import RsaSha1Key, verify_rsa_sha1
from ecerp.customs.signing.sm2 import Sm2Key, Sm2PublicKey

if TYPE_CHECKING:
    from ecerp.customs.signing.signer import SigningKey

DS = f"{{{DS_NAMESPACE}}}"
SIGNATURE_TAG = DS + "Signature"
_PARSERS = threading.local()  # an lxml parser must not be shared between threads


@dataclass(frozen=True)
class Verification:
    """The outcome of verify(): valid, the suite and key named by the signature, why not (empty when valid)."""

    valid: bool
    algorithm: str
    key_name: str
    reason: str
    code: str = ""


def _parse(xml: bytes) -> etree._Element:
    parser = getattr(_PARSERS, "parser", None)
    if parser is None:
        parser = _PARSERS.parser = etree.XMLParser(resolve_entities=False, no_network=True, remove_blank_text=False)
    return etree.fromstring(xml, parser)


def _c14n(node) -> bytes:
    return etree.tostring(node, method="c14n", exclusive=False, with_comments=False)


def _b64(data: bytes) -> str:
    return base64.b64encode(data).decode("ascii")


def _unb64(text: str | None) -> bytes:
    return base64.b64decode("".join((text or "").split()), validate=True)


def _signatures(root: etree._Element) -> list[etree._Element]:
    return [child for child in root if child.tag == SIGNATURE_TAG]


def _detach(element: etree._Element) -> None:
    """Remove element but keep its tail text in the document (lxml would drop it with the element)."""
    parent, tail = element.getparent(), element.tail
    if tail:
        previous = element.getprevious()
        if previous is not None:
            previous.tail = (previous.tail or "") + tail
        else:
            parent.text = (parent.text or "") + tail
    parent.remove(element)


def _serialise(root: etree._Element) -> bytes:
    return b'<?xml version="1.0" encoding="UTF-8"?>\n' + etree.tostring(root, encoding="UTF-8")


def sign_document(xml: bytes, key: SigningKey) -> bytes:
    """Return xml with an enveloped ds:Signature by key appended as the root's last child.

    An earlier signature directly under the root is replaced. Raises SigningError
    (MESSAGE_NOT_XML, ALGORITHM_UNSUPPORTED).
    """
    suite = SUITES.get(key.algorithm)
    if suite is None:
        raise SigningError(SigningCode.ALGORITHM_UNSUPPORTED, algorithm=key.algorithm)
    try:
        root = _parse(xml)
    except etree.XMLSyntaxError as error:
        raise SigningError(SigningCode.MESSAGE_NOT_XML, detail=str(error)) from error
    for earlier in _signatures(root):
        _detach(earlier)
    digest = suite.digest(_c14n(root.getroottree()))

    signature = etree.SubElement(root, SIGNATURE_TAG, nsmap={"ds": DS_NAMESPACE})
    signed_info = etree.SubElement(signature, DS + "SignedInfo")
    etree.SubElement(signed_info, DS + "CanonicalizationMethod", Algorithm=C14N_URI)
    etree.SubElement(signed_info, DS + "SignatureMethod", Algorithm=suite.signature_method)
    reference = etree.SubElement(signed_info, DS + "Reference", URI="")
    transforms = etree.SubElement(reference, DS + "Transforms")
    etree.SubElement(transforms, DS + "Transform", Algorithm=ENVELOPED_URI)
    etree.SubElement(reference, DS + "DigestMethod", Algorithm=suite.digest_method)
    etree.SubElement(reference, DS + "DigestValue").text = _b64(digest)
    signature_value = etree.SubElement(signature, DS + "SignatureValue")
    key_info = etree.SubElement(signature, DS + "KeyInfo")
    etree.SubElement(key_info, DS + "KeyName").text = key.key_name
    certificate = getattr(key, "certificate", None)
    if certificate:
        x509_data = etree.SubElement(key_info, DS + "X509Data")
        etree.SubElement(x509_data, DS + "X509Certificate").text = _b64(certificate)

    signature_value.text = _b64(key.sign_bytes(_c14n(signed_info)))
    return _serialise(root)


class _Refused(Exception):
    def __init__(self, code: SigningCode, **params):
        self.code = code
        self.params = params


def _algorithm_of(node: etree._Element | None) -> str:
    return "" if node is None else node.get("Algorithm", "")


def _read_suite(signed_info: etree._Element) -> Suite:
    if _algorithm_of(signed_info.find(DS + "CanonicalizationMethod")) != C14N_URI:
        raise _Refused(SigningCode.ALGORITHM_UNSUPPORTED,
                       algorithm=_algorithm_of(signed_info.find(DS + "CanonicalizationMethod")))
    method = _algorithm_of(signed_info.find(DS + "SignatureMethod"))
    suite = SUITES_BY_SIGNATURE_METHOD.get(method)
    if suite is None:
        raise _Refused(SigningCode.ALGORITHM_UNSUPPORTED, algorithm=method)
    return suite


def _read_reference(signed_info: etree._Element, suite: Suite) -> bytes:
    references = signed_info.findall(DS + "Reference")
    if len(references) != 1 or references[0].get("URI") != "":
        raise _Refused(SigningCode.SIGNATURE_MALFORMED, element="ds:Reference URI=\"\"")
    reference = references[0]
    transforms = [_algorithm_of(node) for node in reference.iterfind(f"{DS}Transforms/{DS}Transform")]
    if transforms not in ([ENVELOPED_URI], [ENVELOPED_URI, C14N_URI]):
        raise _Refused(SigningCode.SIGNATURE_MALFORMED, element="ds:Transforms")
    digest_method = _algorithm_of(reference.find(DS + "DigestMethod"))
    if digest_method != suite.digest_method:
        raise _Refused(SigningCode.ALGORITHM_UNSUPPORTED, algorithm=digest_method)
    try:
        return _unb64(reference.findtext(DS + "DigestValue"))
    except (binascii.Error, ValueError) as error:
        raise _Refused(SigningCode.SIGNATURE_MALFORMED, element="ds:DigestValue") from error


def _certificate_in(signature: etree._Element) -> x509.Certificate | None:
    text = signature.findtext(f"{DS}KeyInfo/{DS}X509Data/{DS}X509Certificate")
    if not text or not text.strip():
        return None
    try:
        return x509.load_der_x509_certificate(_unb64(text))
    except (binascii.Error, ValueError) as error:
        raise _Refused(SigningCode.SIGNATURE_MALFORMED, element="ds:X509Certificate") from error


def public_key_of(value):
    """Return a verifying key (RSA public key or Sm2PublicKey) from what a trust list may hold.

    Accepted: an x509.Certificate, an RSA public key, an Sm2PublicKey, a software key (RsaSha1Key,
    Sm2Key), PEM bytes (certificate, RSA or SM2 public key), 64/65 raw bytes or their hex (SM2 point).
    Returns None for a certificate whose key this library cannot read.
    """
    if isinstance(value, (rsa.RSAPublicKey, Sm2PublicKey)):
        return value
    if isinstance(value, (RsaSha1Key, Sm2Key)):
        return value.public_key
    if isinstance(value, x509.Certificate):
        try:
            return value.public_key()
        except (UnsupportedAlgorithm, ValueError):
            return None
    if isinstance(value, str):
        value = value.encode() if value.lstrip().startswith("-----") else bytes.fromhex(value)
    if isinstance(value, bytes):
        if b"-----BEGIN CERTIFICATE-----" in value:
            return public_key_of(x509.load_pem_x509_certificate(value))
        if b"-----BEGIN PUBLIC KEY-----" in value:
            try:
                return serialization.load_pem_public_key(value)
            except (UnsupportedAlgorithm, ValueError):
                return Sm2PublicKey.from_pem(value)
        return Sm2PublicKey(value)
    raise TypeError(f"cannot use {type(value).__name__} as a public key")


def _check_value(public_key, suite: Suite, data: bytes, signature: bytes) -> bool:
    if isinstance(public_key, rsa.RSAPublicKey) and suite.name == "rsa-sha1":
        return verify_rsa_sha1(public_key, data, signature)
    if isinstance(public_key, Sm2PublicKey) and suite.name == "sm2-sm3":
        return public_key.verify(data, signature)
    return False


def verify(xml: bytes, *, trusted: Mapping[str, object] | None = None) -> Verification:
    """Verify the enveloped signature of a customs message.

    Recomputes the digest of the document without its Signature, then checks SignatureValue over
    the canonical SignedInfo with the public key named by KeyName in trusted (any form
    public_key_of() accepts). Without trusted, the certificate embedded in X509Data is used (RSA);
    with trusted, only its keys count. Never raises for a bad message (only for a trusted value of a
    type public_key_of() does not know): the outcome says why a signature is refused
    (codes SIGNATURE_MISSING, DIGEST_MISMATCH, SIGNATURE_INVALID, KEY_UNKNOWN, SIGNATURE_MALFORMED,
    ALGORITHM_UNSUPPORTED, MESSAGE_NOT_XML).
    """
    algorithm = key_name = ""
    try:
        try:
            root = _parse(xml)
        except etree.XMLSyntaxError as error:
            raise _Refused(SigningCode.MESSAGE_NOT_XML, detail=str(error)) from error
        signatures = _signatures(root)
        if not signatures:
            raise _Refused(SigningCode.SIGNATURE_MISSING)
        if len(signatures) > 1:
            raise _Refused(SigningCode.SIGNATURE_MALFORMED, element="ds:Signature")
        signature = signatures[0]
        signed_info = signature.find(DS + "SignedInfo")
        if signed_info is None:
            raise _Refused(SigningCode.SIGNATURE_MALFORMED, element="ds:SignedInfo")
        key_name = (signature.findtext(f"{DS}KeyInfo/{DS}KeyName") or "").strip()
        suite = _read_suite(signed_info)
        algorithm = suite.name
        expected_digest = _read_reference(signed_info, suite)
        try:
            signature_value = _unb64(signature.findtext(DS + "SignatureValue"))
        except (binascii.Error, ValueError) as error:
            raise _Refused(SigningCode.SIGNATURE_MALFORMED, element="ds:SignatureValue") from error
        certificate = _certificate_in(signature)

        signed_bytes = _c14n(signed_info)
        _detach(signature)
        if not hmac.compare_digest(suite.digest(_c14n(root.getroottree())), expected_digest):
            raise _Refused(SigningCode.DIGEST_MISMATCH)

        if trusted is not None:
            try:
                public_key = public_key_of(trusted[key_name]) if key_name in trusted else None
            except ValueError:  # bytes in the trust list that are no key
                public_key = None
        else:
            public_key = public_key_of(certificate) if certificate is not None else None
        if public_key is None:
            raise _Refused(SigningCode.KEY_UNKNOWN, key_name=key_name or "-")
        if not signature_value or not _check_value(public_key, suite, signed_bytes, signature_value):
            raise _Refused(SigningCode.SIGNATURE_INVALID)
    except _Refused as refused:
        return Verification(False, algorithm, key_name, render(refused.code, **refused.params), str(refused.code))
    return Verification(True, algorithm, key_name, "", "")
