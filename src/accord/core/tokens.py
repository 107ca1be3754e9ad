"""Secrets handed to users once (API tokens, invitations) and stored only as hashes."""

import hashlib
import secrets


def new_secret(prefix: str = "acc") -> str:
    return f"{prefix}_{secrets.token_urlsafe(32)}"


def hash_secret(secret: str) -> str:
    return hashlib.sha256(secret.encode()).hexdigest()
