"""Input checking: every rejected value names the field, says what is wrong and how to fix it."""

import pytest

from wildrydes_nb.errors import LABELS, InputError
from wildrydes_nb.inputs import (check_app_client_id, check_identity_pool_id, check_identity_pool_name, check_region,
                                  check_step_input, check_user_pool_id, parse_bool, problems, strip_pasted)

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
    assert step.notes and step.notes[0].startswith("User Pool ID: removed the surrounding")


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
    assert str(err).startswith(f"{LABELS[field]}: ") and "Fix: " in str(err)  # named as the form labels it


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


# Hostile input: one strict boolean parser, ASCII like AWS, no control character or secret echoed.

JWT = "eyJraWQiOiJkdW1teSJ9.eyJzdWIiOiIxMjM0NTY3ODkwIn0.c2lnbmF0dXJl"
SECRETS = [JWT, "AKIA" + "Q" * 16, "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY"]


@pytest.mark.parametrize("text, expected", [
    (True, True), (False, False), (1, True), (0, False),
    ("true", True), ("FALSE", False), (" Yes ", True), ("no", False), ("On", True), ("off", False),
    ("1", True), ("0", False), ("\tfalse\n", False),
])
def test_parse_bool_accepts_the_usual_spellings(text, expected):
    assert parse_bool(text, "auto_submit") is expected


@pytest.mark.parametrize("text", ["maybe", "", None, 2, "truee", "n", "false!", "tru\u0435", 1.0, "none"])
def test_parse_bool_refuses_anything_else_naming_the_parameter(text):
    with pytest.raises(InputError) as caught:
        parse_bool(text, "proof")
    err = caught.value
    assert err.field == "proof" and "is not true or false" in err.problem
    assert "true/false, yes/no, on/off or 1/0" in err.fix


def test_step_input_parses_allow_unauthenticated_strictly():
    assert check_step_input("us-east-2", POOL, CLIENT, allow_unauthenticated="false").allow_unauthenticated is False
    assert check_step_input("us-east-2", POOL, CLIENT, allow_unauthenticated=" ON").allow_unauthenticated is True
    with pytest.raises(InputError, match="^allow_unauthenticated: '' is not true or false"):
        check_step_input("us-east-2", POOL, CLIENT, allow_unauthenticated="")


@pytest.mark.parametrize("check, value, field", [
    (check_region, "us-east-\u0662", "region"),                        # an Arabic-Indic digit 2
    (check_user_pool_id, "us-east-2_\uff41bc", "user_pool_id"),        # a full-width 'a'
    (check_user_pool_id, "us-east-2\u00e9_abc", "user_pool_id"),
    (check_app_client_id, "abcd\u00e9fghijklmnopqrstuvwxyz", "app_client_id"),
    (check_identity_pool_id, "us-east-2:1a2b\u0663", "identity_pool_id"),
    (check_identity_pool_name, "wild\u00e9rydes", "identity_pool_name"),
    (check_identity_pool_name, "wild\u00a0rydes", "identity_pool_name"),  # a no-break space
])
def test_letters_digits_and_spaces_are_ascii_as_in_aws(check, value, field):
    with pytest.raises(InputError) as caught:
        check(value)
    assert caught.value.field == field


@pytest.mark.parametrize("check, value, shown", [
    (check_identity_pool_name, "wild\nrydes", r"'\n'"),
    (check_identity_pool_name, "wild\trydes", r"'\t'"),
    (check_app_client_id, "abc\x1b[31mdefghijklmnopqrstuvw", r"'\x1b'"),
    (check_user_pool_id, "us-east-2_abc\rdef", r"'\r'"),
    (check_region, "us-east-2\x00", r"'\x00'"),
    (check_identity_pool_id, "us-east-2:1a2b\u202e", r"'\u202e'"),   # a right-to-left override
])
def test_control_characters_are_refused_and_shown_escaped(check, value, shown):
    with pytest.raises(InputError) as caught:
        check(value)
    text = str(caught.value)
    assert "control or invisible character" in caught.value.problem and shown in text
    assert text.isprintable(), text


def test_control_characters_inside_a_pasted_value_are_refused_and_its_ends_stripped():
    with pytest.raises(InputError) as caught:
        check_step_input("us-east-2", POOL, CLIENT, identity_pool_name="wild\nrydes\n")
    assert caught.value.field == "identity_pool_name" and str(caught.value).isprintable()
    assert check_step_input("us-east-2\n", f"{POOL}\r\n", CLIENT).region == "us-east-2"


@pytest.mark.parametrize("secret", SECRETS)
@pytest.mark.parametrize("field", ["region", "user_pool_id", "app_client_id", "identity_pool_name"])
def test_a_pasted_token_or_key_is_refused_without_echo(secret, field):
    values = {"region": "us-east-2", "user_pool_id": POOL, "app_client_id": CLIENT,
              "identity_pool_name": "wildrydes_identity_pool", field: f" {secret}\n"}
    with pytest.raises(InputError) as caught:
        check_step_input(**values)
    assert caught.value.field == field and "looks like a token or key" in caught.value.problem
    assert secret[:12] not in str(caught.value)
    found = problems(**values)
    assert "looks like a token or key" in found[field]
    assert secret[:12] not in repr(found)


def test_a_token_pasted_as_identity_pool_id_is_refused_without_echo():
    with pytest.raises(InputError) as caught:
        check_identity_pool_id("us-east-2:" + JWT)
    assert caught.value.field == "identity_pool_id" and JWT[:12] not in str(caught.value)


def test_parse_bool_does_not_echo_a_token():
    with pytest.raises(InputError) as caught:
        parse_bool(JWT, "auto_submit")
    assert caught.value.field == "auto_submit" and JWT[:12] not in str(caught.value)
