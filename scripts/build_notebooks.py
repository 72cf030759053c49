"""Write the workbook's notebooks (notebooks/*.ipynb) from the cells below, without outputs.

Edit the narrative and code here, then run:

    .venv/bin/python scripts/build_notebooks.py          # write notebooks/*.ipynb
    .venv/bin/python scripts/build_notebooks.py --check  # exit 1 if a notebook is not what this writes
    .venv/bin/python scripts/regen_expected.py           # then refresh the tests' expected outputs
"""

from __future__ import annotations

import sys
from pathlib import Path

import nbformat

ROOT = Path(__file__).resolve().parent.parent
NOTEBOOK_DIR = ROOT / "notebooks"

KERNELSPEC = {"name": "python3", "display_name": "Python 3 (ipykernel)", "language": "python"}


def md(text: str) -> tuple[str, str, list]:
    return ("markdown", text.strip("\n"), [])


def code(text: str) -> tuple[str, str, list]:
    return ("code", text.strip("\n"), [])


def parameters(text: str) -> tuple[str, str, list]:
    """The cell papermill replaces values of; plain ``name = value  # comment`` lines only."""
    return ("code", text.strip("\n"), ["parameters"])


PARAMETERS_INTRO = md("""
### Parameters

The next cell fills the forms. In JupyterLab, leave it as it is: the forms take what is missing
from the scratchpad. A headless run sets the values with papermill, for example
`papermill NOTEBOOK.ipynb out.ipynb -p auto_submit True`; `papermill --help-notebook NOTEBOOK.ipynb`
lists them.
""")


def imports(*flags: str) -> tuple[str, str, list]:
    """The cell after the parameters; it reads the yes/no ones strictly, before any form acts
    (``papermill -p auto_submit false`` passes the text "false", which Python takes for true)."""
    checks = "".join(f'\n{flag} = inputs.parse_bool({flag}, "{flag}")' for flag in flags)
    return code(f"""
from wildrydes_nb import forms, inputs, render
from wildrydes_nb.scratchpad import Scratchpad

pad = Scratchpad(scratchpad_path){checks}
""")


IMPORTS = imports("auto_submit")

SHOW_SCRATCHPAD = code("render.scratchpad(pad.read(), pad.path)")

START_HERE = [
    md("""
# Wild Rydes: creating a Cognito identity pool

This workbook is one step of the Wild Rydes serverless authentication workshop, **Creating a
Cognito Identity Pool**. The page before it made a Cognito *user pool* (`WildRydes`) and an *app
client* (`wildrydes-web-app`): they let riders sign up and sign in. An *identity pool* is the other
half. It trades a signed-in rider's token for temporary AWS credentials, through an IAM role, so
that the web app can later call other AWS services (API Gateway, S3) as that rider.

| notebook | what it does |
|---|---|
| `00_start_here` (this one) | choose where to work, your AWS account or a local sandbox; check the credentials |
| `01_user_pool` | the prerequisite: create the user pool and app client, or paste the ones you have |
| `02_identity_pool` | the step: create the identity pool and its role, verify them, copy the Identity Pool ID |
| `99_cleanup` | delete what the workbook created |

Each notebook has forms: fill them in and click their buttons. The ids you need later go into a
**scratchpad** file, like the scratchpad tab the workshop has you keep open in Cloud9, so each
notebook starts where the previous one stopped.

To start a notebook, wait until the kernel is ready (*Idle* at the bottom of the window), then
choose **Run › Run All Cells**: the forms appear below the cells that make them. (Run All clicked
while the kernel is still starting does nothing, without a word.)
"""),
    md("""
## Your AWS account, or a local sandbox

The workbook uses the standard AWS configuration, the one the AWS CLI uses too (profiles,
environment variables, `AWS_ENDPOINT_URL`). You choose where it works when you start JupyterLab:

- **A local sandbox, no AWS account needed**: `wildrydes-nb lab --sandbox`. A local stand-in for
  Cognito, IAM and STS starts with JupyterLab and stops with it. Nothing reaches AWS, nothing
  costs money, and the scratchpad is a temporary one.
- **Your AWS account**: `wildrydes-nb lab`, then pick the profile and region below (or start it as
  `AWS_PROFILE=name wildrydes-nb lab`). You need permission to manage Cognito and IAM roles. Use
  the region of the workshop's user pool, for example `us-east-2`.

The form below shows which one this session talks to.
"""),
    PARAMETERS_INTRO,
    parameters("""
profile = None  # AWS profile name; None: the standard configuration (AWS_PROFILE, environment, ...)
region = None  # AWS region, e.g. "us-east-2"; None: from the scratchpad, else the AWS configuration
scratchpad_path = None  # scratchpad file; None: $WILDRYDES_SCRATCHPAD, else ~/.wildrydes/scratchpad.json
auto_submit = False  # True: submit the form without clicks, and fail the run if it fails
"""),
    IMPORTS,
    md("""
## Check your credentials

Choose a profile (or keep the standard configuration) and a region, then click **Check
credentials**. The form asks AWS STS whom the credentials belong to (`GetCallerIdentity`, which
changes nothing) and shows where it is talking to, the account, the identity and the region. The
access key is shown shortened; the secret key never is. The region is saved to the scratchpad,
so the next notebooks use it.
"""),
    code("""
target = forms.TargetForm(pad, profile=profile, region=region)
target.show()
if auto_submit:
    target.submit()
"""),
    md("""
## Your scratchpad

It holds ids and names only, never a password, a token or a key. Run the cell again to see what
it holds now.
"""),
    SHOW_SCRATCHPAD,
    md("Next: open `01_user_pool.ipynb`."),
]

USER_POOL = [
    md("""
# 1. The user pool and app client (the prerequisite)

The identity pool of the next notebook trusts one user pool and one of its app clients. The
workshop made them on its previous page, in the Cognito console:

- a user pool named `WildRydes`, where riders sign in with a **username**, and may also use their
  email address or phone number (the console calls these *aliases*);
- an app client named `wildrydes-web-app`, **without a client secret**, because a web page cannot
  keep a secret, and with the console's default sign-in flows: **SRP** (the web app proves it
  knows the password without sending it) and refresh tokens;
- and you copied its **User Pool ID** (like `us-east-2_AbC123xyz`) and its **App client ID**
  (26 letters and digits) to your scratchpad.

**If you did that already**, paste the two ids below and click **Check and use these IDs**. The
form checks their format as you type (quotes copied along, the two ids swapped, a region that does
not match), then asks Cognito whether the user pool exists and the app client belongs to it. It
also tells you which of their settings differ from the workshop's, and what that changes (the web
app, for one, registers `alice@example.com` under the username `alice|example|com`, which a pool
that uses the email as the username refuses).

**If not**, click **Create or reuse WildRydes**. It looks for a user pool called `WildRydes` with
an app client called `wildrydes-web-app` and creates whatever is missing, set up as the workshop
sets them up. It changes nothing in a pool or client that already exists, and running it again
creates nothing new.

Either way, the ids go into the scratchpad.
"""),
    PARAMETERS_INTRO,
    parameters("""
profile = None  # AWS profile name; None: the standard configuration
region = None  # AWS region; None: from the scratchpad, else the AWS configuration
user_pool_id = None  # User Pool ID to check and use; None: from the scratchpad (none there: create WildRydes)
app_client_id = None  # App client ID of that user pool; None: from the scratchpad
scratchpad_path = None  # scratchpad file; None: $WILDRYDES_SCRATCHPAD, else ~/.wildrydes/scratchpad.json
auto_submit = False  # True: check the ids if there are any, else create; fail the run if it fails
"""),
    IMPORTS,
    code("""
user_pool_form = forms.UserPoolForm(pad, profile=profile, region=region,
                                    user_pool_id=user_pool_id, app_client_id=app_client_id)
user_pool_form.show()
if auto_submit:
    user_pool_form.submit()
"""),
    md("""
## What the scratchpad holds now

Run this cell after the form says the ids were saved.
"""),
    SHOW_SCRATCHPAD,
    md("Next: open `02_identity_pool.ipynb`."),
]

IDENTITY_POOL = [
    md("""
# 2. Creating a Cognito identity pool

A Cognito identity pool gives the users of an application temporary AWS credentials, through IAM
roles. Wild Rydes will call other AWS services on behalf of its signed-in riders, so the workshop
creates the identity pool now. It is linked to the user pool and app client of the previous
notebook, and it does **not** allow unauthenticated identities: the app has no AWS resources to
offer to someone who has not signed in.
"""),
    md("""
## What the console did, and what the form does instead

The workshop's walk-through, click by click:

1. **Federated Identities**, then **Create new identity pool**: the form does this through the
   Cognito API (`CreateIdentityPool`).
2. The name `wildrydes_identity_pool`: the form's *Identity pool name*.
3. **Authentication providers → Cognito**, with the User Pool ID and the App client ID from the
   scratchpad: the form's two id fields, filled in from the scratchpad. Together they make the
   pool's one provider, `cognito-idp.<region>.amazonaws.com/<User Pool ID>` with that app client.
4. Unauthenticated identities left off: the form's checkbox, off.
5. **Create Pool**, then **Allow**: *Allow* let the console create the IAM roles
   `Cognito_wildrydes_identity_poolAuth_Role` (for signed-in riders) and
   `Cognito_wildrydes_identity_poolUnauth_Role`, and attach them to the pool. A role's *trust
   policy* lets only this identity pool (the `aud` condition) and only that kind of identity (the
   `amr` condition) assume it. Today's console has no such button, so the form creates the role
   itself, with that trust policy, and attaches it (`SetIdentityPoolRoles`). With unauthenticated
   identities off, only the authenticated role is needed. It has no permissions yet: later steps
   of the workshop add them.
6. Copy the **Identity Pool ID** to the scratchpad: the form saves it there.

The values are checked as you type, against the mistakes that copying by hand invites: quotes
copied along, the two ids swapped, a region that is not the user pool's.

**Preview** shows what would be created or changed, and changes nothing. **Create identity pool**
does it, with one status line per stage, updated as each one finishes: the input checked (the user
pool and app client exist), the pool, the role, the role attached, the ids saved. Running it again
leaves alone what is right and repairs what is not. It never makes a second pool with the same
name, which Cognito would allow (clicking *Create* twice in the console does that).
"""),
    PARAMETERS_INTRO,
    parameters("""
profile = None  # AWS profile name; None: the standard configuration
region = None  # AWS region; None: the user pool's region, from the scratchpad
user_pool_id = None  # User Pool ID; None: from the scratchpad
app_client_id = None  # App client ID; None: from the scratchpad
identity_pool_name = "wildrydes_identity_pool"  # name of the identity pool
allow_unauthenticated = False  # allow unauthenticated identities (the workshop leaves them off)
proof = True  # verify by signing in a throw-away test user and getting credentials for it
scratchpad_path = None  # scratchpad file; None: $WILDRYDES_SCRATCHPAD, else ~/.wildrydes/scratchpad.json
auto_submit = False  # True: create and verify without clicks, and fail the run if anything fails
"""),
    imports("auto_submit", "proof"),  # proof too: its form comes after the pool is created
    code("""
form = forms.IdentityPoolForm(pad, profile=profile, region=region, user_pool_id=user_pool_id,
                              app_client_id=app_client_id, identity_pool_name=identity_pool_name,
                              allow_unauthenticated=allow_unauthenticated)
form.show()
if auto_submit:
    form.submit()
"""),
    md("""
## Verify

The console shows what you clicked, not whether it works. **Verify** reads the pool and its role
back and checks what this step is about: the provider is exactly your user pool and app client;
unauthenticated identities are off; the authenticated role is attached, exists, and trusts only
this pool (`aud`) and only signed-in identities (`amr`).

With the sign-in proof on, it then does what the Wild Rydes web app will do: a throw-away test user
(shaped as your user pool wants its users) signs in with **SRP**, as the web app does, and receives
an ID token, trades it for an identity (`GetId`) and for temporary credentials
(`GetCredentialsForIdentity`), and asks STS whom those credentials belong to, which must be the
authenticated role. The test user is deleted afterwards. The password, the token, the secret key
and the session token are never shown or stored.

Right after **Create**, IAM needs a few seconds (sometimes up to a minute) before a new role can be
used; meanwhile Cognito answers `InvalidIdentityPoolConfigurationException`. Verify waits for it,
up to a minute, and shows how long it has waited.

Each check ends in one of three ways: **passed**; **failed**, with how to fix it; or, for the
sign-in proof only, **not proven** (amber): the proof could not run in your account (no permission
to create users, a sign-in challenge such as MFA, a client secret). That is not a failure: it says
why, and how to prove it.
"""),
    code("""
check = forms.VerifyForm(form, proof=proof)
check.show()
if auto_submit:
    check.submit()
"""),
    md("""
## Copy the Identity Pool ID

The workshop asks you to copy the **Identity Pool ID** into your scratchpad, with the region code
and the `:`, without the quotes. It is saved there already; here it is. (Run the cells from here
on once the pool is created.)
"""),
    code('render.identity_pool_id(pad.get("identity_pool_id"))'),
    md("Your scratchpad now holds the ids of the Cognito resources, as on the workshop's picture:"),
    SHOW_SCRATCHPAD,
    md("""
## For the next step: `amplify-config.js`

The next page of the workshop puts these values into the web app's `js/amplify-config.js`. The
Identity Pool ID is the one in red.
"""),
    code('render.amplify_config(pad.amplify_config_js(), pad.get("identity_pool_id"))'),
    md("When you are done with the workshop, `99_cleanup.ipynb` deletes what was created."),
]

CLEANUP = [
    md("""
# 99. Clean up

The workshop's own clean-up page deletes the identity pool and the user pool in the console, and
forgets the IAM roles that *Allow* created. This notebook deletes:

- the identity pool(s) with the name below;
- their roles: the ones attached to them, and the ones this workbook created and tagged under the
  names `Cognito_<pool name>Auth_Role` and `Cognito_<pool name>Unauth_Role`;
- test users that a verification may have left in the user pool;
- the user pool itself, with its app client, only if you tick the box: the workshop's later steps
  still need it.

**Show what will be deleted** only reads. **Delete these** deletes exactly the list it showed, then
looks again and shows what is still there (normally nothing). Deleting again is harmless: what is
already gone counts as deleted.
"""),
    PARAMETERS_INTRO,
    parameters("""
profile = None  # AWS profile name; None: the standard configuration
region = None  # AWS region; None: from the scratchpad, else the AWS configuration
identity_pool_name = "wildrydes_identity_pool"  # name of the identity pool(s) to delete
user_pool_id = None  # user pool to remove test users from (and to delete if asked); None: from the scratchpad
delete_user_pool = False  # True: delete the user pool and its app client too
scratchpad_path = None  # scratchpad file; None: $WILDRYDES_SCRATCHPAD, else ~/.wildrydes/scratchpad.json
auto_submit = False  # True: list and delete without clicks (no confirmation); fail the run if anything is left
"""),
    IMPORTS,
    code("""
cleanup_form = forms.CleanupForm(pad, profile=profile, region=region, identity_pool_name=identity_pool_name,
                                 user_pool_id=user_pool_id, delete_user_pool=delete_user_pool)
cleanup_form.show()
if auto_submit:
    cleanup_form.submit()
"""),
    md("The deleted ids are gone from the scratchpad too:"),
    SHOW_SCRATCHPAD,
]

NOTEBOOKS = {"00_start_here": START_HERE, "01_user_pool": USER_POOL,
             "02_identity_pool": IDENTITY_POOL, "99_cleanup": CLEANUP}


def build(name: str) -> nbformat.NotebookNode:
    """The notebook ``name`` as it is shipped: no outputs, stable cell ids, the python3 kernel."""
    nb = nbformat.v4.new_notebook()
    nb.metadata = {"kernelspec": dict(KERNELSPEC), "language_info": {"name": "python"}}
    for number, (kind, source, tags) in enumerate(NOTEBOOKS[name], 1):
        new = nbformat.v4.new_markdown_cell if kind == "markdown" else nbformat.v4.new_code_cell
        cell = new(source, id=f"cell-{number:02d}")
        if tags:
            cell.metadata["tags"] = list(tags)
        nb.cells.append(cell)
    nbformat.validate(nb)
    return nb


def text(nb: nbformat.NotebookNode) -> str:
    return nbformat.writes(nb) + "\n"


def main(argv: list[str]) -> int:
    stale = []
    for name in NOTEBOOKS:
        path = NOTEBOOK_DIR / f"{name}.ipynb"
        wanted = text(build(name))
        if "--check" in argv:
            if not path.exists() or path.read_text(encoding="utf-8") != wanted:
                stale.append(path)
        else:
            path.write_text(wanted, encoding="utf-8")
            print(f"wrote {path.relative_to(ROOT)}")
    for path in stale:
        print(f"{path.relative_to(ROOT)} is not what scripts/build_notebooks.py writes; run it.", file=sys.stderr)
    return 1 if stale else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
