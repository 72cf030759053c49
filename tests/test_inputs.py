"""Input checking: every rejected value names the field, says what is wrong and how to fix it."""

import pytest

from wildrydes_nb.errors import InputError
from wildrydes_nb.inputs import check_identity_pool_id, check_step_input, problems, strip_pasted

POOL = "us-east-2_teEUQbkUh"
CLIENT = "4cl1ent1d2abcdefghijklmnop"


def test_good_input_passes_with_default_name():
    step = check_step_input("us-east-2", POOL, CLIENT)
    assert step.identity_pool_name == "wildrydes_identity_pool"
    assert step.provider_name == "cognito-idp.us-east-2.amazonaws.com/us-east-2_teEUQbkUh"
    assert step.allow_unauthenticated is False and step.notes == ()


@pytest.mark.parametrize("pasted", [f'"{POOL}"', f"'{POOL}'", f"  {POOL}\n", f"\u201c{POOL}\u201d"])
def test_quotes_and_spaces_are_stripped_and_said(pasted):
    step = check_step_input("us-east-2", pasted, CLIENT)
    assert step.user_pool_id == POOL
    assert step.notes and step.notes[0].startswith("user_pool_id: removed the surrounding")


def test_region_defaults_to_the_user_pool_prefix():
    assert check_step_input("", POOL, CLIENT).region == "us-east-2"


@pytest.mark.parametrize("args, field, words", [
    (("us-east-2", CLIENT, POOL), "user_pool_id", "looks like an App client ID"),
    (("us-east-2", POOL, POOL), "app_client_id", "looks like a User Pool ID"),
    (("us-west-2", POOL, CLIENT), "region", "differs from the region of the user pool"),
    (("", "us-west-2:us-west-2_xxx", CLIENT), "user_pool_id", "region prefix twice"),
    (("us-east-2", "us-east-2:1a2b3c4d-0000-1111-2222-333344445555", CLIENT), "user_pool_id",
     "looks like an Identity Pool ID"),
    (("us-east-2", "", CLIENT), "user_pool_id", "is empty"),
    (("us-east-2", POOL, ""), "app_client_id", "is empty"),
    (("us-east-2", "nounderscore", CLIENT), "user_pool_id", "is not a User Pool ID"),
    (("us-east-2", POOL, "has space"), "app_client_id", "is not an App client ID"),
    (("us-east-2", POOL, "x" * 129), "app_client_id", "must have 1 to 128"),
    (("Ohio", POOL, CLIENT), "region", "is not an AWS region code"),
    (("us-east-2", "us-east-2_" + "a" * 50, CLIENT), "user_pool_id", "must have 1 to 55"),
])
def test_bad_input_names_field_problem_and_fix(args, field, words):
    with pytest.raises(InputError) as caught:
        check_step_input(*args)
    err = caught.value
    assert err.field == field and words in err.problem and err.fix
    assert str(err).startswith(f"{field}: ") and "Fix: " in str(err)


@pytest.mark.parametrize("name, words", [("wild/rydes", "'/'"), ("x" * 129, "1 to 128")])
def test_bad_identity_pool_name(name, words):
    with pytest.raises(InputError) as caught:
        check_step_input("us-east-2", POOL, CLIENT, identity_pool_name=name)
    assert caught.value.field == "identity_pool_name" and words in caught.value.problem


def test_bad_allow_unauthenticated_value():
    with pytest.raises(InputError, match="allow_unauthenticated"):
        check_step_input("us-east-2", POOL, CLIENT, allow_unauthenticated="maybe")


def test_identity_pool_id_checks():
    good = "us-east-2:1a2b3c4d-0000-1111-2222-333344445555"
    assert check_identity_pool_id(good, "us-east-2") == good
    with pytest.raises(InputError, match="region"):
        check_identity_pool_id(good, "eu-west-1")
    with pytest.raises(InputError, match="not an Identity Pool ID"):
        check_identity_pool_id("1a2b3c4d-0000-1111-2222-333344445555")


def test_problems_reports_each_field_at_once():
    found = problems(region="Ohio", user_pool_id="", app_client_id=POOL)
    assert set(found) == {"region", "user_pool_id", "app_client_id"}
    assert problems(region="us-east-2", user_pool_id=f'"{POOL}"', app_client_id=CLIENT) == {}


def test_strip_pasted_leaves_clean_values_alone():
    assert strip_pasted(CLIENT, "app_client_id") == (CLIENT, None)
    assert strip_pasted(None, "app_client_id") == ("", None)
