"""The confirmation codes a user pool "sent": kept so that a learner can read them, as from a mailbox."""

from __future__ import annotations

import secrets
import time
from dataclasses import dataclass, field
from typing import Any

DELIVERY_MEDIUM = {"email": "EMAIL", "phone_number": "SMS"}


@dataclass
class SentCode:
    """A code sent to a user's email address or phone number."""

    user_pool_id: str
    username: str
    attribute: str  # email or phone_number: where it went, and what confirming it verifies
    address: str
    code: str = field(default_factory=lambda: f"{secrets.randbelow(1_000_000):06d}")
    sent_at: float = field(default_factory=time.time)

    def delivery_details(self) -> dict[str, str]:
        """CodeDeliveryDetails as AWS sends them: the address masked."""
        return {"Destination": mask(self.attribute, self.address), "DeliveryMedium": DELIVERY_MEDIUM[self.attribute],
                "AttributeName": self.attribute}

    def to_dict(self) -> dict[str, Any]:
        """What `wildrydes-nb sandbox codes` shows: whose code it is, where it went, the code."""
        return {"user_pool_id": self.user_pool_id, "username": self.username, "sent_to": self.address,
                "delivery_medium": DELIVERY_MEDIUM[self.attribute], "code": self.code,
                "sent_at": round(self.sent_at, 3)}


def mask(attribute: str, address: str) -> str:
    """An address as CodeDeliveryDetails shows it: `a***@e***` for an email, `+*******0100` for a phone."""
    if attribute == "email":
        local, _, domain = address.partition("@")
        return f"{local[:1]}***@{domain[:1]}***"
    return f"{address[:1]}{'*' * max(len(address) - 5, 0)}{address[-4:]}"
