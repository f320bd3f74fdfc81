import hashlib


def passkey_hash(raw_key: str) -> str:
    """What is stored of an invite passkey: its SHA-256, never the key (read by services and
    selectors alike)."""
    return hashlib.sha256(raw_key.strip().encode()).hexdigest()
