"""Import receipts: parse every receipt message the single window sends back, and build them for the simulator.

- `parse.parse_receipts(xml) -> list[Receipt]` reads CEB312/412/512/514/622/624/626/712/816/818/900.
- `build.build_receipt_message(message_type, receipts) -> bytes` writes them, in XSD order.
- `codes` holds the returnStatus catalogue, the known negative error codes and the rank of each
  status per document (a declaration never moves backwards).
"""

from ecerp.customs.receipts.build import build_receipt_message, receipt_as_dict
from ecerp.customs.receipts.codes import error_explanation, is_error, is_failure, is_final, rank, status_label
from ecerp.customs.receipts.errors import ReceiptError, ReceiptInvalid
from ecerp.customs.receipts.parse import Receipt, parse_receipts

__all__ = [
    "Receipt",
    "ReceiptError",
    "ReceiptInvalid",
    "build_receipt_message",
    "error_explanation",
    "is_error",
    "is_failure",
    "is_final",
    "parse_receipts",
    "rank",
    "receipt_as_dict",
    "status_label",
]
