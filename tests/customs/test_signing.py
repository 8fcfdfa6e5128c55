"""Signing of the customs messages: enveloped XML-DSig with RSA-SHA1 and SM2-SM3, and its verification."""

from __future__ import annotations

import base64
import os
import shutil
import stat
import subprocess

import pytest
from django.conf import settings
from django.test import override_settings
from django.utils import translation
from lxml import etree

from ecerp.customs.signing import (
    RSA_SHA1,
    SM2_SM3,
    EnvelopedSigner,
    SigningCode,
    SigningError,
    Sm2PublicKey,
    get_signer,
    software_signer,
    trusted_software_keys,
    verify,
)
from ecerp.customs.signing.keys import _load, key_path
from ecerp.customs.signing.sm2 import Sm2Key

CEB = "http://www.chinaport.gov.cn/ceb"
DS = "http://www.w3.org/2000/09/xmldsig#"
ALGORITHMS = [RSA_SHA1, SM2_SM3]

CEB_MESSAGE = """<?xml version="1.0" encoding="UTF-8"?>
<ceb:CEB311Message guid="4CDE1CFD-EDED-46B1-946C-B8022E42FC94" version="1.0"
    xmlns:ceb="http://www.chinaport.gov.cn/ceb" xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance">
  <ceb:Order>
    <ceb:OrderHead>
      <ceb:guid>4CDE1CFD-EDED-46B1-946C-B8022E42FC94</ceb:guid>
      <ceb:orderNo>SO-2026-0001</ceb:orderNo>
      <ceb:buyerName>张三</ceb:buyerName>
      <ceb:goodsValue>199.00</ceb:goodsValue>
    </ceb:OrderHead>
  </ceb:Order>
  <ceb:BaseTransfer>
    <ceb:copCode>3122480063</ceb:copCode>
    <ceb:copName>上海海澜国际贸易有限公司 &amp; 分公司</ceb:copName>
    <ceb:dxpMode>DXP</ceb:dxpMode>
    <ceb:dxpId>DXPENT0000000001</ceb:dxpId>
  </ceb:BaseTransfer>
</ceb:CEB311Message>
""".encode()

# Default namespace, several prefixes, an inherited xml:lang, attributes out of order, a comment.
PREFIXED_MESSAGE = """<?xml version="1.0" encoding="UTF-8"?>
<Envelope xmlns="urn:example:outer" xmlns:a="urn:example:a" xmlns:b="urn:example:b" xml:lang="zh">
  <!-- comments are not signed -->
  <a:Head z="2" a="1"><b:Item b:code="X&lt;1">第一</b:Item></a:Head>
  <Body><a:Value>12.50</a:Value><b:Empty/></Body>
</Envelope>
""".encode()


@pytest.fixture
def key_dir(tmp_path):
    _load.cache_clear()
    yield tmp_path / "keys"
    _load.cache_clear()


def signature_of(xml: bytes) -> etree._Element:
    return etree.fromstring(xml)[-1]


def replace_once(xml: bytes, old: bytes, new: bytes) -> bytes:
    assert xml.count(old) == 1
    return xml.replace(old, new)


@pytest.mark.parametrize("algorithm", ALGORITHMS)
def test_a_signed_ceb_message_verifies_with_the_signers_key(algorithm, key_dir):
    # given a software signer and a CEB message in the ceb namespace
    signer = software_signer(algorithm, key_dir)

    # when the message is signed and verified with the signer's public key
    signed = signer.sign(CEB_MESSAGE)
    outcome = verify(signed, trusted={signer.key_name: signer.key.public_key})

    # then it is valid and names the algorithm and the key; the signature is the root's last child
    assert outcome.valid, outcome.reason
    assert (outcome.algorithm, outcome.key_name, outcome.reason) == (algorithm, signer.key_name, "")
    root = etree.fromstring(signed)
    assert root[-1].tag == f"{{{DS}}}Signature"
    assert root[-1].findtext(f"{{{DS}}}KeyInfo/{{{DS}}}KeyName") == signer.key_name
    assert root[-2].tag == f"{{{CEB}}}BaseTransfer"
    assert signed.startswith(b'<?xml version="1.0" encoding="UTF-8"?>')


@pytest.mark.parametrize("algorithm", ALGORITHMS)
def test_a_message_with_namespace_prefixes_round_trips(algorithm, key_dir):
    # given a document with a default namespace, several prefixes and an inherited xml:lang
    signer = software_signer(algorithm, key_dir)

    # when it is signed and verified
    outcome = verify(signer.sign(PREFIXED_MESSAGE), trusted={signer.key_name: signer.key})

    # then the signature holds
    assert outcome.valid, outcome.reason


def test_the_suites_write_their_method_uris(key_dir):
    # given a message signed with each suite
    rsa_signature = signature_of(software_signer(RSA_SHA1, key_dir).sign(CEB_MESSAGE))
    sm2_signature = signature_of(software_signer(SM2_SM3, key_dir).sign(CEB_MESSAGE))

    # then SignedInfo carries C14N 1.0, the enveloped transform and each suite's URIs
    def methods(signature):
        return [node.get("Algorithm") for node in signature.iter() if node.get("Algorithm")]

    assert methods(rsa_signature) == [
        "http://www.w3.org/TR/2001/REC-xml-c14n-20010315",
        "http://www.w3.org/2000/09/xmldsig#rsa-sha1",
        "http://www.w3.org/2000/09/xmldsig#enveloped-signature",
        "http://www.w3.org/2000/09/xmldsig#sha1",
    ]
    assert methods(sm2_signature)[1::2] == [
        "http://www.chinaport.gov.cn/2022/04/xmldsig#sm2-sm3",
        "http://www.chinaport.gov.cn/2022/04/xmldsig#sm3",
    ]
    # and RSA embeds its certificate, the SM2 software key (no certificate) only its key id
    assert rsa_signature.find(f".//{{{DS}}}X509Certificate") is not None
    assert sm2_signature.find(f".//{{{DS}}}X509Data") is None
    assert len(base64.b64decode(sm2_signature.findtext(f"{{{DS}}}SignatureValue"))) == 64


def test_an_rsa_signature_verifies_with_its_embedded_certificate(key_dir):
    # given a message signed with the RSA software key, whose certificate travels in X509Data
    signed = software_signer(RSA_SHA1, key_dir).sign(CEB_MESSAGE)

    # when it is verified without a trust list
    outcome = verify(signed)

    # then the embedded certificate is used
    assert outcome.valid, outcome.reason


@pytest.mark.parametrize("algorithm", ALGORITHMS)
def test_a_changed_text_node_fails_with_the_digest_reason(algorithm, key_dir):
    # given a signed message
    signer = software_signer(algorithm, key_dir)
    signed = signer.sign(CEB_MESSAGE)

    # when one text node is changed after signing
    tampered = replace_once(signed, b"<ceb:goodsValue>199.00<", b"<ceb:goodsValue>19.00<")
    outcome = verify(tampered, trusted={signer.key_name: signer.key})

    # then verification fails with the digest mismatch
    assert not outcome.valid
    assert outcome.code == SigningCode.DIGEST_MISMATCH
    assert "摘要不符" in outcome.reason


@pytest.mark.parametrize("algorithm", ALGORITHMS)
def test_a_changed_signature_value_fails_as_a_bad_signature(algorithm, key_dir):
    # given a signed message
    signer = software_signer(algorithm, key_dir)
    signed = signer.sign(CEB_MESSAGE)
    value = signature_of(signed).findtext(f"{{{DS}}}SignatureValue").encode()

    # when one byte of SignatureValue is changed
    raw = bytearray(base64.b64decode(value))
    raw[5] ^= 0x01
    tampered = replace_once(signed, value, base64.b64encode(bytes(raw)))
    outcome = verify(tampered, trusted={signer.key_name: signer.key})

    # then the signature is refused as invalid
    assert (outcome.valid, outcome.code) == (False, SigningCode.SIGNATURE_INVALID)
    assert "签名无效" in outcome.reason


def test_an_sm2_signature_without_a_trusted_key_is_from_an_unknown_key(key_dir):
    # given an SM2 signature (no certificate) and an RSA signature checked against a list without its key
    sm2_signed = software_signer(SM2_SM3, key_dir).sign(CEB_MESSAGE)
    rsa_signed = software_signer(RSA_SHA1, key_dir).sign(CEB_MESSAGE)

    # when they are verified
    sm2_outcome = verify(sm2_signed)
    rsa_outcome = verify(rsa_signed, trusted={"someone-else": software_signer(SM2_SM3, key_dir).key})

    # then both name the unknown key
    for outcome in (sm2_outcome, rsa_outcome):
        assert (outcome.valid, outcome.code) == (False, SigningCode.KEY_UNKNOWN)
        assert "未知密钥" in outcome.reason and outcome.key_name in outcome.reason


def test_a_key_of_the_wrong_algorithm_does_not_verify(key_dir):
    # given an SM2-signed message and a trust list mapping its key name to an RSA key
    signer = software_signer(SM2_SM3, key_dir)
    signed = signer.sign(CEB_MESSAGE)

    # when it is verified
    outcome = verify(signed, trusted={signer.key_name: software_signer(RSA_SHA1, key_dir).key.certificate_object})

    # then the signature is invalid
    assert outcome.code == SigningCode.SIGNATURE_INVALID


def test_an_unsigned_message_is_reported_missing():
    # when an unsigned message is verified
    outcome = verify(CEB_MESSAGE)

    # then the reason says there is no signature, in Chinese by default and in English on request
    assert (outcome.valid, outcome.code) == (False, SigningCode.SIGNATURE_MISSING)
    assert "无签名" in outcome.reason
    with translation.override("en"):
        assert verify(CEB_MESSAGE).reason.startswith("No signature")


def test_garbage_is_not_xml():
    # when bytes that are not XML are verified or signed
    outcome = verify(b"<ceb:CEB311Message")

    # then verify reports it and sign raises a domain error
    assert outcome.code == SigningCode.MESSAGE_NOT_XML
    with pytest.raises(SigningError) as raised:
        EnvelopedSigner(Sm2Key.generate()).sign(b"not xml")
    assert raised.value.code == SigningCode.MESSAGE_NOT_XML


def test_signing_again_replaces_the_earlier_signature(key_dir):
    # given a message signed with RSA
    signed = software_signer(RSA_SHA1, key_dir).sign(CEB_MESSAGE)

    # when it is signed again with SM2
    signer = software_signer(SM2_SM3, key_dir)
    resigned = signer.sign(signed)

    # then it holds one signature, the new one, and it verifies
    root = etree.fromstring(resigned)
    assert len(root.findall(f"{{{DS}}}Signature")) == 1
    assert verify(resigned, trusted={signer.key_name: signer.key}).valid


def test_a_reserialised_message_still_verifies(key_dir):
    # given a signed message
    signer = software_signer(RSA_SHA1, key_dir)
    signed = signer.sign(CEB_MESSAGE)

    # when it is rewritten in an equivalent form (no XML declaration, single quotes, CRLF line ends)
    root = etree.fromstring(signed)
    rewritten = etree.tostring(root, encoding="unicode").replace(
        'version="1.0"', "version='1.0'").replace("\n", "\r\n").encode()

    # then C14N makes it the same document
    assert verify(rewritten).valid


@pytest.mark.parametrize("algorithm", ALGORITHMS)
def test_the_signature_element_validates_against_the_xmldsig_schema(algorithm, key_dir):
    # given the official xmldsig schema and a signed message
    schema = etree.XMLSchema(etree.parse(str(settings.ECERP_CUSTOMS_XSD_DIR / "xmldsig-core-schema.xsd")))
    signature = signature_of(software_signer(algorithm, key_dir).sign(CEB_MESSAGE))

    # when its Signature element is validated on its own
    valid = schema.validate(etree.ElementTree(signature))

    # then it conforms
    assert valid, schema.error_log


@pytest.mark.parametrize("algorithm", ALGORITHMS)
def test_a_signed_ceb621_validates_against_the_ceb_schema(algorithm, key_dir):
    # given a goods list built by the message builder (when that part is present)
    build = pytest.importorskip("ecerp.customs.messages.build")
    documents = pytest.importorskip("tests.customs.documents")
    xml = build.build_message("CEB621", documents.sample_documents("CEB621"), documents.base_transfer())
    schema = etree.XMLSchema(etree.parse(str(settings.ECERP_CUSTOMS_XSD_DIR / "ceb-import-202205.xsd")))

    # when it is signed (CEB621 requires ds:Signature)
    signer = software_signer(algorithm, key_dir)
    signed = signer.sign(xml)

    # then it validates against the CEB schema and verifies
    assert schema.validate(etree.fromstring(signed).getroottree()), schema.error_log
    assert verify(signed, trusted={signer.key_name: signer.key}).valid


def test_software_keys_are_created_once_and_reused(key_dir):
    # given no key files yet
    assert not key_dir.exists()

    # when the signers are asked for twice, with the in-process cache emptied in between
    first = {algorithm: software_signer(algorithm, key_dir).key_name for algorithm in ALGORITHMS}
    _load.cache_clear()
    second = {algorithm: software_signer(algorithm, key_dir).key_name for algorithm in ALGORITHMS}

    # then the same keys come back from their files, readable by the owner only
    assert first == second
    for algorithm in ALGORITHMS:
        path = key_path(algorithm, key_dir)
        assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert sorted(path.name for path in key_dir.iterdir()) == ["rsa-sha1.pem", "sm2-sm3.pem"]
    # and the trust list of the software keys verifies what they sign
    trusted = trusted_software_keys(key_dir)
    for algorithm in ALGORITHMS:
        assert verify(software_signer(algorithm, key_dir).sign(CEB_MESSAGE), trusted=trusted).valid


def test_an_unknown_algorithm_is_refused(key_dir):
    with pytest.raises(SigningError) as raised:
        software_signer("rsa-md5", key_dir)
    assert raised.value.code == SigningCode.ALGORITHM_UNSUPPORTED


def test_get_signer_follows_the_setting(key_dir):
    # given no setting, then rsa-sha1
    with override_settings(ECERP_CUSTOMS_KEY_DIR=key_dir):
        default = get_signer()
        with override_settings(ECERP_CUSTOMS_SIGNER="rsa-sha1"):
            rsa_signer = get_signer()

    # then the default is SM2-SM3 and the setting chooses RSA-SHA1, both software keys in the folder
    assert (default.algorithm, rsa_signer.algorithm) == (SM2_SM3, RSA_SHA1)
    assert key_path(SM2_SM3, key_dir).exists() and key_path(RSA_SHA1, key_dir).exists()


class DeviceKey:
    """Stands for a UKey or crypto server: it only signs bytes; the envelope is ECERP's."""

    algorithm = SM2_SM3
    key_name = "0123456789abcdef"
    certificate = None
    inner = Sm2Key.generate()

    def sign_bytes(self, data: bytes) -> bytes:
        return self.inner.sign_bytes(data)


def make_device_key():
    return DeviceKey()


def test_a_device_key_plugs_in_through_a_factory_setting():
    # given the setting names a factory of a key operation
    with override_settings(ECERP_CUSTOMS_SIGNER="tests.customs.test_signing:make_device_key"):
        signer = get_signer()

    # when a message is signed with it
    signed = signer.sign(CEB_MESSAGE)

    # then the envelope carries the device's key name and verifies with its public key
    assert signer.key_name == "0123456789abcdef"
    assert verify(signed, trusted={"0123456789abcdef": DeviceKey.inner.public_key.point}).valid


def openssl_has_sm2() -> bool:
    if shutil.which("openssl") is None:
        return False
    probe = subprocess.run(["openssl", "list", "-public-key-algorithms"], capture_output=True, text=True)
    return "SM2" in probe.stdout


@pytest.mark.skipif(not openssl_has_sm2(), reason="needs the openssl command with SM2")
def test_sm2_signatures_and_keys_interoperate_with_openssl(tmp_path):
    # given an SM2 key of ours, stored as PEM, and some data
    key = Sm2Key.generate()
    (tmp_path / "key.pem").write_bytes(key.to_pem())
    (tmp_path / "public.pem").write_bytes(key.public_key.to_pem())
    (tmp_path / "data").write_bytes(b"<ds:SignedInfo>...</ds:SignedInfo>")

    # when OpenSSL signs with our key file (DER, user id 1234567812345678)
    subprocess.run(["openssl", "pkeyutl", "-sign", "-rawin", "-digest", "sm3", "-inkey", tmp_path / "key.pem",
                    "-in", tmp_path / "data", "-out", tmp_path / "openssl.sig",
                    "-pkeyopt", "distid:1234567812345678"], check=True, capture_output=True)
    # and OpenSSL verifies our signature (converted to DER)
    from cryptography.hazmat.primitives.asymmetric.utils import encode_dss_signature

    ours = key.sign_bytes((tmp_path / "data").read_bytes())
    (tmp_path / "ours.sig").write_bytes(
        encode_dss_signature(int.from_bytes(ours[:32], "big"), int.from_bytes(ours[32:], "big")))
    checked = subprocess.run(["openssl", "pkeyutl", "-verify", "-rawin", "-digest", "sm3", "-pubin",
                              "-inkey", tmp_path / "public.pem", "-in", tmp_path / "data",
                              "-sigfile", tmp_path / "ours.sig", "-pkeyopt", "distid:1234567812345678"],
                             capture_output=True, text=True)

    # then each side accepts the other's signature
    assert checked.returncode == 0, checked.stdout + checked.stderr
    public_key = Sm2PublicKey.from_pem((tmp_path / "public.pem").read_bytes())
    assert public_key.verify((tmp_path / "data").read_bytes(), (tmp_path / "openssl.sig").read_bytes())
    assert not public_key.verify(b"other data", (tmp_path / "openssl.sig").read_bytes())


@pytest.mark.skipif(shutil.which("xmlsec1") is None, reason="needs xmlsec1 (Debian package xmlsec1)")
def test_an_rsa_signed_message_verifies_with_xmlsec(key_dir, tmp_path):
    # given a message signed with the RSA software key, and its certificate as PEM
    signer = software_signer(RSA_SHA1, key_dir)
    (tmp_path / "signed.xml").write_bytes(signer.sign(CEB_MESSAGE))
    from cryptography.hazmat.primitives import serialization

    (tmp_path / "cert.pem").write_bytes(signer.key.certificate_object.public_bytes(serialization.Encoding.PEM))

    # when xmlsec1, an independent XML-DSig implementation, verifies it
    checked = subprocess.run(["xmlsec1", "--verify", "--insecure", "--pubkey-cert-pem", tmp_path / "cert.pem",
                              tmp_path / "signed.xml"], capture_output=True, text=True,
                             env={**os.environ, "LC_ALL": "C"})

    # then it agrees
    assert checked.returncode == 0, checked.stderr


XMLSEC_TEMPLATE = b"""<ds:Signature xmlns:ds="http://www.w3.org/2000/09/xmldsig#"><ds:SignedInfo>\
<ds:CanonicalizationMethod Algorithm="http://www.w3.org/TR/2001/REC-xml-c14n-20010315"/>\
<ds:SignatureMethod Algorithm="http://www.w3.org/2000/09/xmldsig#rsa-sha1"/>\
<ds:Reference URI=""><ds:Transforms>\
<ds:Transform Algorithm="http://www.w3.org/2000/09/xmldsig#enveloped-signature"/></ds:Transforms>\
<ds:DigestMethod Algorithm="http://www.w3.org/2000/09/xmldsig#sha1"/><ds:DigestValue/></ds:Reference>\
</ds:SignedInfo><ds:SignatureValue/><ds:KeyInfo><ds:KeyName/></ds:KeyInfo></ds:Signature>"""


@pytest.mark.skipif(shutil.which("xmlsec1") is None, reason="needs xmlsec1 (Debian package xmlsec1)")
def test_a_message_signed_by_xmlsec_verifies_here(key_dir, tmp_path):
    # given a CEB message signed by xmlsec1 with the RSA software key
    signer = software_signer(RSA_SHA1, key_dir)
    end = CEB_MESSAGE.rfind(b"</ceb:CEB311Message>")
    (tmp_path / "template.xml").write_bytes(CEB_MESSAGE[:end] + XMLSEC_TEMPLATE + CEB_MESSAGE[end:])
    from cryptography.hazmat.primitives import serialization

    (tmp_path / "key.pem").write_bytes(signer.key.private_key.private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()))
    subprocess.run(["xmlsec1", "--sign", f"--privkey-pem:{signer.key_name}", tmp_path / "key.pem",
                    "--output", tmp_path / "signed.xml", tmp_path / "template.xml"], check=True, capture_output=True)

    # when ECERP verifies it with the key's certificate
    outcome = verify((tmp_path / "signed.xml").read_bytes(), trusted={signer.key_name: signer.key.certificate_object})

    # then it is valid, under the key name xmlsec wrote
    assert outcome.valid, outcome.reason
    assert outcome.key_name == signer.key_name


@pytest.mark.parametrize("form", ["pem", "point", "hex"])
def test_a_trusted_sm2_key_may_be_given_as_pem_bytes_or_hex(form, key_dir):
    # given an SM2-signed message
    signer = software_signer(SM2_SM3, key_dir)
    public_key = signer.key.public_key
    given = {"pem": public_key.to_pem(), "point": public_key.point, "hex": public_key.point.hex()}[form]

    # when its key is trusted in that form
    outcome = verify(signer.sign(CEB_MESSAGE), trusted={signer.key_name: given})

    # then the signature verifies
    assert outcome.valid, outcome.reason


def test_a_trusted_rsa_certificate_may_be_given_as_pem(key_dir):
    from cryptography.hazmat.primitives import serialization

    signer = software_signer(RSA_SHA1, key_dir)
    pem = signer.key.certificate_object.public_bytes(serialization.Encoding.PEM)
    assert verify(signer.sign(CEB_MESSAGE), trusted={signer.key_name: pem}).valid


@pytest.mark.parametrize(("old", "new", "code"), [
    (b'<ds:Reference URI="">', b'<ds:Reference URI="#other">', SigningCode.SIGNATURE_MALFORMED),
    (b"xmldsig#rsa-sha1", b"xmldsig-more#rsa-sha256", SigningCode.ALGORITHM_UNSUPPORTED),
    (b"REC-xml-c14n-20010315", b"REC-xml-c14n-20010315#WithComments", SigningCode.ALGORITHM_UNSUPPORTED),
])
def test_a_signature_outside_the_customs_profile_is_refused(old, new, code, key_dir):
    # given an RSA-signed message whose SignedInfo is changed to something the profile does not allow
    signed = replace_once(software_signer(RSA_SHA1, key_dir).sign(CEB_MESSAGE), old, new)

    # when it is verified
    outcome = verify(signed)

    # then it is refused with the matching code
    assert (outcome.valid, outcome.code) == (False, code)


def test_bytes_that_are_no_key_in_the_trust_list_make_an_unknown_key(key_dir):
    signer = software_signer(SM2_SM3, key_dir)
    outcome = verify(signer.sign(CEB_MESSAGE), trusted={signer.key_name: b"not a key"})
    assert outcome.code == SigningCode.KEY_UNKNOWN



def test_an_sm2_key_whose_scalar_starts_with_a_zero_byte_signs_and_round_trips(monkeypatch):
    # given gmalg returning a private scalar shorter than 32 bytes (it does for about 1 key in 256)
    import gmalg

    from ecerp.customs.signing.sm2 import Sm2Key

    short = bytes(range(1, 32))
    assert len(short) == 31
    public_point = gmalg.SM2().generate_pk(short)
    monkeypatch.setattr(gmalg.SM2, "generate_keypair", lambda self: (short, public_point))
    # when a key is generated, saved and loaded again
    key = Sm2Key.from_pem(Sm2Key.generate().to_pem())
    # then it is a 32-byte key whose signatures verify
    assert len(key.private_key) == 32
    assert key.public_key.verify(b"payload", key.sign_bytes(b"payload"))
