"""The server side of Cognito's SRP-6a: the PASSWORD_VERIFIER challenge and the check of its answer."""

from __future__ import annotations

import base64
import binascii
import hashlib
import hmac
import secrets
from dataclasses import dataclass

# The group, the hashing and the key derivation are the ones Cognito's clients use
# (amazon-cognito-identity-js's AuthenticationHelper, ported by pycognito); the server has to
# compute the very same bytes, so it reuses pycognito's helpers rather than a second copy.
from pycognito.aws_srp import (
    G_HEX,
    N_HEX,
    calculate_u,
    compute_hkdf,
    hash_sha256,
    hex_hash,
    hex_to_long,
    long_to_hex,
    pad_hex,
)

BIG_N = hex_to_long(N_HEX)
G = hex_to_long(G_HEX)
# k = H(pad(N) | pad(g)), as the clients compute it.
K = hex_to_long(hex_hash(pad_hex(N_HEX) + pad_hex(G_HEX)))
SALT_BYTES = 16
# RFC 5054 asks for at least 256 random bits; more only slows every sign-in down.
SERVER_SECRET_BYTES = 32
SECRET_BLOCK_BYTES = 64


def password_verifier(pool_id: str, user_id_for_srp: str, password: str, salt_hex: str) -> int:
    """v = g^x mod N, with x = H(salt | H(pool id suffix + user id + ":" + password))."""
    pool_suffix = pool_id.split("_", 1)[1]
    identity_hash = hash_sha256(f"{pool_suffix}{user_id_for_srp}:{password}".encode("utf-8"))
    x = hex_to_long(hex_hash(pad_hex(salt_hex) + identity_hash))
    return pow(G, x, BIG_N)


@dataclass
class PasswordVerifierChallenge:
    """One USER_SRP_AUTH sign-in in progress: the server's secret and what the claim must prove."""

    pool_id: str
    user_id_for_srp: str
    salt_hex: str
    verifier: int
    small_b: int
    big_b: int
    big_a: int | None
    secret_block: str

    @classmethod
    def start(
        cls, pool_id: str, user_id_for_srp: str, password: str, srp_a: str, salt: int | None = None
    ) -> PasswordVerifierChallenge:
        """Answer a client's SRP_A for this user: server secret and secret block, and a fresh salt
        unless one is given (`SALT_BYTES` bytes, as a number)."""
        # The salt goes out as minimal hex: the JavaScript client reads it as a number and
        # pads it again, so hex with leading zeros would hash differently on the two sides.
        salt = secrets.randbits(SALT_BYTES * 8) if salt is None else salt
        salt_hex = long_to_hex(salt | 1 << (SALT_BYTES * 8 - 1))
        verifier = password_verifier(pool_id, user_id_for_srp, password, salt_hex)
        while True:
            small_b = secrets.randbits(SERVER_SECRET_BYTES * 8)
            big_b = (K * verifier + pow(G, small_b, BIG_N)) % BIG_N
            if small_b and big_b:
                break
        return cls(
            pool_id=pool_id,
            user_id_for_srp=user_id_for_srp,
            salt_hex=salt_hex,
            verifier=verifier,
            small_b=small_b,
            big_b=big_b,
            big_a=_parse_srp_a(srp_a),
            secret_block=base64.standard_b64encode(
                secrets.token_bytes(SECRET_BLOCK_BYTES)
            ).decode("ascii"),
        )

    def challenge_parameters(self, username: str) -> dict[str, str]:
        """The ChallengeParameters of the PASSWORD_VERIFIER challenge."""
        return {
            "SALT": self.salt_hex,
            "SRP_B": long_to_hex(self.big_b),
            "SECRET_BLOCK": self.secret_block,
            "USERNAME": username,
            "USER_ID_FOR_SRP": self.user_id_for_srp,
        }

    def expected_signature(self, timestamp: str) -> bytes | None:
        """The PASSWORD_CLAIM_SIGNATURE a client that knows the password sends, or None if none can."""
        # A ≡ 0 (mod N) or u = 0 would make the shared secret known without the password.
        if self.big_a is None or self.big_a % BIG_N == 0:
            return None
        u = calculate_u(self.big_a, self.big_b)
        if u == 0:
            return None
        shared_secret = pow(self.big_a * pow(self.verifier, u, BIG_N), self.small_b, BIG_N)
        key = compute_hkdf(
            bytes.fromhex(pad_hex(shared_secret)), bytes.fromhex(pad_hex(long_to_hex(u)))
        )
        message = (
            self.pool_id.split("_", 1)[1].encode("utf-8")
            + self.user_id_for_srp.encode("utf-8")
            + base64.standard_b64decode(self.secret_block)
            + timestamp.encode("utf-8")
        )
        return hmac.new(key, message, hashlib.sha256).digest()

    def claim_is_valid(self, timestamp: str, signature: str) -> bool:
        """Whether the client's signature proves it knows the password."""
        expected = self.expected_signature(timestamp)
        try:
            given = base64.b64decode(signature, validate=True)
        except (binascii.Error, ValueError):
            return False
        return expected is not None and hmac.compare_digest(expected, given)


def _parse_srp_a(srp_a: str) -> int | None:
    try:
        return hex_to_long(srp_a)
    except ValueError:
        return None
