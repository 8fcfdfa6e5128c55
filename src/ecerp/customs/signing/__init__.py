"""Signing of the customs messages: enveloped XML-DSig with RSA-SHA1 or SM2-SM3 (CUSTOMS.md §1.9).

    signer = get_signer()                 # from settings.ECERP_CUSTOMS_SIGNER, default "sm2-sm3"
    signed = signer.sign(message_bytes)   # ds:Signature appended as the root's last child
    outcome = verify(signed, trusted={signer.key_name: signer.key.public_key})
    outcome.valid, outcome.reason

Settings (read with defaults, none required):
- ECERP_CUSTOMS_SIGNER: "sm2-sm3" (default), "rsa-sha1" (software keys), or "package.module:factory",
  a callable returning a Signer or a SigningKey (hardware key, crypto server; see signer.py).
- ECERP_CUSTOMS_KEY_DIR: the folder of the software keys (default var/customs-keys/).
"""

from __future__ import annotations

from pathlib import Path

from django.conf import settings
from django.core.exceptions import ImproperlyConfigured
from django.utils.module_loading import import_string

from ecerp.customs.signing.algorithms import RSA_SHA1, SM2_SM3, SUITES
from ecerp.customs.signing.errors import SigningCode, SigningError
from ecerp.customs.signing.keys import software_key, trusted_software_keys
from ecerp.customs.signing.rsa import RsaSha1Key
from ecerp.customs.signing.signer import EnvelopedSigner, Signer, SigningKey
from ecerp.customs.signing.sm2 import Sm2Key, Sm2PublicKey
from ecerp.customs.signing.xmldsig import Verification, public_key_of, sign_document, verify

__all__ = [
    "RSA_SHA1",
    "SM2_SM3",
    "EnvelopedSigner",
    "RsaSha1Key",
    "Signer",
    "SigningCode",
    "SigningError",
    "SigningKey",
    "Sm2Key",
    "Sm2PublicKey",
    "Verification",
    "get_signer",
    "public_key_of",
    "sign_document",
    "software_signer",
    "trusted_software_keys",
    "verify",
]

DEFAULT_SIGNER = SM2_SM3


def software_signer(algorithm: str = SM2_SM3, key_dir: Path | None = None) -> EnvelopedSigner:
    """Return a Signer on the software key of algorithm, created in key_dir (var/customs-keys/) on first use.

    Raises SigningError(ALGORITHM_UNSUPPORTED) for a name other than "rsa-sha1" or "sm2-sm3".
    """
    return EnvelopedSigner(software_key(algorithm, key_dir))


def get_signer() -> Signer:
    """Return the signer configured by settings.ECERP_CUSTOMS_SIGNER (default the SM2-SM3 software key).

    A dotted "module:callable" (or "module.callable") names a factory of a Signer or a SigningKey.
    Raises ImproperlyConfigured when the setting names nothing usable.
    """
    choice = getattr(settings, "ECERP_CUSTOMS_SIGNER", DEFAULT_SIGNER) or DEFAULT_SIGNER
    key_dir = getattr(settings, "ECERP_CUSTOMS_KEY_DIR", None)
    if choice in SUITES:
        return software_signer(choice, key_dir)
    try:
        factory = import_string(choice.replace(":", "."))
    except ImportError as error:
        raise ImproperlyConfigured(f"ECERP_CUSTOMS_SIGNER={choice!r} is neither an algorithm nor a factory") from error
    made = factory()
    if isinstance(made, SigningKey) and not isinstance(made, Signer):
        made = EnvelopedSigner(made)
    if not isinstance(made, Signer):
        raise ImproperlyConfigured(f"ECERP_CUSTOMS_SIGNER factory {choice!r} returned no Signer or SigningKey")
    return made
