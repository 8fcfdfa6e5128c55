"""The two signature suites of the customs message spec (CUSTOMS.md §1.9) and their URIs.

The 2022-05 spec prefers SM2 with SM3 (国密) and still allows RSA with SHA-1. A suite names the
XML-DSig SignatureMethod and DigestMethod URIs and the digest function used for the Reference.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass

from cryptography.hazmat.primitives import hashes

DS_NAMESPACE = "http://www.w3.org/2000/09/xmldsig#"
C14N_URI = "http://www.w3.org/TR/2001/REC-xml-c14n-20010315"
ENVELOPED_URI = "http://www.w3.org/2000/09/xmldsig#enveloped-signature"

RSA_SHA1 = "rsa-sha1"
SM2_SM3 = "sm2-sm3"


def sha1_digest(data: bytes) -> bytes:
    """Return the SHA-1 digest of data."""
    return hashlib.sha1(data).digest()  # SHA-1: prescribed by the 2018 customs spec


def sm3_digest(data: bytes) -> bytes:
    """Return the SM3 digest (GB/T 32905) of data."""
    digest = hashes.Hash(hashes.SM3())
    digest.update(data)
    return digest.finalize()


@dataclass(frozen=True)
class Suite:
    """One signature suite: its short name, its XML-DSig URIs and its digest function."""

    name: str
    signature_method: str
    digest_method: str
    digest: object  # Callable[[bytes], bytes]


SUITES: dict[str, Suite] = {
    RSA_SHA1: Suite(
        name=RSA_SHA1,
        signature_method="http://www.w3.org/2000/09/xmldsig#rsa-sha1",
        digest_method="http://www.w3.org/2000/09/xmldsig#sha1",
        digest=sha1_digest,
    ),
    SM2_SM3: Suite(
        name=SM2_SM3,
        signature_method="http://www.chinaport.gov.cn/2022/04/xmldsig#sm2-sm3",
        digest_method="http://www.chinaport.gov.cn/2022/04/xmldsig#sm3",
        digest=sm3_digest,
    ),
}

SUITES_BY_SIGNATURE_METHOD: dict[str, Suite] = {suite.signature_method: suite for suite in SUITES.values()}
