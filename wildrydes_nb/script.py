"""The identity-pool step as a shell script of AWS CLI commands, to do it by hand and read line by line."""

from __future__ import annotations

import json
import shlex

from . import roles
from .identity_pool import CREATED_AT_TAG, OWNER_TAG, Plan, desired_providers

_KIND_VARIABLE = {roles.AUTHENTICATED: "AUTH", roles.UNAUTHENTICATED: "UNAUTH"}


def shell_script(plan: Plan) -> str:
    """A bash script that does the step with the AWS CLI (v1 or v2), safe to run again.

    Each part looks before it creates: the pool is the one of that name linked to the learner's
    user pool (one linked to another is someone else's: the script stops), a role by its name, and
    the trust policy is rewritten only when it does not name this pool. The AWS CLI follows
    the usual configuration (profile, ``AWS_ENDPOINT_URL`` for the sandbox). It needs no jq:
    the CLI's ``--query`` picks the values.
    """
    step = plan.step
    kinds = list(plan.observed.role_names)
    lines = [
        "#!/usr/bin/env bash",
        "# The Wild Rydes step 'Creating a Cognito Identity Pool', by hand with the AWS CLI.",
        "# Written by 'wildrydes-nb identity-pool --plan --format sh'. Run it with: bash THIS_FILE",
        "# Safe to run again: each part looks before it creates, so a second run creates nothing.",
        "# The AWS CLI uses your usual configuration: AWS_PROFILE, or AWS_ENDPOINT_URL for the sandbox.",
        "set -euo pipefail  # stop at the first failing command, an unset variable or a failed pipe",
        "",
        "# The values of the workshop's scratchpad, and the names this step uses.",
        f"REGION={shlex.quote(step.region)}  # the user pool's region: the identity pool goes there too",
        f"USER_POOL_ID={shlex.quote(step.user_pool_id)}  # User Pool ID (previous step)",
        f"APP_CLIENT_ID={shlex.quote(step.app_client_id)}  # App client ID (previous step)",
        f"POOL_NAME={shlex.quote(step.identity_pool_name)}  # the identity pool's name",
        *(f"{_KIND_VARIABLE[k]}_ROLE_NAME={shlex.quote(plan.observed.role_names[k])}  # the role of {k} "
          f"identities" for k in kinds),
        "export AWS_DEFAULT_REGION=\"$REGION\"  # every command below talks to this region (IAM is global)",
        "",
        "# 1. Look for YOUR identity pool: one of that name linked to your user pool. Cognito allows many",
        "#    pools of one name, and an account may be shared: a pool of that name linked to another user",
        "#    pool is someone else's, and this script leaves it alone.",
        "POOL_ID=\"\"",
        "NOT_YOURS=\"\"",
        "for ID in $(aws cognito-identity list-identity-pools --max-results 60 \\",
        "        --query \"IdentityPools[?IdentityPoolName=='$POOL_NAME'].IdentityPoolId\" --output text); do",
        "    LINKED=$(aws cognito-identity describe-identity-pool --identity-pool-id \"$ID\" --output text --query \\",
        "        \"length(CognitoIdentityProviders[?ProviderName=='cognito-idp.$REGION.amazonaws.com/$USER_POOL_ID'] || \\`[]\\`)\")",
        "    if [ \"$LINKED\" != \"0\" ]; then POOL_ID=${POOL_ID:-$ID}; else NOT_YOURS=\"$NOT_YOURS $ID\"; fi",
        "done",
        "if [ -z \"$POOL_ID\" ] && [ -n \"$NOT_YOURS\" ]; then",
        "    echo \"identity pools called $POOL_NAME exist, none linked to your user pool (not yours):$NOT_YOURS.\" >&2",
        "    echo \"Give yours a name of its own: change POOL_NAME above (role names are account-wide).\" >&2",
        "    exit 1",
        "fi",
        "",
        "# 2. Create it if it is missing: one provider (this user pool and app client), unauthenticated",
        "#    identities " + ("on" if step.allow_unauthenticated else "off (the workshop leaves them off)")
        + ", tagged so that wildrydes-nb cleanup knows it.",
        "if [ -z \"$POOL_ID\" ]; then",
        "    POOL_ID=$(aws cognito-identity create-identity-pool \\",
        "        --identity-pool-name \"$POOL_NAME\" \\",
        "        " + ("--allow-unauthenticated-identities" if step.allow_unauthenticated
                    else "--no-allow-unauthenticated-identities") + " \\",
        "        --cognito-identity-providers " + _providers(step) + " \\",
        "        --identity-pool-tags \"{\\\"managed-by\\\": \\\"wildrydes-nb\\\", "
        f"\\\"{CREATED_AT_TAG}\\\": \\\"$(date -u +%Y-%m-%dT%H:%M:%S.000000Z)\\\", "
        f"\\\"{OWNER_TAG}\\\": \\\"$USER_POOL_ID\\\"}}\" \\",
        "        --query IdentityPoolId --output text)  # keep only the new pool's id",
        "    echo \"created the identity pool $POOL_ID\"",
        "else",
        "    echo \"found the identity pool $POOL_ID: kept as it is (wildrydes-nb identity-pool repairs its settings)\"",
        "fi",
        "",
    ]
    for number, kind in enumerate(kinds, start=3):
        lines += _role_part(number, kind, step)
    attach = " ".join(f"{kind}=\"${_KIND_VARIABLE[kind]}_ROLE_ARN\"" for kind in kinds)
    lines += [
        f"# {3 + len(kinds)}. Attach the role(s) to the pool: Cognito hands out credentials of the role of each kind.",
        "#    Setting the same roles again changes nothing.",
        f"aws cognito-identity set-identity-pool-roles --identity-pool-id \"$POOL_ID\" --roles {attach}",
        "",
        "# The Identity Pool ID, for the workshop's scratchpad (region code and ':' included, no quotes).",
        "echo \"Identity Pool ID: $POOL_ID\"",
    ]
    return "\n".join(lines) + "\n"


def _providers(step) -> str:
    # Values from the step, known now: written out as the JSON the API takes.
    return shlex.quote(json.dumps(desired_providers(step)))


def _role_part(number: int, kind: str, step) -> list[str]:
    var, region = _KIND_VARIABLE[kind], step.region
    # An account's IAM restrictions (--permissions-boundary, --role-path), as the step honours them.
    restrictions = ([f"        --path {shlex.quote(step.role_path)} \\"] if step.role_path != "/" else []) + (
        [f"        --permissions-boundary {shlex.quote(step.permissions_boundary)} \\"]
        if step.permissions_boundary else [])
    policy = json.dumps(roles.trust_policy("__POOL_ID__", kind, region), indent=2).replace("__POOL_ID__", "$POOL_ID")
    principal = roles.cognito_principal(region)
    return [
        f"# {number}. The {kind} role. Its trust policy says who may assume it:",
        f"#    Principal {principal}: only Cognito identity pools, through",
        "#      sts:AssumeRoleWithWebIdentity;",
        "#    aud = this pool's id: only THIS pool (without it, any pool in any account could);",
        f"#    amr = {kind}: only {kind} identities.",
        "#    The policy is written to a file with the pool's id filled in.",
        f"{var}_TRUST_POLICY=$(mktemp)",
        f"cat > \"${var}_TRUST_POLICY\" <<EOF",
        *policy.splitlines(),
        "EOF",
        f"if {var}_ROLE_ARN=$(aws iam get-role --role-name \"${var}_ROLE_NAME\" --query Role.Arn --output text "
        "2>/dev/null); then",
        "    # The role exists: rewrite its trust policy only if it does not name this pool (IAM takes",
        "    # a few seconds to make a changed trust usable, so an unneeded rewrite costs a wait).",
        f"    TRUSTED=$(aws iam get-role --role-name \"${var}_ROLE_NAME\" --output text \\",
        "        --query 'Role.AssumeRolePolicyDocument.Statement[0].Condition.StringEquals."
        f"\"{principal}:aud\"')",
        "    if [ \"$TRUSTED\" != \"$POOL_ID\" ]; then",
        f"        aws iam update-assume-role-policy --role-name \"${var}_ROLE_NAME\" "
        f"--policy-document \"file://${var}_TRUST_POLICY\"",
        f"        echo \"rewrote the trust policy of ${var}_ROLE_NAME to trust $POOL_ID\"",
        "    else",
        f"        echo \"found the role ${var}_ROLE_NAME, already trusting $POOL_ID\"",
        "    fi",
        "else",
        "    # No such role: create it with that trust policy. It has no permissions yet (later steps add them).",
        f"    {var}_ROLE_ARN=$(aws iam create-role --role-name \"${var}_ROLE_NAME\" \\",
        f"        --assume-role-policy-document \"file://${var}_TRUST_POLICY\" \\",
        f"        --description \"Cognito identity pool $POOL_ID, {kind} identities\" \\",
        *restrictions,
        "        --tags Key=managed-by,Value=wildrydes-nb \\",
        "        --query Role.Arn --output text)",
        f"    echo \"created the role ${var}_ROLE_ARN\"",
        "fi",
        f"rm -f \"${var}_TRUST_POLICY\"",
        "",
    ]
