"""Reading a compact JWT's parts without checking its signature, shared by the token checks."""

from __future__ import annotations

import base64
import json
from typing import Any


def unverified_parts(token: str) -> tuple[dict[str, Any], dict[str, Any]] | None:
    """The header and claims of a compact JWT, read as they are; None when it is no JWT."""
    parts = token.split(".")
    if len(parts) != 3:
        return None
    try:
        header, claims = (json.loads(base64.urlsafe_b64decode(part + "=" * (-len(part) % 4)))
                          for part in parts[:2])
    except ValueError:
        return None
    if not isinstance(header, dict) or not isinstance(claims, dict):
        return None
    return header, claims
