"""Personal data at rest: an encrypted text field and the masks used on screen, in logs and exports.

Values are encrypted with Fernet (AES-128-CBC + HMAC-SHA256) under the key in
settings.ECERP_DATA_KEY (environment or var/data_key, never the database).
A keyed hash (HMAC-SHA256) can be stored beside a value when exact lookups are needed.
"""

from __future__ import annotations

import hashlib
import hmac
from functools import lru_cache

from cryptography.fernet import Fernet, InvalidToken
from django.conf import settings
from django.db import models

PREFIX = "enc1:"


@lru_cache(maxsize=4)
def _fernet(key: str) -> Fernet:
    return Fernet(key.encode())


def encrypt(text: str) -> str:
    return PREFIX + _fernet(settings.ECERP_DATA_KEY).encrypt(text.encode()).decode()


UNREADABLE = "<无法解密>"


class Undecryptable(str):
    """What a column reads as when its ciphertext does not open under the current key.

    It shows as a marker, and saving it writes the original ciphertext back unchanged,
    so a wrong or rotated key never destroys the stored value.
    """

    stored: str = ""

    def __new__(cls, stored: str):
        value = super().__new__(cls, UNREADABLE)
        value.stored = stored
        return value


def _is_ciphertext(text: str) -> bool:
    if not text.startswith(PREFIX):
        return False
    # through the decrypt cache: a ciphertext copied from one row to another (an order's consignee
    # onto its parcel) was usually opened in this process already
    return not isinstance(_open(text, settings.ECERP_DATA_KEY), Undecryptable)


def decrypt(stored: str) -> str:
    if not stored.startswith(PREFIX):
        return stored
    return _open(stored, settings.ECERP_DATA_KEY)


# Every encryption has its own random IV, so a ciphertext opens to one clear text under one key:
# the same row read again (a batch loads an order in review, allocation, fulfilment...) is not
# decrypted again. Bounded; the clear values live in this process's memory as they do anyway
# while a request or batch uses them.
@lru_cache(maxsize=65536)
def _open(stored: str, key: str) -> str:
    try:
        return _fernet(key).decrypt(stored[len(PREFIX) :].encode()).decode()
    except (InvalidToken, ValueError):
        return Undecryptable(stored)


def lookup_hash(text: str) -> str:
    """Keyed hash of a normalised value, for exact-match search without decrypting."""
    key = settings.ECERP_DATA_KEY.encode()
    return hmac.new(key, text.strip().upper().encode(), hashlib.sha256).hexdigest()


class EncryptedTextField(models.TextField):
    """A text column whose value is encrypted at rest and plain in Python."""

    def __init__(self, *args, mask: str = "text", **kwargs):
        self.mask = mask
        kwargs.setdefault("blank", True)
        kwargs.setdefault("default", "")
        super().__init__(*args, **kwargs)

    def deconstruct(self):
        name, path, args, kwargs = super().deconstruct()
        if self.mask != "text":
            kwargs["mask"] = self.mask
        return name, path, args, kwargs

    def from_db_value(self, value, expression, connection):
        if value is None or value == "":
            return value
        return decrypt(value)

    def get_prep_value(self, value):
        if isinstance(value, Undecryptable):
            return value.stored
        value = super().get_prep_value(value)
        if value is None or value == "":
            return value
        # Only a real ciphertext under our key passes through; clear text that merely
        # starts with the prefix is encrypted like any other value.
        if str(value).startswith(PREFIX) and _is_ciphertext(str(value)):
            return value
        return encrypt(str(value))

    def masked(self, value: str) -> str:
        return mask_value(value, self.mask)


def mask_id_number(value: str) -> str:
    """110101199003071234 -> 110101********1234 (region kept, birth date hidden)."""
    if not value:
        return ""
    if len(value) <= 8:
        return "*" * len(value)
    return value[:6] + "*" * (len(value) - 10) + value[-4:]


def mask_phone(value: str) -> str:
    """13812345678 -> 138****5678."""
    if not value:
        return ""
    digits = value.strip()
    if len(digits) <= 4:
        return "*" * len(digits)
    if len(digits) <= 7:
        return digits[:1] + "*" * (len(digits) - 3) + digits[-2:]
    return digits[:3] + "*" * (len(digits) - 7) + digits[-4:]


def mask_text(value: str) -> str:
    """Addresses and names: keep the first third, hide the rest."""
    if not value:
        return ""
    keep = max(1, len(value) // 3)
    return value[:keep] + "*" * min(8, len(value) - keep)


def mask_value(value: str, kind: str) -> str:
    return {"id_number": mask_id_number, "phone": mask_phone}.get(kind, mask_text)(value or "")
