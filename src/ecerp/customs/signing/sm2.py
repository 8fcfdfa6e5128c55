"""SM2 signatures with SM3 (GB/T 32918, GB/T 32905), the preferred algorithm of the 2022 customs spec.

The arithmetic is gmalg's (pure Python, random nonces from `secrets`). The signed value is
SM3(Z_A || message) with the default user id "1234567812345678", as E-port keys and OpenSSL/Tongsuo
compute it. A signature is written as the raw 64 bytes r || s (each 32 bytes, big-endian); the
verifier also accepts the DER form SEQUENCE {r INTEGER, s INTEGER} (GM/T 0009).

Keys are stored as PEM: PKCS#8 for the private key and SubjectPublicKeyInfo for the public key,
with the SM2 curve OID 1.2.156.10197.1.301, so OpenSSL (`openssl pkey`, `pkeyutl`) reads them.
`cryptography` does not support the SM2 curve, hence the fixed DER templates below: a 256-bit
key always encodes to the same prefix, so no general ASN.1 code is needed.
"""

from __future__ import annotations

import base64
import re

import gmalg
from cryptography.hazmat.primitives.asymmetric.utils import decode_dss_signature

from ecerp.customs.signing.algorithms import SM2_SM3, sm3_digest

DEFAULT_UID = b"1234567812345678"

# PKCS#8 PrivateKeyInfo { version 0, { id-ecPublicKey, sm2p256v1 }, ECPrivateKey { 1, d, [1] Q } }
_PRIVATE_PREFIX = bytes.fromhex("308187020100301306072a8648ce3d020106082a811ccf5501822d046d306b0201010420")
_PRIVATE_MIDDLE = bytes.fromhex("a144034200")
# SubjectPublicKeyInfo { { id-ecPublicKey, sm2p256v1 }, BIT STRING Q }
_PUBLIC_PREFIX = bytes.fromhex("3059301306072a8648ce3d020106082a811ccf5501822d034200")
_PEM_BLOCK = re.compile(rb"-----BEGIN ([A-Z ]+)-----(.*?)-----END \1-----", re.DOTALL)


def key_id(public_point: bytes) -> str:
    """Return the key id of a public key: the first 16 bytes of SM3 of its point, in hex."""
    return sm3_digest(public_point)[:16].hex()


def _pem(label: str, der: bytes) -> bytes:
    body = base64.encodebytes(der).replace(b"\n", b"")
    lines = [body[index:index + 64] for index in range(0, len(body), 64)]
    return b"".join([f"-----BEGIN {label}-----\n".encode(), *(line + b"\n" for line in lines),
                     f"-----END {label}-----\n".encode()])


def _pem_blocks(pem: bytes) -> dict[str, bytes]:
    return {match.group(1).decode(): base64.b64decode(b"".join(match.group(2).split()))
            for match in _PEM_BLOCK.finditer(pem)}


def _point(value: bytes) -> bytes:
    """Return a public point in uncompressed form (0x04 || x || y) from 64 or 65 bytes."""
    if len(value) == 64:
        value = b"\x04" + value
    if len(value) != 65 or value[0] != 4:
        raise ValueError("an SM2 public key is 65 bytes 04||x||y (or 64 bytes x||y)")
    return value


class Sm2PublicKey:
    """An SM2 public key that verifies SM2-SM3 signatures (raw r||s or DER)."""

    algorithm = SM2_SM3

    def __init__(self, point: bytes, *, uid: bytes = DEFAULT_UID):
        self.point = _point(point)
        self.uid = uid
        self.key_id = key_id(self.point)
        self._sm2 = gmalg.SM2(pk=self.point, uid=uid)

    def verify(self, data: bytes, signature: bytes) -> bool:
        """Tell whether signature (64 bytes r||s, or DER) is a valid SM2-SM3 signature of data."""
        if len(signature) == 64:
            r, s = signature[:32], signature[32:]
        else:
            try:
                r_int, s_int = decode_dss_signature(signature)
            except ValueError:
                return False
            if not (0 < r_int < 2**256 and 0 < s_int < 2**256):
                return False
            r, s = r_int.to_bytes(32, "big"), s_int.to_bytes(32, "big")
        try:
            return bool(self._sm2.verify(data, r, s))
        except Exception:  # gmalg raises on points and values outside the curve's range
            return False

    def to_pem(self) -> bytes:
        """Return the key as a PEM SubjectPublicKeyInfo."""
        return _pem("PUBLIC KEY", _PUBLIC_PREFIX + self.point)

    @classmethod
    def from_pem(cls, pem: bytes) -> Sm2PublicKey:
        """Load a PEM SubjectPublicKeyInfo of an SM2 key (as written by to_pem() or OpenSSL)."""
        der = _pem_blocks(pem).get("PUBLIC KEY", b"")
        if not der.startswith(_PUBLIC_PREFIX) or len(der) != len(_PUBLIC_PREFIX) + 65:
            raise ValueError("not a PEM SM2 public key")
        return cls(der[len(_PUBLIC_PREFIX):])


class Sm2Key:
    """A software SM2 key pair; signs with SM2-SM3 and writes r||s. key_name is the key id."""

    algorithm = SM2_SM3
    certificate = None

    def __init__(self, private_key: bytes, public_point: bytes, *, uid: bytes = DEFAULT_UID):
        if len(private_key) != 32:
            raise ValueError("an SM2 private key is 32 bytes")
        self.private_key = private_key
        self.public_key = Sm2PublicKey(public_point, uid=uid)
        self.key_name = self.public_key.key_id
        self._sm2 = gmalg.SM2(private_key, uid, self.public_key.point)

    def sign_bytes(self, data: bytes) -> bytes:
        """Return the SM2-SM3 signature of data as 64 bytes r || s."""
        r, s = self._sm2.sign(data)
        return r.rjust(32, b"\x00") + s.rjust(32, b"\x00")

    def to_pem(self) -> bytes:
        """Return the private key as PEM PKCS#8 (with the public point inside)."""
        return _pem("PRIVATE KEY", _PRIVATE_PREFIX + self.private_key + _PRIVATE_MIDDLE + self.public_key.point)

    @classmethod
    def from_pem(cls, pem: bytes) -> Sm2Key:
        """Load a PEM PKCS#8 SM2 private key as written by to_pem() or `openssl genpkey -algorithm SM2`."""
        der = _pem_blocks(pem).get("PRIVATE KEY", b"")
        start, middle = len(_PRIVATE_PREFIX), len(_PRIVATE_PREFIX) + 32
        if (not der.startswith(_PRIVATE_PREFIX) or der[middle:middle + len(_PRIVATE_MIDDLE)] != _PRIVATE_MIDDLE
                or len(der) != middle + len(_PRIVATE_MIDDLE) + 65):
            raise ValueError("not a PEM SM2 private key with its public point")
        return cls(der[start:middle], der[middle + len(_PRIVATE_MIDDLE):])

    @classmethod
    def generate(cls) -> Sm2Key:
        """Create a new key pair."""
        private_key, public_point = gmalg.SM2().generate_keypair()
        # gmalg returns the scalar in as few bytes as it needs (1 key in 256 is shorter than 32 bytes)
        return cls(private_key.rjust(32, b"\x00"), public_point)
