"""Runs at the same time: one pool per name, on one machine (a lock) and across machines (a re-check).

Every race here is real: threads or processes call the sandbox server at the same time. The
"other machine" is a run that does not share this machine's lock (the lock is bypassed), held
at the very moment of creating by a barrier on botocore's ``before-call`` event.
"""

import contextlib
import json
import subprocess
import sys
import threading
import time

import nbformat
import pytest

from wildrydes_nb import apply, locks, roles
from wildrydes_nb.aws import new_session
from wildrydes_nb.roster import Learner
from wildrydes_nb.batch import run_batch
from wildrydes_nb.errors import BusyError, RoleInUseError
from wildrydes_nb.identity_pool import CREATED_AT_TAG, desired_providers, find_identity_pools, oldest
from wildrydes_nb.apply import ensure
from wildrydes_nb.inputs import check_step_input

REGION = "us-east-2"


def named(step, name: str):
    return check_step_input(step.region, step.user_pool_id, step.app_client_id, identity_pool_name=name)


def in_threads(count: int, work) -> list:
    """Run ``work(i)`` in ``count`` threads at once; returns each result or the exception it raised."""
    results: list = [None] * count

    def run(i):
        try:
            results[i] = work(i)
        except Exception as err:  # noqa: BLE001 - the test asserts on it
            results[i] = err

    threads = [threading.Thread(target=run, args=(i,)) for i in range(count)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(60)
    return results


def pools_called(session, name: str) -> list[str]:
    return find_identity_pools(session, name)


@pytest.fixture
def no_local_lock(monkeypatch):
    """Runs that do not share a lock, as on two machines."""
    monkeypatch.setattr(apply, "identity_pool_lock", lambda *_, **__: contextlib.nullcontext())


@pytest.mark.slow
def test_two_processes_started_together_make_one_pool(session, step, tmp_path):
    for trial in range(3):
        name = f"race_{trial}"
        command = [sys.executable, "-m", "wildrydes_nb.cli", "identity-pool", "--name", name, "--region", REGION,
                   "--user-pool-id", step.user_pool_id, "--app-client-id", step.app_client_id]
        runs = [subprocess.Popen(command + ["--scratchpad", str(tmp_path / f"pad-{trial}-{i}.json")],
                                 stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True) for i in range(2)]
        done = [run.communicate(timeout=120) for run in runs]
        assert [run.returncode for run in runs] == [0, 0], [err for _, err in done]
        assert not any("Traceback" in err for _, err in done)
        found = pools_called(session, name)
        assert len(found) == 1, f"trial {trial}: {found}"
        assert all(f"Identity Pool ID: {found[0]}" in out for out, _ in done)


def test_two_threads_started_together_make_one_pool(session, step):
    for trial in range(5):
        this = named(step, f"threads_{trial}")
        start = threading.Barrier(2)

        def run(_i, this=this, start=start):
            mine = new_session(region_name=REGION)
            start.wait(10)
            return ensure(mine, this)

        results = in_threads(2, run)
        assert not [r for r in results if isinstance(r, Exception)], results
        found = pools_called(session, this.identity_pool_name)
        assert len(found) == 1, f"trial {trial}: {found}"
        assert {r.identity_pool_id for r in results} == set(found)


def test_a_second_run_waits_for_the_first_and_says_so(session, step):
    said = []
    with apply.identity_pool_lock(new_session(region_name=REGION), step, lambda text: None):
        waiting = threading.Thread(target=lambda: said.append(
            ensure(new_session(region_name=REGION), step,
                   progress=lambda stage, state, detail: said.append((stage, state, detail)))))
        waiting.start()
        deadline = time.monotonic() + 20  # a loaded machine may take a while to get there
        while len(said) < 2 and time.monotonic() < deadline:
            time.sleep(0.05)
        time.sleep(0.3)  # and it stays there while the lock is held
        assert waiting.is_alive()
        assert said == [("input", "running", "checking the user pool and app client"),
                        ("input", "running", f"waiting for another run on this machine that is creating or "
                                             f"repairing '{step.identity_pool_name}' in {REGION}")]
    waiting.join(30)
    assert said[-1].identity_pool_id == pools_called(session, step.identity_pool_name)[0]


def test_a_run_that_waits_too_long_stops_clearly(session, step, monkeypatch):
    monkeypatch.setattr(apply, "LOCK_WAIT", 0.3)
    with apply.identity_pool_lock(new_session(region_name=REGION), step, lambda text: None):
        with pytest.raises(BusyError) as caught:
            ensure(new_session(region_name=REGION), step)
    assert caught.value.field == "identity_pool_name"
    assert caught.value.problem == (f"another run on this machine has been creating or repairing the identity pool "
                                    f"'{step.identity_pool_name}' in {REGION} for over 0.3 s.")
    assert caught.value.fix == ("Wait for that run (another notebook, terminal or batch learner) to finish, "
                                "then run this again.")
    assert pools_called(session, step.identity_pool_name) == []


def test_the_lock_is_per_account_region_and_name(session, step, monkeypatch):
    lock_file = apply.lock_path
    here = new_session(region_name=REGION)
    assert lock_file(here, step) == lock_file(new_session(region_name=REGION), named(step, step.identity_pool_name))
    assert lock_file(here, step).parent == locks.lock_folder()
    assert lock_file(here, step) != lock_file(here, named(step, "other"))
    other_key = new_session(region_name=REGION, aws_access_key_id="AKIAOTHERACCOUNT000",
                              aws_secret_access_key="x")
    assert lock_file(other_key, step) != lock_file(here, step)
    monkeypatch.setenv("AWS_ENDPOINT_URL", "http://127.0.0.1:1")
    assert lock_file(new_session(region_name=REGION), step) != lock_file(here, step)


def test_the_locks_live_beside_the_scratchpad_and_a_home_that_cannot_hold_them_only_skips_them(
        session, step, tmp_path, monkeypatch):
    monkeypatch.setenv("HOME", str(tmp_path))
    assert locks.lock_folder() == tmp_path / ".wildrydes" / "locks"
    (tmp_path / "file").write_text("")
    monkeypatch.setenv("HOME", str(tmp_path / "file"))
    assert locks.lock_folder() is None
    # The re-check after create still keeps runs from leaving two pools.
    assert ensure(new_session(region_name=REGION), step).identity_pool_id


def test_the_oldest_pool_is_kept_untagged_first_then_by_time_then_by_id():
    def pool(pool_id, created=None):
        return {"IdentityPoolId": pool_id, "IdentityPoolTags": {CREATED_AT_TAG: created} if created else {}}

    assert oldest([pool("b", "2024-01-01T00:00:00.000002Z"), pool("a", "2024-01-01T00:00:00.000001Z")]) == "a"
    assert oldest([pool("a", "2024-01-01T00:00:00.000001Z"), pool("z")]) == "z"
    assert oldest([pool("y"), pool("x")]) == "x"
    assert oldest([pool("d", "2024-01-01T00:00:00.000001Z"), pool("c", "2024-01-01T00:00:00.000001Z")]) == "c"


def test_runs_on_two_machines_at_once_leave_one_pool(session, step, no_local_lock):
    for trial in range(3):
        this = named(step, f"machines_{trial}")
        before_create, before_recheck = threading.Barrier(2), threading.Barrier(2)
        said = [[], []]

        def run(i, this=this, before_create=before_create, before_recheck=before_recheck, said=said):
            mine = new_session(region_name=REGION)
            lists = []

            def on_list(**_):
                lists.append(1)
                if len(lists) == 2:  # the re-check: both pools exist by now
                    before_recheck.wait(10)

            def on_create(**_):  # returns None: a before-call handler's value would stand in for AWS's answer
                before_create.wait(10)

            mine.events.register("before-call.cognito-identity.CreateIdentityPool", on_create)
            mine.events.register("before-call.cognito-identity.ListIdentityPools", on_list)
            return ensure(mine, this, progress=lambda stage, state, detail: said[i].append((stage, state, detail)))

        results = in_threads(2, run)
        assert not [r for r in results if isinstance(r, Exception)], results
        found = pools_called(session, this.identity_pool_name)
        assert len(found) == 1, f"trial {trial}: {found}"
        assert {r.identity_pool_id for r in results} == set(found)
        pool_lines = [detail for lines in said for stage, state, detail in lines
                      if stage == "identity pool" and state == "done"]
        joined = [line for line in pool_lines if "another run" in line]
        assert len(joined) == 1, pool_lines
        assert joined[0].startswith(f"{found[0]} (made at the same moment by another run; this run's own "
                                    "pool us-east-2:")
        assert joined[0].endswith(" was deleted)")
        role = roles.get_role(session, roles.role_name(this.identity_pool_name))
        assert roles.trust_problems(role["AssumeRolePolicyDocument"], found[0]) == {}
        identity = session.client("cognito-identity")
        assert identity.get_identity_pool_roles(IdentityPoolId=found[0])["Roles"] == {"authenticated": role["Arn"]}


def elsewhere_first(mine, session, step, tags: dict | None) -> list[str]:
    """Just before ``mine`` creates its pool, another machine creates one of the same name."""
    other: list[str] = []

    def create(**_):
        if not other:
            other.append(make_elsewhere(session, step, tags))

    mine.events.register("before-call.cognito-identity.CreateIdentityPool", create)
    return other


def make_elsewhere(session, step, tags: dict | None) -> str:
    """Create the step's pool as another machine would (with its tags, or none as the console does)."""
    identity = session.client("cognito-identity")
    return identity.create_identity_pool(IdentityPoolName=step.identity_pool_name, AllowUnauthenticatedIdentities=False,
                                         CognitoIdentityProviders=desired_providers(step),
                                         **({"IdentityPoolTags": tags} if tags is not None else {}))["IdentityPoolId"]


@pytest.mark.parametrize("tags", [{CREATED_AT_TAG: "2020-01-01T00:00:00.000000Z"}, None], ids=["older", "console"])
def test_a_pool_made_elsewhere_just_before_ours_is_kept_and_ours_deleted(session, step, no_local_lock, tags):
    mine = new_session(region_name=REGION)
    other = elsewhere_first(mine, session, step, tags)
    said = []
    result = ensure(mine, step, progress=lambda stage, state, detail: said.append((stage, state, detail)))
    assert pools_called(session, step.identity_pool_name) == other
    assert result.identity_pool_id == other[0]
    done = dict(((stage, state), detail) for stage, state, detail in said)
    assert done[("identity pool", "done")].startswith(f"{other[0]} (made at the same moment by another run; "
                                                      "this run's own pool us-east-2:")
    role = roles.get_role(session, roles.role_name(step.identity_pool_name))
    assert roles.trust_problems(role["AssumeRolePolicyDocument"], other[0]) == {}


def test_a_younger_pool_made_elsewhere_is_left_to_the_run_that_made_it(session, step, no_local_lock):
    mine = new_session(region_name=REGION)
    other = elsewhere_first(mine, session, step, {CREATED_AT_TAG: "2999-01-01T00:00:00.000000Z"})
    result = ensure(mine, step)
    assert result.identity_pool_id != other[0]
    # Only the run that made a pool deletes it: that run's own re-check finds ours older.
    assert sorted(pools_called(session, step.identity_pool_name)) == sorted([result.identity_pool_id, other[0]])


def created_pool_id(session, step) -> str:
    (pool_id,) = pools_called(session, step.identity_pool_name)
    return pool_id


def role_made_elsewhere(session, step, mine, trusted) -> list:
    """Just before ``mine`` creates the role, another run creates it trusting ``trusted(pool_id)``."""
    made = []

    def create(**_):
        if not made:
            iam = session.client("iam")
            pool_id = trusted(created_pool_id(session, step))
            made.append(iam.create_role(RoleName=roles.role_name(step.identity_pool_name),
                                        AssumeRolePolicyDocument=json.dumps(roles.trust_policy(pool_id)))["Role"])

    mine.events.register("before-call.iam.CreateRole", create)
    return made


def test_a_role_made_by_another_run_for_this_pool_is_used(session, step):
    mine = new_session(region_name=REGION)
    made = role_made_elsewhere(session, step, mine, lambda pool_id: pool_id)
    said = []
    result = ensure(mine, step, progress=lambda stage, state, detail: said.append((stage, state, detail)))
    assert result.authenticated_role_arn == made[0]["Arn"]
    done = dict(((stage, state), detail) for stage, state, detail in said)
    assert done[("authenticated role", "done")] == (f"{made[0]['Arn']} (made at the same moment by another run; "
                                                    "its trust is already right)")


def test_a_role_made_by_another_run_for_a_gone_pool_is_re_trusted(session, step):
    mine = new_session(region_name=REGION)
    made = role_made_elsewhere(session, step, mine, lambda _pool_id: f"{REGION}:00000000-0000-0000-0000-000000000000")
    result = ensure(mine, step)
    role = roles.get_role(session, roles.role_name(step.identity_pool_name))
    assert result.authenticated_role_arn == made[0]["Arn"]
    assert roles.trust_problems(role["AssumeRolePolicyDocument"], result.identity_pool_id) == {}


def test_a_role_made_by_another_run_for_another_live_pool_is_not_taken(session, step):
    mine = new_session(region_name=REGION)
    live = make_elsewhere(session, named(step, "someone_else"), None)
    made = role_made_elsewhere(session, step, mine, lambda _pool_id: live)
    with pytest.raises(RoleInUseError) as caught:
        ensure(mine, step)
    # The other pool is in this region: the message says so (not "two regions"), and its fix
    # never tells the learner to delete a pool.
    assert caught.value.problem.startswith(f"the IAM role {made[0]['RoleName']} is trusted by another identity pool "
                                           f"in {REGION}, {live}, which still exists; pointing the role at "
                                           f"{created_pool_id(session, step)} ({REGION}) would take it from that "
                                           "pool.")
    assert "region" not in caught.value.problem.split("IAM role names")[1] and "delete" not in caught.value.fix
    role = roles.get_role(session, made[0]["RoleName"])
    assert roles.trusted_pools(role["AssumeRolePolicyDocument"]) == [live]


def slow_notebook(path, seconds: float):
    notebook = nbformat.v4.new_notebook()
    params = nbformat.v4.new_code_cell("region = user_pool_id = app_client_id = identity_pool_name = None\n"
                                       "scratchpad_path = None\nauto_submit = False")
    params.metadata["tags"] = ["parameters"]
    notebook.cells = [params, nbformat.v4.new_code_cell(f"import time\ntime.sleep({seconds})")]
    notebook.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3", "language": "python"}
    nbformat.write(notebook, path)
    return path


@pytest.mark.slow
def test_two_batches_into_one_folder_refuse_to_run_at_once(session, step, tmp_path):
    learners = [Learner(1, "ana", REGION, step.user_pool_id, step.app_client_id)]
    out = tmp_path / "out"
    first = []
    running = threading.Thread(target=lambda: first.append(run_batch(
        learners, out, notebook=slow_notebook(tmp_path / "slow.ipynb", 4), progress=False)))
    running.start()
    deadline = time.monotonic() + 30
    while not (out / "ana").exists() and time.monotonic() < deadline:
        time.sleep(0.05)
    with pytest.raises(BusyError) as caught:
        run_batch(learners, out, notebook=slow_notebook(tmp_path / "quick.ipynb", 0), progress=False)
    assert caught.value.field == "out"
    assert caught.value.problem == (f"another batch is already running into {out}; two batches into one folder "
                                    "would mix their learners' results.")
    assert caught.value.fix == "Wait for it to finish, or give this batch another --out folder."
    running.join(60)
    assert len(first) == 1 and first[0][0].learner == "ana"
    # Once the first is done, the folder is free again.
    assert run_batch(learners, out, notebook=slow_notebook(tmp_path / "quick.ipynb", 0), progress=False)
