"""The signer interface: an XML envelope (Signer) around a key operation (SigningKey).

The envelope code (xmldsig.py) never touches key material: it hands the canonical SignedInfo
bytes to a SigningKey and writes back what the key returns. To plug in a hardware key (E-port
IC card/UKey) or a server crypto device, write a class with:

    algorithm: str            # "sm2-sm3" or "rsa-sha1"
    key_name: str             # the certificate serial number (KeyInfo/KeyName)
    certificate: bytes | None # the DER certificate to embed in X509Data, or None
    def sign_bytes(self, data: bytes) -> bytes:
        # sign data with the device: RSA-SHA1 PKCS#1 v1.5 over data, or SM2 over SM3(Z_A || data)
        # with user id "1234567812345678", returned as r||s (64 bytes) or DER

and wrap it: EnvelopedSigner(YourKey(...)). A device that only signs a digest computes the digest
inside sign_bytes (SHA-1 of data; for SM2, SM3 of Z_A || data). Then point the setting
ECERP_CUSTOMS_SIGNER at a factory, "package.module:make_signer", returning the Signer (or the key).
"""

from __future__ import annotations

from typing import Protocol, runtime_checkable

from ecerp.customs.signing.xmldsig import sign_document


@runtime_checkable
class SigningKey(Protocol):
    """A key operation: software key, UKey or crypto server."""

    algorithm: str
    key_name: str
    certificate: bytes | None

    def sign_bytes(self, data: bytes) -> bytes:
        """Return the signature value of data (the canonical SignedInfo)."""


@runtime_checkable
class Signer(Protocol):
    """Signs a customs message: returns it with an enveloped ds:Signature as the root's last child."""

    algorithm: str
    key_name: str

    def sign(self, xml: bytes) -> bytes:
        """Return xml signed."""


class EnvelopedSigner:
    """The Signer of ECERP: the XML-DSig envelope of xmldsig.py around one SigningKey."""

    def __init__(self, key: SigningKey):
        self.key = key

    @property
    def algorithm(self) -> str:
        return self.key.algorithm

    @property
    def key_name(self) -> str:
        return self.key.key_name

    def sign(self, xml: bytes) -> bytes:
        """Return xml with an enveloped signature by this signer's key (replacing an earlier one)."""
        return sign_document(xml, self.key)

    def __repr__(self) -> str:
        return f"EnvelopedSigner({self.algorithm}, key_name={self.key_name!r})"
