"""Personal data in order records (consignee name, phone, street address): masked wherever a record is
kept or shown in full (the order's payload, quarantine lists), and restored when a user edits a
masked record and leaves those values as they were shown."""

from __future__ import annotations

from ecerp.core.crypto import mask_value

PERSONAL_KEYS = {"consignee_name": "text", "consignee_phone": "phone", "address": "text"}


def mask_record(record):
    """A copy of a record with its personal values masked (anything but a dict is returned as it is)."""
    if not isinstance(record, dict):
        return record
    masked = dict(record)
    for key, kind in PERSONAL_KEYS.items():
        if masked.get(key):
            masked[key] = mask_value(str(masked[key]), kind)
    return masked


def restore_masked(edited, original):
    """The edited record with every personal value still equal to its masked form put back to the original."""
    if not isinstance(edited, dict) or not isinstance(original, dict):
        return edited
    restored = dict(edited)
    for key, kind in PERSONAL_KEYS.items():
        value = original.get(key)
        if value and restored.get(key) == mask_value(str(value), kind):
            restored[key] = value
    return restored
