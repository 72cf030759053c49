"""Only what is provably the learner's: two learners in one account, re-links, stalled creates, stale listings."""

import http.client
import http.server
import json
import threading
import time
from urllib.parse import urlsplit

import pytest
from botocore.config import Config

from wildrydes_nb import aws, checks, cli, forms, listing, ownership, roles, steps
from wildrydes_nb.aws import new_session
from wildrydes_nb.cleanup import plan_cleanup
from wildrydes_nb.errors import RelinkError
from wildrydes_nb.identity_pool import plan
from wildrydes_nb.apply import ensure
from wildrydes_nb.inputs import check_step_input
from wildrydes_nb.sandbox import patched_environ
from wildrydes_nb.scratchpad import Scratchpad
from wildrydes_nb.user_pool import AUTH_FLOWS

REGION = "us-east-2"
NAME = "wildrydes_identity_pool"


def another_user_pool(session, name="WildRydes"):
    """A second learner's user pool and app client, made as the console makes them."""
    idp = session.client("cognito-idp")
    pool_id = idp.create_user_pool(PoolName=name)["UserPool"]["Id"]
    client_id = idp.create_user_pool_client(UserPoolId=pool_id, ClientName="wildrydes-web-app",
                                            ExplicitAuthFlows=list(AUTH_FLOWS))["UserPoolClient"]["ClientId"]
    return check_step_input(REGION, pool_id, client_id)


def provider_of(session, pool_id):
    pool = session.client("cognito-identity").describe_identity_pool(IdentityPoolId=pool_id)
    return [p["ProviderName"].rsplit("/", 1)[-1] for p in pool["CognitoIdentityProviders"]]


def pools_named(session, name=NAME):
    listed = session.client("cognito-identity").list_identity_pools(MaxResults=60)["IdentityPools"]
    return [p["IdentityPoolId"] for p in listed if p["IdentityPoolName"] == name]


@pytest.fixture
def two_learners(session, step):
    """Learner A has made the step; learner B, in the same account, has a user pool of their own."""
    a = ensure(session, step)
    return a, another_user_pool(session)


def cli_for(step, pad, *extra):
    return ["--region", REGION, "--user-pool-id", step.user_pool_id, "--app-client-id", step.app_client_id,
            "--scratchpad", str(pad), *extra]


def test_b_step_stops_before_any_write_and_leaves_a_pool_as_it_is(session, two_learners, tmp_path, capsys):
    a, b = two_learners
    assert cli.main(["identity-pool", *cli_for(b, tmp_path / "b.json")]) == cli.EXIT_INPUT
    err = capsys.readouterr().err
    assert "not provably yours" in err and a.identity_pool_id in err and a.user_pool_id in err
    assert "--identity-pool-name" in err and "--relink" in err and "delete" not in err
    assert provider_of(session, a.identity_pool_id) == [a.user_pool_id]
    assert pools_named(session) == [a.identity_pool_id]
    assert not Scratchpad(tmp_path / "b.json").read().get("identity_pool_id")
    # With a name of its own, B's step works beside A's pool.
    assert cli.main(["identity-pool", *cli_for(b, tmp_path / "b.json"), "--identity-pool-name", "b_pool"]) == 0
    assert provider_of(session, a.identity_pool_id) == [a.user_pool_id]


def test_b_cleanup_keeps_a_pool_and_its_role_and_says_why(session, two_learners, tmp_path, capsys):
    a, b = two_learners
    assert cli.main(["cleanup", "--yes", *cli_for(b, tmp_path / "b.json")]) == 0
    out = capsys.readouterr().out
    assert "Nothing to delete." in out and f"{a.identity_pool_id}: linked to user pool {a.user_pool_id}" in out
    assert "not yours" in out
    assert pools_named(session) == [a.identity_pool_id]
    assert roles.get_role(session, roles.role_name(NAME)) is not None


def test_cleanup_keeps_a_role_that_someone_elses_live_pool_trusts(session, two_learners):
    a, b = two_learners
    # A's conventional role, and a role of A's own naming (today's console) attached to A's pool.
    iam = session.client("iam")
    console = iam.create_role(RoleName="MyWildRydesRole",
                              AssumeRolePolicyDocument=json.dumps(roles.trust_policy(a.identity_pool_id)))["Role"]
    session.client("cognito-identity").set_identity_pool_roles(IdentityPoolId=a.identity_pool_id,
                                                               Roles={"authenticated": console["Arn"]})
    iam.tag_role(RoleName=console["RoleName"], Tags=[roles.MANAGED_TAG])
    targets = plan_cleanup(session, identity_pool_name=NAME, user_pool_id=b.user_pool_id)
    assert list(targets) == []
    assert any(line.startswith(f"IAM role {roles.role_name(NAME)}: kept, because the identity pool "
                               f"{a.identity_pool_id} still exists") for line in targets.kept)
    assert roles.get_role(session, "MyWildRydesRole") is not None


def test_b_relinks_on_purpose_and_it_works(session, two_learners, tmp_path, capsys):
    a, b = two_learners
    assert cli.main(["identity-pool", "--plan", "--relink", *cli_for(b, tmp_path / "b.json")]) == 0
    assert (f"re-link identity pool {a.identity_pool_id} from user pool {a.user_pool_id} to user pool "
            f"{b.user_pool_id}") in capsys.readouterr().out
    assert cli.main(["identity-pool", "--relink", *cli_for(b, tmp_path / "b.json")]) == 0
    assert "(re-linked)" in capsys.readouterr().out
    assert provider_of(session, a.identity_pool_id) == [b.user_pool_id]
    pool = session.client("cognito-identity").describe_identity_pool(IdentityPoolId=a.identity_pool_id)
    assert pool["IdentityPoolTags"][ownership.OWNER_TAG] == b.user_pool_id  # the owner tag follows
    assert Scratchpad(tmp_path / "b.json").read()["identity_pool_id"] == a.identity_pool_id


def test_a_terminal_asks_before_a_relink_and_no_changes_nothing(session, two_learners, tmp_path, capsys,
                                                               monkeypatch):
    a, b = two_learners
    monkeypatch.setattr("sys.stdin.isatty", lambda: True)
    asked = []
    monkeypatch.setattr("builtins.input", lambda question: asked.append(question) or "")
    assert cli.main(["identity-pool", *cli_for(b, tmp_path / "b.json")]) == cli.EXIT_INPUT
    assert f"Re-link it from user pool {a.user_pool_id} to user pool {b.user_pool_id}? [y/N]" in asked[0]
    assert provider_of(session, a.identity_pool_id) == [a.user_pool_id]
    monkeypatch.setattr("builtins.input", lambda question: "y")
    assert cli.main(["identity-pool", *cli_for(b, tmp_path / "b.json")]) == 0
    assert provider_of(session, a.identity_pool_id) == [b.user_pool_id]


def test_the_scratchpad_pool_linked_to_an_older_user_pool_is_yours_but_moving_it_is_a_relink(session, step, tmp_path):
    pad = Scratchpad(tmp_path / "pad.json")
    first = ensure(session, step, scratchpad=pad)
    newer = another_user_pool(session)
    given = {"region": REGION, "user_pool_id": newer.user_pool_id, "app_client_id": newer.app_client_id}
    with pytest.raises(RelinkError) as caught:
        steps.identity_pool(given, scratchpad=pad)
    assert "your scratchpad holds its id" in caught.value.problem
    assert caught.value.from_user_pools == (step.user_pool_id,) and caught.value.to_user_pool == newer.user_pool_id
    assert provider_of(session, first.identity_pool_id) == [step.user_pool_id]
    # Verify of the old pool with the new user pool says to re-link, not that Create repairs it.
    report = steps.verify(given, scratchpad=pad, proof=False)
    provider = next(c for c in report.checks if c.id == checks.IDENTITY_POOL_PROVIDER)
    assert provider.status == "fail" and "re-link" in provider.fix and "repairs the provider" not in provider.fix
    result = steps.identity_pool(given, scratchpad=pad, relink=True)
    assert result.identity_pool_id == first.identity_pool_id
    assert provider_of(session, first.identity_pool_id) == [newer.user_pool_id]


def test_the_form_offers_a_relink_naming_both_user_pools(session, two_learners, tmp_path):
    a, b = two_learners
    form = forms.IdentityPoolForm(Scratchpad(tmp_path / "b.json"), region=REGION, user_pool_id=b.user_pool_id,
                                  app_client_id=b.app_client_id)
    with pytest.raises(RelinkError):
        form.create()
    assert form.relink_button.layout.display != "none"
    assert (f"Only if the identity pool {a.identity_pool_id} is yours: re-link it from user pool {a.user_pool_id} "
            f"to user pool {b.user_pool_id}") in form.relink_note.text
    assert provider_of(session, a.identity_pool_id) == [a.user_pool_id]
    form.relink()
    assert provider_of(session, a.identity_pool_id) == [b.user_pool_id]
    assert form.relink_button.layout.display == "none" and not form.relink_note.text


def test_the_learners_own_extra_pools_are_shown_kept_and_never_deleted_by_the_step(session, step):
    identity = session.client("cognito-identity")
    providers = [{"ProviderName": step.provider_name, "ClientId": step.app_client_id}]
    made = sorted(identity.create_identity_pool(IdentityPoolName=NAME, AllowUnauthenticatedIdentities=False,
                                                CognitoIdentityProviders=providers)["IdentityPoolId"]
                  for _ in range(2))
    current = plan(session, step)
    assert current.identity_pool_id == made[0]  # the oldest (no creation tag: then by id), as racing runs agree
    assert any(line.startswith(f"also yours, left by an earlier run: {made[1]}") for line in current.left_alone)
    result = ensure(session, step)
    assert result.identity_pool_id == made[0] and sorted(pools_named(session)) == made
    targets = plan_cleanup(session, identity_pool_name=NAME, user_pool_id=step.user_pool_id)
    assert sorted(t.name for t in targets if t.kind == "identity pool") == made


def test_a_pool_the_learner_made_after_the_class_listing_is_found_and_kept(session, step, tmp_path, monkeypatch):
    snapshot = tmp_path / "listing.json"
    listing.write_snapshot(snapshot, REGION, NAME, [])  # batch listed the account before the learner's turn
    monkeypatch.setattr(listing, "_snapshot", None)  # restored after the test
    listing.use_snapshot(snapshot)
    monkeypatch.setattr(listing, "_created", {})
    monkeypatch.setattr(listing, "_deleted", set())
    console = session.client("cognito-identity").create_identity_pool(
        IdentityPoolName=NAME, AllowUnauthenticatedIdentities=False,
        CognitoIdentityProviders=[{"ProviderName": step.provider_name, "ClientId": step.app_client_id}])
    result = ensure(session, step)
    assert result.identity_pool_id == console["IdentityPoolId"]
    assert pools_named(session) == [console["IdentityPoolId"]]  # the run's own pool was deleted


class _SlowCreates(http.server.ThreadingHTTPServer):
    """A proxy to the sandbox that holds each CreateIdentityPool for ``delay`` seconds before it
    passes it on: the client has given up by then, and AWS (the sandbox) still does the work."""

    daemon_threads = True

    def __init__(self, target: str, delay: float):
        self.target, self.delay, self.creates = urlsplit(target), delay, 0
        super().__init__(("127.0.0.1", 0), _Forward)

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.server_address[1]}"


class _Forward(http.server.BaseHTTPRequestHandler):
    def log_message(self, *_):
        pass

    def do_POST(self):  # noqa: N802 - the standard library's name
        body = self.rfile.read(int(self.headers.get("Content-Length", 0)))
        if self.headers.get("X-Amz-Target", "").endswith("CreateIdentityPool"):
            time.sleep(self.server.delay)
            self.server.creates += 1
        upstream = http.client.HTTPConnection(self.server.target.hostname, self.server.target.port, timeout=30)
        upstream.request("POST", self.path, body, {k: v for k, v in self.headers.items() if k.lower() != "host"})
        answer = upstream.getresponse()
        data = answer.read()
        try:
            self.send_response(answer.status)
            for key, value in answer.getheaders():
                if key.lower() not in ("transfer-encoding", "connection", "content-length"):
                    self.send_header(key, value)
            self.send_header("Content-Length", str(len(data)))
            self.end_headers()
            self.wfile.write(data)
        except OSError:
            pass  # the client gave up long ago


@pytest.fixture
def slow_creates(sandbox):
    proxy = _SlowCreates(sandbox.endpoint_url, delay=2.5)
    thread = threading.Thread(target=proxy.serve_forever, daemon=True)
    thread.start()
    yield proxy
    proxy.shutdown()


def _impatient_session(proxy):
    """A session whose clients go through the proxy and give up after 1 s without an answer."""
    with patched_environ({"AWS_ENDPOINT_URL": proxy.url}):
        stalled = new_session(region_name=REGION)
        aws.set_client_config(stalled, Config(read_timeout=1, connect_timeout=1))
        for service in ("cognito-identity", "cognito-idp", "iam"):
            aws.client(stalled, service)
    return stalled


@pytest.mark.slow
def test_a_create_answered_after_the_timeout_is_sent_once_and_adopted(session, step, slow_creates):
    result = ensure(_impatient_session(slow_creates), step, stalled_create_wait=15)
    assert slow_creates.creates == 1  # never sent twice
    assert pools_named(session) == [result.identity_pool_id]
    pool = session.client("cognito-identity").describe_identity_pool(IdentityPoolId=result.identity_pool_id)
    assert pool["IdentityPoolTags"][ownership.OWNER_TAG] == step.user_pool_id


@pytest.mark.slow
def test_a_run_that_gave_up_on_a_stalled_create_is_rerun_into_one_pool(session, step, slow_creates):
    from wildrydes_nb.errors import WildrydesError

    with pytest.raises(WildrydesError, match="AWS did not answer the request to create the identity pool"):
        ensure(_impatient_session(slow_creates), step, stalled_create_wait=0)
    deadline = time.monotonic() + 10
    while not pools_named(session) and time.monotonic() < deadline:
        time.sleep(0.2)  # AWS finishes the request the client gave up on
    again = ensure(session, step)
    assert slow_creates.creates == 1 and pools_named(session) == [again.identity_pool_id]
    assert any(a.kind == "create_role" for a in again.actions) and not any(a.kind == "create_pool"
                                                                             for a in again.actions)


def test_user_pool_step_never_takes_a_pool_of_the_name_that_the_scratchpad_does_not_name(session, user_pool,
                                                                                        tmp_path, capsys):
    pad = str(tmp_path / "b.json")
    assert cli.main(["user-pool", "--region", REGION, "--scratchpad", pad]) == cli.EXIT_INPUT
    err = capsys.readouterr().err
    assert user_pool.user_pool_id in err and "wildrydes-web-app" in err and "none is provably yours" in err
    assert "--new" in err and "--user-pool-id" in err
    assert not Scratchpad(pad).read().get("user_pool_id")
    assert cli.main(["user-pool", "--region", REGION, "--scratchpad", pad, "--new"]) == 0
    mine = Scratchpad(pad).read()["user_pool_id"]
    assert mine != user_pool.user_pool_id
    # Re-running reuses the scratchpad's own pool; nothing more is made.
    assert cli.main(["user-pool", "--region", REGION, "--scratchpad", pad]) == 0
    assert "created        nothing (reused yours)" in capsys.readouterr().out
    assert len(session.client("cognito-idp").list_user_pools(MaxResults=60)["UserPools"]) == 2


def test_user_pool_on_a_terminal_asks_which_is_yours(session, user_pool, tmp_path, capsys, monkeypatch):
    pad = str(tmp_path / "b.json")
    monkeypatch.setattr("sys.stdin.isatty", lambda: True)
    monkeypatch.setattr("builtins.input", lambda question: user_pool.user_pool_id)
    assert cli.main(["user-pool", "--region", REGION, "--scratchpad", pad]) == 0
    assert Scratchpad(pad).read()["user_pool_id"] == user_pool.user_pool_id
    assert len(session.client("cognito-idp").list_user_pools(MaxResults=60)["UserPools"]) == 1


def test_the_user_pool_form_lists_pools_not_yours_and_offers_your_own(session, user_pool, tmp_path):
    from wildrydes_nb.user_pool import UnprovenUserPoolError

    form = forms.UserPoolForm(Scratchpad(tmp_path / "b.json"), region=REGION)
    with pytest.raises(UnprovenUserPoolError):
        form.create()
    assert user_pool.user_pool_id in form.messages["user_pool_id"].text and "create my own" in form.transcript()
    assert form.new_button.layout.display != "none"
    made = form.create_new()
    assert made.user_pool_id != user_pool.user_pool_id and form.new_button.layout.display == "none"


@pytest.mark.slow
def test_b_batch_row_fails_clearly_and_leaves_a_pool_as_it_is(session, two_learners, tmp_path):
    from wildrydes_nb.roster import read_roster
    from wildrydes_nb.batch import run_batch

    a, b = two_learners
    roster = tmp_path / "roster.csv"
    roster.write_text("learner,region,user_pool_id,app_client_id\n"
                      f"b,{REGION},{b.user_pool_id},{b.app_client_id}\n")
    outcomes = run_batch(read_roster(roster), tmp_path / "out", workers=1, progress=False)
    assert outcomes[0].status == "fail" and "not provably yours" in outcomes[0].message
    assert provider_of(session, a.identity_pool_id) == [a.user_pool_id] and pools_named(session) == [a.identity_pool_id]
    graded = run_batch(read_roster(roster), tmp_path / "graded", workers=1, verify_only=True, progress=False)
    assert graded[0].status == "fail" and a.identity_pool_id in graded[0].message


def test_a_given_app_client_is_used_as_given_or_refused_never_replaced(session, user_pool, tmp_path, capsys):
    pad = str(tmp_path / "pad.json")
    code = cli.main(["user-pool", "--user-pool-id", user_pool.user_pool_id, "--app-client-id",
                     "abcdefghijklmnopqrstuvwxyz", "--scratchpad", pad])
    assert code == cli.EXIT_INPUT and "does not belong to user pool" in capsys.readouterr().err
    clients = session.client("cognito-idp").list_user_pool_clients(UserPoolId=user_pool.user_pool_id, MaxResults=60)
    assert len(clients["UserPoolClients"]) == 1  # no second client was made in its place
    assert cli.main(["user-pool", "--user-pool-id", user_pool.user_pool_id, "--app-client-id",
                     user_pool.app_client_id, "--scratchpad", pad]) == 0
    assert Scratchpad(pad).read()["app_client_id"] == user_pool.app_client_id


def test_a_scratchpad_pool_re_linked_back_to_its_owner_is_no_longer_the_learners(session, two_learners, tmp_path):
    a, b = two_learners
    b_pad = Scratchpad(tmp_path / "b.json")
    b_given = {"region": REGION, "user_pool_id": b.user_pool_id, "app_client_id": b.app_client_id}
    steps.identity_pool(b_given, scratchpad=b_pad, relink=True)  # B takes A's pool, on their word
    a_given = {"region": REGION, "user_pool_id": a.user_pool_id, "app_client_id": a.app_client_id,
               "identity_pool_id": a.identity_pool_id}
    steps.identity_pool(a_given, relink=True)  # and A takes it back
    assert b_pad.read()["identity_pool_id"] == a.identity_pool_id  # B's scratchpad still names it
    targets = steps.cleanup_plan(b_given, scratchpad=b_pad)
    assert a.identity_pool_id not in [t.name for t in targets]  # linked to A's user pool again: not B's
    assert any(a.identity_pool_id in line and "not yours" in line for line in targets.kept)
