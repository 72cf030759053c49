"""What a secret looks like, and how it is shown: never in full."""

from __future__ import annotations

import re

# Shapes of what must never be shown or stored: a JWT (ID or access token), an access key
# id, and a secret access key (40 base64 characters standing alone).
SECRET_SHAPES = (re.compile(r"eyJ[\w-]+\.eyJ[\w-]*\.[\w-]*"),
                 re.compile(r"\b(?:AKIA|ASIA)[0-9A-Z]{16}\b"),
                 re.compile(r"(?<![\w/+=])[A-Za-z0-9/+=]{40}(?![\w/+=])"))


def redact(value: str | None, keep: int = 4) -> str:
    """Show only the first ``keep`` characters of a credential and its length."""
    if not value:
        return "(none)"
    return f"{value[:keep]}…({len(value)} chars)"


def looks_secret(text) -> bool:
    """Whether the text holds anything shaped like a token or a key."""
    return any(shape.search(str(text)) for shape in SECRET_SHAPES)


def scrub(text, keep: int = 4) -> str:
    """The text with anything shaped like a token or a key replaced by its redacted form
    (the first ``keep`` characters and the length)."""
    text = "" if text is None else str(text)
    for shape in SECRET_SHAPES:
        text = shape.sub(lambda m: redact(m.group(0), keep), text)
    return text
