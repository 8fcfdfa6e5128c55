"""RSA with SHA-1 (PKCS#1 v1.5), the algorithm of the 2018 customs spec, on `cryptography`.

The spec names 1024-bit keys on the E-port IC card; 2048-bit keys verify the same way.
"""

from __future__ import annotations

import datetime as dt

from cryptography import x509
from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import padding, rsa
from cryptography.x509.oid import NameOID

from ecerp.customs.signing.algorithms import RSA_SHA1

DEFAULT_KEY_SIZE = 1024


class RsaSha1Key:
    """A software RSA key with its (self-signed) X.509 certificate; signs with RSA-SHA1.

    key_name is the certificate serial number in lowercase hex, as KeyInfo/KeyName carries it.
    """

    algorithm = RSA_SHA1

    def __init__(self, private_key: rsa.RSAPrivateKey, certificate: x509.Certificate):
        self.private_key = private_key
        self.certificate_object = certificate
        self.certificate = certificate.public_bytes(serialization.Encoding.DER)
        self.key_name = certificate_key_name(certificate)
        self.public_key = private_key.public_key()

    def sign_bytes(self, data: bytes) -> bytes:
        """Return the PKCS#1 v1.5 RSA-SHA1 signature of data."""
        return self.private_key.sign(data, padding.PKCS1v15(), hashes.SHA1())

    def to_pem(self) -> bytes:
        """Return the private key (PKCS#8) followed by the certificate, both PEM."""
        key = self.private_key.private_bytes(
            serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
        )
        return key + self.certificate_object.public_bytes(serialization.Encoding.PEM)

    @classmethod
    def from_pem(cls, pem: bytes) -> RsaSha1Key:
        """Load a key written by to_pem()."""
        private_key = serialization.load_pem_private_key(pem, password=None)
        certificate = x509.load_pem_x509_certificate(pem[pem.index(b"-----BEGIN CERTIFICATE-----"):])
        return cls(private_key, certificate)

    @classmethod
    def generate(
        cls, *, key_size: int = DEFAULT_KEY_SIZE, common_name: str = "ECERP customs software key"
    ) -> RsaSha1Key:
        """Create a new key pair and a self-signed certificate valid for ten years."""
        private_key = rsa.generate_private_key(public_exponent=65537, key_size=key_size)
        name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, common_name)])
        now = dt.datetime.now(dt.UTC)
        certificate = (
            x509.CertificateBuilder()
            .subject_name(name)
            .issuer_name(name)
            .public_key(private_key.public_key())
            .serial_number(x509.random_serial_number())
            .not_valid_before(now - dt.timedelta(days=1))
            .not_valid_after(now + dt.timedelta(days=3650))
            .add_extension(x509.BasicConstraints(ca=False, path_length=None), critical=True)
            .sign(private_key, hashes.SHA256())
        )
        return cls(private_key, certificate)


def certificate_key_name(certificate: x509.Certificate) -> str:
    """Return the KeyName of a certificate: its serial number in lowercase hex."""
    return format(certificate.serial_number, "x")


def verify_rsa_sha1(public_key: rsa.RSAPublicKey, data: bytes, signature: bytes) -> bool:
    """Tell whether signature is a valid RSA-SHA1 (PKCS#1 v1.5) signature of data."""
    try:
        public_key.verify(signature, data, padding.PKCS1v15(), hashes.SHA1())
    except InvalidSignature:
        return False
    return True
