"""moto's IAM access control as Cognito meets it: unsigned operations pass, refusals are JSON.

moto checks IAM policies on every request once its first ``INITIAL_NO_AUTH_ACTION_COUNT``
requests are spent (``moto.core.authorization``). Two things there differ from AWS for Cognito:

- It lets through unchecked only a short hand-written list of public Cognito operations. That
  list misses some that AWS answers unsigned, among them the two the workshop's web app sends
  after signing in: RespondToAuthChallenge (SRP's second half) and GetCredentialsForIdentity.
  botocore sends those without a signature, so moto, looking for one, fails inside with HTTP 500.
  The list is completed here from botocore's own service models, which mark each operation AWS
  serves without a signature.
- It refuses in IAM's XML, which a client of a JSON service (Cognito) cannot read: it sees an
  HTTP 403 with no error code. AWS answers those services in JSON, e.g. ``AccessDeniedException``
  "User: ... is not authorized to perform: cognito-idp:CreateUserPool ..." with HTTP 400 (as quoted
  in public issues: aws-samples/aws-ai-intelligent-document-processing#12,
  lgallard/terraform-aws-cognito-user-pool#116). So a refusal of a JSON request is answered in
  JSON here, moto's message kept; ``AccessDenied`` becomes ``AccessDeniedException``.
"""

from __future__ import annotations

# The JSON services whose X-Amz-Target moto's list names: Cognito user pools and identity pools.
SERVICES = ("cognito-idp", "cognito-identity")


def unsigned_operations(services: tuple[str, ...] = SERVICES) -> list[str]:
    """``<target prefix>.<operation>`` of each operation botocore's model sends unsigned, as moto names them."""
    import botocore.session

    loader = botocore.session.get_session()
    found = []
    for name in services:
        model = loader.get_service_model(name)
        prefix = model.metadata["targetPrefix"]
        for operation in model.operation_names:
            operation_model = model.operation_model(operation)
            if operation_model.auth_type == "none" or operation_model.auth == ["smithy.api#noAuth"]:
                found.append(f"{prefix}.{operation}")
    return found


# moto's IAM refusal codes, as JSON services name them (the others keep their code).
JSON_CODES = {"AccessDenied": "AccessDeniedException"}


def _authorize_in_json_where_asked_in_json(authorize):
    """moto's authorization, its refusal of a JSON request (one naming its operation in
    X-Amz-Target) raised as a JSON error."""
    from moto.core.exceptions import JsonRESTError, _RESTError

    def authorize_normal_action(self, resource: str = "*") -> None:
        try:
            authorize(self, resource)
        except _RESTError as refusal:
            if not self.headers.get("X-Amz-Target") or isinstance(refusal, JsonRESTError):
                raise
            answer = JsonRESTError(JSON_CODES.get(refusal.error_type, refusal.error_type), refusal.message)
            answer.code = 400 if refusal.error_type in JSON_CODES else refusal.code
            raise answer from None

    authorize_normal_action.wrapped = authorize
    return authorize_normal_action


def install() -> None:
    """Add the operations botocore sends unsigned to moto's public operations (once each), and
    answer refusals of JSON requests in JSON."""
    from moto.core.authorization import ActionAuthenticatorMixin

    public = ActionAuthenticatorMixin.PUBLIC_OPERATIONS
    public.extend(operation for operation in unsigned_operations() if operation not in public)
    authorize = ActionAuthenticatorMixin._authenticate_and_authorize_normal_action
    if not hasattr(authorize, "wrapped"):
        ActionAuthenticatorMixin._authenticate_and_authorize_normal_action = (
            _authorize_in_json_where_asked_in_json(authorize))
