"""Software keys for the demo and tests, kept in var/customs-keys/ (or another folder).

Each algorithm has one PEM file, created on first use with mode 0600 and reused afterwards:
`rsa-sha1.pem` (PKCS#8 RSA key followed by its self-signed X.509 certificate) and `sm2-sm3.pem`
(PKCS#8 SM2 key). A file is written under a temporary name and linked into place, so two processes
starting at once end up with the same key. These keys prove nothing to customs: production uses
the enterprise's E-port card or crypto server through the SigningKey interface (signer.py).
"""

from __future__ import annotations

import os
from functools import lru_cache
from pathlib import Path

from ecerp.customs.signing.algorithms import RSA_SHA1, SM2_SM3
from ecerp.customs.signing.errors import SigningCode, SigningError
from ecerp.customs.signing.rsa import RsaSha1Key
from ecerp.customs.signing.sm2 import Sm2Key
from ecerp.paths import var_file

KEY_CLASSES = {RSA_SHA1: RsaSha1Key, SM2_SM3: Sm2Key}
KEY_FOLDER = "customs-keys"


def key_directory(key_dir: Path | str | None = None) -> Path:
    """Return the folder of the software keys (var/customs-keys/ unless given), creating it (0700)."""
    folder = Path(key_dir) if key_dir is not None else var_file(KEY_FOLDER)
    folder.mkdir(mode=0o700, parents=True, exist_ok=True)
    return folder.resolve()


def key_path(algorithm: str, key_dir: Path | str | None = None) -> Path:
    """Return the PEM file of the software key of algorithm."""
    return key_directory(key_dir) / f"{algorithm}.pem"


def _write_once(path: Path, data: bytes) -> None:
    """Write data to path with mode 0600 unless the file exists; never leaves a partial file."""
    temporary = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    descriptor = os.open(temporary, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    try:
        with os.fdopen(descriptor, "wb") as handle:
            handle.write(data)
            handle.flush()
            os.fsync(handle.fileno())
        try:
            os.link(temporary, path)
        except FileExistsError:
            pass  # another process created it first: its key wins
    finally:
        temporary.unlink(missing_ok=True)


@lru_cache(maxsize=16)
def _load(algorithm: str, path: Path):
    key_class = KEY_CLASSES[algorithm]
    if not path.exists():
        _write_once(path, key_class.generate().to_pem())
    return key_class.from_pem(path.read_bytes())


def software_key(algorithm: str, key_dir: Path | str | None = None) -> RsaSha1Key | Sm2Key:
    """Return the software key of algorithm ("rsa-sha1" or "sm2-sm3"), creating it on first use.

    Raises SigningError(ALGORITHM_UNSUPPORTED) for another algorithm name.
    """
    if algorithm not in KEY_CLASSES:
        raise SigningError(SigningCode.ALGORITHM_UNSUPPORTED, algorithm=algorithm)
    return _load(algorithm, key_path(algorithm, key_dir))


def trusted_software_keys(key_dir: Path | str | None = None) -> dict[str, object]:
    """Return {key name: public key} of the software keys that exist in key_dir (for verify(trusted=...))."""
    trusted = {}
    for algorithm in KEY_CLASSES:
        if key_path(algorithm, key_dir).exists():
            key = software_key(algorithm, key_dir)
            trusted[key.key_name] = key.public_key
    return trusted
