"""The user-pool behaviour moto lacks: sign-in names, auth flows, SRP that checks the password, deletion protection."""

from __future__ import annotations

import hashlib
import hmac
import json
import secrets
import string
import threading
import uuid
from typing import Any

from moto.cognitoidp.exceptions import UserNotFoundError
from moto.cognitoidp.models import (
    CognitoIdpBackend,
    UserStatus,
    CognitoIdpUser,
    CognitoIdpUserPool,
    CognitoIdpUserPoolClient,
)
from moto.cognitoidp.utils import validate_username_format
from moto.moto_api._internal import mock_random
from moto.settings import (
    get_cognito_idp_user_pool_client_id_strategy,
    get_cognito_idp_user_pool_id_strategy,
)

from .exceptions import (
    AlreadyConfirmedError,
    AuthFlowNotEnabledError,
    CodeMismatchError,
    DeletionProtectionError,
    EmailUsernameInAliasPoolError,
    ExpiredCodeError,
    IncorrectPasswordError,
    InvalidSessionError,
    MissingParameterError,
    NoCodeDestinationError,
    NotUnconfirmedError,
    UnknownUserError,
    UsernameFormatError,
    UserPoolClientNotFoundError,
)
from .codes import SentCode
from .srp import SALT_BYTES, PasswordVerifierChallenge

# Both the current and the legacy name of the flag let a client use USER_PASSWORD_AUTH.
USER_PASSWORD_AUTH_FLAGS = {"ALLOW_USER_PASSWORD_AUTH", "USER_PASSWORD_AUTH"}
# Before the ALLOW_* flags, SRP needed no flag: a client listing only legacy flags has it,
# unless it is restricted to custom authentication.
LEGACY_FLAGS = {"ADMIN_NO_SRP_AUTH", "CUSTOM_AUTH_FLOW_ONLY", "USER_PASSWORD_AUTH"}
REQUIRED_AUTH_PARAMETERS = {
    "USER_SRP_AUTH": ("USERNAME", "SRP_A"),
    "USER_PASSWORD_AUTH": ("USERNAME", "PASSWORD"),
}
# Aliases that sign a user in only once verified; preferred_username needs no verification.
VERIFIED_ALIASES = {"email", "phone_number"}

# Ids as AWS makes them: a user pool's is its region, "_" and 9 letters and digits
# (us-east-2_teEUQbkUh); an app client's 26 lower-case letters and digits.
USER_POOL_ID_SUFFIX = (string.ascii_letters + string.digits, 9)
APP_CLIENT_ID = (string.ascii_lowercase + string.digits, 26)

# Taken when this module is first imported, which install() does before it copies the
# extensions onto moto's classes, so these stay moto's own methods.
_moto_initiate_auth = CognitoIdpBackend.initiate_auth
_moto_respond_to_auth_challenge = CognitoIdpBackend.respond_to_auth_challenge
_moto_admin_create_user = CognitoIdpBackend.admin_create_user
_moto_sign_up = CognitoIdpBackend.sign_up
_moto_confirm_sign_up = CognitoIdpBackend.confirm_sign_up
_moto_delete_user_pool = CognitoIdpBackend.delete_user_pool
_moto_create_user_pool = CognitoIdpBackend.create_user_pool
_moto_create_user_pool_client = CognitoIdpBackend.create_user_pool_client
_moto_forgot_password = CognitoIdpBackend.forgot_password
_moto_admin_initiate_auth = CognitoIdpBackend.admin_initiate_auth
_moto_confirm_forgot_password = CognitoIdpBackend.confirm_forgot_password
_moto_get_user = CognitoIdpUserPool._get_user
_moto_update_extended_config = CognitoIdpUserPool.update_extended_config


class CognitoIdpUserPoolExtension:
    """Methods that `install()` copies onto moto's `CognitoIdpUserPool`."""

    def update_extended_config(self, extended_config: dict[str, Any]) -> None:
        """Store the pool's settings; DeletionProtection is INACTIVE unless given.

        That is CreateUserPool's default, and UpdateUserPool resets a setting it is not given.
        """
        _moto_update_extended_config(self, extended_config)
        self.extended_config.setdefault("DeletionProtection", "INACTIVE")

    def create_id_token(self, client_id: str, username: str, origin_jti: str) -> tuple[str, int]:
        """An ID token with the claims AWS puts in one: the user's attributes that the app client
        may read (all, when it names no ReadAttributes), `email_verified` and
        `phone_number_verified` as booleans, `event_id` and `origin_jti` (moto adds `sub`,
        `cognito:username`, `aud`, `token_use`, `auth_time`, `iat`, `exp` and `jti`)."""
        user = self._get_user(username)
        client = self.clients.get(client_id)
        readable = set(client.get_readable_fields()) if client is not None else set()
        claims: dict[str, Any] = {}
        for attribute in user.attributes:
            name = attribute["Name"]
            if name != "sub" and (not readable or name in readable):
                claims[name] = attribute["Value"]
        for contact in VERIFIED_ALIASES:
            if contact in claims and (not readable or f"{contact}_verified" in readable):
                claims[f"{contact}_verified"] = str(claims.get(f"{contact}_verified", "")).lower() == "true"
        if user.groups:
            claims["cognito:groups"] = [group.group_name for group in user.groups]
        claims.update(origin_jti=origin_jti, event_id=str(uuid.uuid4()))
        id_token, expires_in = self.create_jwt(client_id, username, "id", extra_data=claims)
        self.id_tokens[id_token] = (client_id, username)
        return id_token, expires_in

    def _get_user(self, username: str) -> CognitoIdpUser | None:
        """Find a user by username, by UsernameAttributes, or by a verified alias (AliasAttributes)."""
        user = _moto_get_user(self, username)
        if user is not None or not username:
            return user
        for attribute in self.extended_config.get("AliasAttributes") or []:
            for candidate in self.users.values():
                if candidate.attribute_lookup.get(attribute) == username and _alias_usable(
                    candidate, attribute
                ):
                    return candidate
        return None


class SharedKeyImport:
    """Stands in for joserfc's ``jwk`` module inside moto's user-pool models (see `install()`).

    moto gives every user pool the same private key, read from one resource file, and imports
    it anew for each pool; joserfc then recovers the key's primes, about 0.1 s of CPU for each
    CreateUserPool. Here a key is imported once and the pools share it, as they share the file.
    The key only signs tokens, which needs no state of its own.
    """

    def __init__(self, jwk_module: Any):
        self._jwk = jwk_module
        self.RSAKey = _RSAKeyImportedOnce(jwk_module.RSAKey)

    def __getattr__(self, name: str) -> Any:
        return getattr(self._jwk, name)  # the rest of the module is joserfc's own


class _RSAKeyImportedOnce:
    """joserfc's ``RSAKey`` whose ``import_key`` of a key given as a dict is done once."""

    def __init__(self, key_class: Any):
        self._class = key_class
        self._imported: dict[str, Any] = {}
        self._lock = threading.Lock()

    def import_key(self, value: Any, *args: Any, **kwargs: Any) -> Any:
        if args or kwargs or not isinstance(value, dict):
            return self._class.import_key(value, *args, **kwargs)
        text = json.dumps(value, sort_keys=True)
        with self._lock:
            if text not in self._imported:
                self._imported[text] = self._class.import_key(value)
            return self._imported[text]

    def __getattr__(self, name: str) -> Any:
        return getattr(self._class, name)


class CognitoIdpBackendExtension:
    """Methods that `install()` copies onto moto's `CognitoIdpBackend`."""

    @property
    def srp_challenges(self) -> dict[str, PasswordVerifierChallenge]:
        """The PASSWORD_VERIFIER challenges not yet answered, by secret block."""
        # Created on first use in the instance dict: moto's reset() empties that dict, so
        # /moto-api/reset clears it, and backends built before install() get it too.
        return self.__dict__.setdefault("_srp_challenges", {})

    def create_user_pool(self, name: str, extended_config: dict[str, Any]) -> CognitoIdpUserPool:
        """Create a pool whose id is shaped as AWS's (moto's hash strategy, when set, keeps its own)."""
        user_pool = _moto_create_user_pool(self, name, extended_config)
        if get_cognito_idp_user_pool_id_strategy() is None:
            del self.user_pools[user_pool.id]
            user_pool.id = _new_id(self.user_pools, f"{self.region_name}_", *USER_POOL_ID_SUFFIX)
            user_pool.arn = f"{user_pool.arn.rsplit('/', 1)[0]}/{user_pool.id}"
            self.user_pools[user_pool.id] = user_pool
        return user_pool

    def create_user_pool_client(
        self, user_pool_id: str, generate_secret: bool, extended_config: dict[str, str]
    ) -> CognitoIdpUserPoolClient:
        """Create an app client whose id is shaped as AWS's (moto's hash strategy keeps its own)."""
        client = _moto_create_user_pool_client(self, user_pool_id, generate_secret, extended_config)
        if get_cognito_idp_user_pool_client_id_strategy() is None:
            clients = self.user_pools[user_pool_id].clients
            del clients[client.id]
            taken = {other for pool in self.user_pools.values() for other in pool.clients}
            client.id = _new_id(taken, "", *APP_CLIENT_ID)
            clients[client.id] = client
        return client

    def delete_user_pool(self, user_pool_id: str) -> None:
        """Delete the pool, unless its deletion protection is active."""
        if self.describe_user_pool(user_pool_id).extended_config.get("DeletionProtection") == (
            "ACTIVE"
        ):
            raise DeletionProtectionError()
        _moto_delete_user_pool(self, user_pool_id)

    def admin_create_user(
        self,
        user_pool_id: str,
        username: str,
        message_action: str,
        temporary_password: str,
        attributes: list[dict[str, str]],
    ) -> CognitoIdpUser:
        """Create a user, refusing a username the pool's sign-in settings do not allow."""
        if message_action != "RESEND":
            _check_new_username(self.describe_user_pool(user_pool_id), username)
        return _moto_admin_create_user(
            self, user_pool_id, username, message_action, temporary_password, attributes
        )

    @property
    def sent_codes(self) -> dict[tuple[str, str], SentCode]:
        """The sign-up codes sent and not yet used, by user pool id and username."""
        return self.__dict__.setdefault("_sent_codes", {})

    def sign_up(
        self,
        client_id: str,
        username: str,
        password: str,
        attributes: list[dict[str, str]],
    ) -> tuple[CognitoIdpUser, Any]:
        """Register a user, refusing a username the pool's sign-in settings do not allow, and send
        the confirmation code where the pool verifies (`code_destination`), kept in `sent_codes`."""
        found = self._known_client(client_id)
        _check_new_username(found[0], username)
        user, _ = _moto_sign_up(self, client_id, username, password, attributes)
        attribute = code_destination(found[0], user)
        if attribute is None:
            return user, None  # nothing to verify: Cognito sends no code
        sent = SentCode(found[0].id, user.username, attribute, user.attribute_lookup[attribute])
        self.sent_codes[(found[0].id, user.username)] = sent
        return user, sent.delivery_details()

    def confirm_sign_up(self, client_id: str, username: str, confirmation_code: str | None = None) -> str:
        """Confirm a registration with the code Cognito sent, which verifies where it went.

        A code other than the one sent is refused (moto confirms any). Confirming marks the
        attribute the code went to verified, so it then works as a sign-in alias (moto verifies
        nothing). `confirmation_code` None is moto's own call, which checks no code.
        """
        found = self._known_client(client_id)
        user = found[0]._get_user(username)
        if user is None:
            raise ExpiredCodeError() if _hides_users(found[1]) else UnknownUserError()
        if confirmation_code is not None and user.status != UserStatus.UNCONFIRMED:
            raise NotUnconfirmedError()
        sent = self.sent_codes.get((found[0].id, user.username))
        if confirmation_code is not None and (
                sent is None or not hmac.compare_digest(sent.code.encode(), confirmation_code.encode())):
            raise CodeMismatchError()
        answer = _moto_confirm_sign_up(self, client_id, username)
        if sent is not None:
            del self.sent_codes[(sent.user_pool_id, sent.username)]
            user.update_attributes([{"Name": f"{sent.attribute}_verified", "Value": "true"}])
        return answer

    def resend_confirmation_code(self, client_id: str, username: str) -> dict[str, Any]:
        """Send a new sign-up code where the first went (it replaces the first); CodeDeliveryDetails.

        An unknown user: UserNotFoundException, or, when the app client hides user existence, a
        pretended delivery to where the pool would send it. A confirmed user has no code to get.
        """
        user_pool, client = self._known_client(client_id)
        user = user_pool._get_user(username)
        if user is None:
            if not _hides_users(client):
                raise UnknownUserError()
            auto_verified = user_pool.extended_config.get("AutoVerifiedAttributes") or []
            attribute = "phone_number" if auto_verified == ["phone_number"] else "email"
            fake = "+10000000000" if attribute == "phone_number" else f"{username[:1] or 'x'}@example.com"
            return {"CodeDeliveryDetails": SentCode(user_pool.id, username, attribute, fake).delivery_details()}
        if user.status != UserStatus.UNCONFIRMED:
            raise AlreadyConfirmedError()
        attribute = code_destination(user_pool, user)
        if attribute is None:
            raise NoCodeDestinationError()
        sent = SentCode(user_pool.id, user.username, attribute, user.attribute_lookup[attribute])
        self.sent_codes[(user_pool.id, user.username)] = sent
        return {"CodeDeliveryDetails": sent.delivery_details()}

    def admin_initiate_auth(
        self, user_pool_id: str, client_id: str, auth_flow: str, auth_parameters: dict[str, str]
    ) -> dict[str, Any]:
        """Sign in by the admin flows; an unknown user is a wrong password when the client hides users."""
        user_pool = self.describe_user_pool(user_pool_id)
        client = user_pool.clients.get(client_id)
        if (client is not None and _hides_users(client)
                and auth_flow in ("ADMIN_USER_PASSWORD_AUTH", "ADMIN_NO_SRP_AUTH")
                and user_pool._get_user((auth_parameters or {}).get("USERNAME") or "") is None):
            raise IncorrectPasswordError()
        return _moto_admin_initiate_auth(self, user_pool_id, client_id, auth_flow, auth_parameters)

    def forgot_password(self, client_id: str, username: str) -> tuple[str | None, dict[str, Any]]:
        """Send a recovery code; for a user the pool does not have, say so only when the app
        client shows user existence errors (LEGACY), else pretend a code went out, as AWS does."""
        found = self._find_client(client_id)
        if found is not None and found[0]._get_user(username) is None and not _hides_users(found[1]):
            raise UnknownUserError()
        return _moto_forgot_password(self, client_id, username)

    def confirm_forgot_password(self, client_id: str, username: str, password: str, confirmation_code: str) -> None:
        """Set a new password with the recovery code; an unknown user is a wrong code when hidden."""
        found = self._find_client(client_id)
        if found is not None and found[0]._get_user(username) is None:
            raise CodeMismatchError() if _hides_users(found[1]) else UnknownUserError()
        _moto_confirm_forgot_password(self, client_id, username, password, confirmation_code)

    def initiate_auth(
        self, client_id: str, auth_flow: str, auth_parameters: dict[str, str]
    ) -> dict[str, Any]:
        """Start a sign-in with a flow the app client allows.

        USER_SRP_AUTH answers with a real PASSWORD_VERIFIER challenge; a user may sign in
        with a verified alias, and is then signed in under their username.
        """
        user_pool, client = self._known_client(client_id)
        if not _flow_enabled(client, auth_flow):
            raise AuthFlowNotEnabledError(auth_flow)
        for name in REQUIRED_AUTH_PARAMETERS.get(auth_flow, ()):
            if not auth_parameters.get(name):
                raise MissingParameterError(name)
        hidden = _hides_users(client) and user_pool._get_user(auth_parameters.get("USERNAME") or "") is None
        if auth_flow == "USER_SRP_AUTH":
            if hidden:
                return self._simulated_password_verifier(user_pool, auth_parameters)
            return self._start_password_verifier(client_id, auth_parameters)
        if hidden and auth_flow == "USER_PASSWORD_AUTH":
            raise IncorrectPasswordError()
        if auth_flow == "USER_PASSWORD_AUTH":
            auth_parameters = {
                **auth_parameters,
                "USERNAME": _sign_in_name(user_pool, auth_parameters["USERNAME"]),
            }
        return _moto_initiate_auth(self, client_id, auth_flow, auth_parameters)

    def respond_to_auth_challenge(
        self,
        session: str,
        client_id: str,
        challenge_name: str,
        challenge_responses: dict[str, str],
    ) -> dict[str, Any]:
        """Answer a challenge; a PASSWORD_VERIFIER answer must prove the password."""
        if challenge_name == "PASSWORD_VERIFIER":
            challenge_responses = self._check_password_claim(client_id, challenge_responses)
        return _moto_respond_to_auth_challenge(
            self, session, client_id, challenge_name, challenge_responses
        )

    def _find_client(
        self, client_id: str
    ) -> tuple[CognitoIdpUserPool, CognitoIdpUserPoolClient] | None:
        for user_pool in self.user_pools.values():
            client = user_pool.clients.get(client_id)
            if client is not None:
                return user_pool, client
        return None

    def _known_client(self, client_id: str) -> tuple[CognitoIdpUserPool, CognitoIdpUserPoolClient]:
        """The pool and app client of `client_id` in this region, else AWS's ResourceNotFoundException."""
        found = self._find_client(client_id)
        if found is None:
            raise UserPoolClientNotFoundError(client_id)
        return found

    def _start_password_verifier(
        self, client_id: str, auth_parameters: dict[str, str]
    ) -> dict[str, Any]:
        # moto checks SRP_A, the secret hash and the user (exists, enabled, confirmed) and
        # opens a session; its challenge values are random, so they are replaced here.
        moto_challenge = _moto_initiate_auth(self, client_id, "USER_SRP_AUTH", auth_parameters)
        _, user_pool = self.sessions.pop(moto_challenge["Session"])
        user = user_pool._get_user(auth_parameters["USERNAME"])
        # A user created without a temporary password has one that nobody knows.
        password = user.password if user.password is not None else secrets.token_urlsafe(32)
        challenge = PasswordVerifierChallenge.start(
            user_pool.id, user.username, password, auth_parameters["SRP_A"]
        )
        # moto finds a PASSWORD_VERIFIER session by its secret block, so that is the key.
        self.sessions[challenge.secret_block] = (user.username, user_pool)
        self.srp_challenges[challenge.secret_block] = challenge
        return {
            "ChallengeName": "PASSWORD_VERIFIER",
            "Session": challenge.secret_block,
            "ChallengeParameters": challenge.challenge_parameters(user.username),
        }

    def _simulated_password_verifier(
        self, user_pool: CognitoIdpUserPool, auth_parameters: dict[str, str]
    ) -> dict[str, Any]:
        """The challenge AWS answers for a user that does not exist when existence errors are
        hidden: a salt and a UUID user id that are the same each time for this name and pool."""
        username = auth_parameters["USERNAME"]
        digest = hmac.new(self.__dict__.setdefault("_simulated_user_key", secrets.token_bytes(32)),
                          f"{user_pool.id}\0{username}".encode("utf-8"), hashlib.sha256).digest()
        user_id = str(uuid.UUID(bytes=digest[:16], version=4))
        challenge = PasswordVerifierChallenge.start(
            user_pool.id, user_id, secrets.token_urlsafe(32), auth_parameters["SRP_A"],
            salt=int.from_bytes(digest[16:16 + SALT_BYTES], "big"))
        self.sessions[challenge.secret_block] = (user_id, user_pool)
        self.srp_challenges[challenge.secret_block] = challenge
        return {"ChallengeName": "PASSWORD_VERIFIER", "Session": challenge.secret_block,
                "ChallengeParameters": challenge.challenge_parameters(user_id)}

    def _check_password_claim(self, client_id: str, challenge_responses: dict[str, str]) -> dict[str, str]:
        """The responses for moto, with USERNAME the user's username, once the claim is proven."""
        secret_block = challenge_responses.get("PASSWORD_CLAIM_SECRET_BLOCK")
        # Each challenge is answered once: right or wrong, it is gone afterwards.
        challenge = self.srp_challenges.pop(secret_block or "", None)
        if challenge is None:
            raise InvalidSessionError()
        _, user_pool = self.sessions[challenge.secret_block]
        user = user_pool._get_user(challenge_responses.get("USERNAME") or "")
        if user is None or user.username != challenge.user_id_for_srp:
            del self.sessions[challenge.secret_block]
            found = self._find_client(client_id)
            if user is None and not (found is not None and _hides_users(found[1])):
                raise UserNotFoundError("User does not exist.")
            raise IncorrectPasswordError()
        if not challenge.claim_is_valid(
            challenge_responses.get("TIMESTAMP") or "",
            challenge_responses.get("PASSWORD_CLAIM_SIGNATURE") or "",
        ):
            del self.sessions[challenge.secret_block]
            raise IncorrectPasswordError()
        return {**challenge_responses, "USERNAME": user.username}


def _new_id(taken: Any, prefix: str, alphabet: str, length: int) -> str:
    """A random id not in `taken`, drawn with moto's random (so moto's seed makes it repeatable)."""
    while True:
        candidate = prefix + "".join(mock_random.choice(alphabet) for _ in range(length))
        if candidate not in taken:
            return candidate


def _hides_users(client: CognitoIdpUserPoolClient) -> bool:
    """Whether the app client hides that a user does not exist (PreventUserExistenceErrors)."""
    return client.extended_config.get("PreventUserExistenceErrors") == "ENABLED"


def _flow_enabled(client: CognitoIdpUserPoolClient, auth_flow: str) -> bool:
    flows = set(client.extended_config.get("ExplicitAuthFlows") or [])
    if auth_flow == "USER_PASSWORD_AUTH":
        return bool(USER_PASSWORD_AUTH_FLAGS & flows)
    if auth_flow == "USER_SRP_AUTH":
        # A client created without ExplicitAuthFlows allows SRP, refresh and custom auth.
        if not flows or "ALLOW_USER_SRP_AUTH" in flows:
            return True
        return flows <= LEGACY_FLAGS and "CUSTOM_AUTH_FLOW_ONLY" not in flows
    return True


def code_destination(user_pool: CognitoIdpUserPool, user: CognitoIdpUser) -> str | None:
    """Where Cognito sends a sign-up code: the phone number when the pool auto-verifies it and the
    user has one, else the email when it auto-verifies that and the user has one, else nowhere."""
    auto_verified = user_pool.extended_config.get("AutoVerifiedAttributes") or []
    return next((a for a in ("phone_number", "email") if a in auto_verified and user.attribute_lookup.get(a)), None)


def _check_new_username(user_pool: CognitoIdpUserPool, username: str) -> None:
    username_attributes = user_pool.extended_config.get("UsernameAttributes") or []
    if username_attributes:
        if not any(validate_username_format(username, kind) for kind in username_attributes):
            raise UsernameFormatError(username_attributes)
    elif "email" in (user_pool.extended_config.get("AliasAttributes") or []):
        if validate_username_format(username, "email"):
            raise EmailUsernameInAliasPoolError()


def _alias_usable(user: CognitoIdpUser, attribute: str) -> bool:
    if attribute not in VERIFIED_ALIASES:
        return True
    return str(user.attribute_lookup.get(f"{attribute}_verified", "")).lower() == "true"


def _sign_in_name(user_pool: CognitoIdpUserPool, username: str) -> str:
    """The username of the user `username` names (it may be an alias), for moto to sign in."""
    # moto resolves UsernameAttributes pools itself and puts the given email in the ID token.
    if user_pool.extended_config.get("UsernameAttributes"):
        return username
    user = user_pool._get_user(username)
    return user.username if user is not None else username
