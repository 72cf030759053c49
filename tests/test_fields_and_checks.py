"""The fields table and the check registry: one place each, read by every driver."""

import pytest

from wildrydes_nb import checks, cli, fields, forms, render
from wildrydes_nb.errors import InputError, MissingValueError
from wildrydes_nb.inputs import check_app_client_id, check_region, check_step_input
from wildrydes_nb.report import PASS, Report
from wildrydes_nb.scratchpad import Scratchpad


def test_every_flag_of_the_table_is_an_option_of_the_commands_that_take_it():
    parser = cli.build_parser()
    commands = parser._subparsers._group_actions[0].choices
    options = {option for sub in commands.values() for action in sub._actions for option in action.option_strings}
    for name in fields.RESOLVED:
        assert fields.FLAGS[name] in options, name


def test_a_missing_value_is_known_by_its_class_not_its_wording():
    with pytest.raises(MissingValueError) as caught:
        check_step_input("us-east-2", "us-east-2_AbC123xyz", "")
    assert caught.value.field == "app_client_id"
    with pytest.raises(MissingValueError):
        check_region("")
    with pytest.raises(InputError) as malformed:
        check_app_client_id("not valid!")
    assert not isinstance(malformed.value, MissingValueError)


def test_the_command_line_says_which_flag_or_command_gives_a_missing_value():
    err = MissingValueError("anything at all", field="user_pool_id", fix="the notebook's fix")
    said = cli._for_the_command_line(err)
    assert said.startswith("--user-pool-id: anything at all")
    assert "Give it with --user-pool-id, or run 'wildrydes-nb user-pool' first" in said
    # A value no step saves keeps the error's own fix.
    region = MissingValueError("is not set.", field="region", fix="Give a region.")
    assert cli._for_the_command_line(region).endswith("Fix: Give a region.")


def test_forms_help_and_messages_take_labels_and_examples_from_the_table(tmp_path):
    form = forms.IdentityPoolForm(Scratchpad(tmp_path / "pad.json"), region="us-east-2")
    assert form.fields["user_pool_id"].placeholder == f"e.g. {fields.example('user_pool_id')}"
    assert form.fields["user_pool_id"].description == fields.label("user_pool_id")
    verify = cli.build_parser()._subparsers._group_actions[0].choices["verify"]
    help_text = " ".join(action.help or "" for action in verify._actions)
    assert fields.example("user_pool_id") in help_text and fields.example("identity_pool_id") in help_text
    assert list(render.SCRATCHPAD_LABELS) == list(fields.KEPT)


def test_a_report_takes_only_registered_check_ids_and_words_them_from_the_registry():
    report = Report("t")
    check = report.add(checks.AUTH_ROLE_TRUST_AUD, PASS)
    assert check.name == "authenticated role trusts only this pool (aud)"
    assert report.add(checks.PROOF_SIGN_IN, PASS, name="sign in (SRP)").name == "sign in (SRP)"
    with pytest.raises(KeyError, match="not registered"):
        report.add("auth_role.trust.audience", PASS)


def test_the_registry_names_each_role_check_for_both_kinds_and_each_cleanup_kind():
    assert checks.role_check(checks.UNAUTHENTICATED, "trust.amr") == "unauth_role.trust.amr"
    assert checks.delete_check("IAM role") == "delete.IAM_role"
    with pytest.raises(KeyError):
        checks.role_check(checks.AUTHENTICATED, "trust.sub")
    assert checks.ids("configuration")[:4] == (checks.APP_CLIENT_EXISTS, checks.APP_CLIENT_NO_SECRET,
                                                checks.APP_CLIENT_SRP, checks.IDENTITY_POOL_EXISTS)
    assert checks.VERIFY_IDS[-1] == checks.PROOF_TEST_USER_REMOVED
