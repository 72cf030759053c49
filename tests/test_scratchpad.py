"""The scratchpad: persistent, atomic, safe under concurrent writers, never holds a secret."""

import json
import multiprocessing
import os
import stat

import pytest

from wildrydes_nb.errors import ScratchpadError
from wildrydes_nb.scratchpad import Scratchpad, default_path


def test_default_path_follows_environment(monkeypatch, tmp_path):
    monkeypatch.setenv("WILDRYDES_SCRATCHPAD", str(tmp_path / "pad.json"))
    assert default_path() == tmp_path / "pad.json"
    monkeypatch.delenv("WILDRYDES_SCRATCHPAD")
    assert default_path().parts[-2:] == (".wildrydes", "scratchpad.json")


def test_update_merges_removes_and_persists(scratchpad):
    assert scratchpad.read() == {}
    scratchpad.update(region="us-east-2", user_pool_id="us-east-2_abc")
    scratchpad.update(app_client_id="abc123", user_pool_id=None)
    assert Scratchpad(scratchpad.path).read() == {"region": "us-east-2", "app_client_id": "abc123"}
    assert json.loads(scratchpad.path.read_text()) == {"app_client_id": "abc123", "region": "us-east-2"}
    assert not list(scratchpad.path.parent.glob("*.tmp"))


@pytest.mark.parametrize("key, value", [
    ("password", "hunter2"),
    ("identity_pool_id", "eyJraWQiOiJkdW1teSJ9.eyJzdWIiOiIxMjM0NTY3ODkwIn0.sig"),
    ("region", "ASIA" + "X" * 16),
    ("app_client_id", "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY"),
])
def test_refuses_secrets_and_unknown_keys(scratchpad, key, value):
    with pytest.raises(ScratchpadError) as caught:
        scratchpad.update(**{key: value})
    assert caught.value.field == key and caught.value.fix
    assert not scratchpad.path.exists()


def test_broken_file_gives_clear_message(scratchpad):
    scratchpad.path.write_text("{not json")
    with pytest.raises(ScratchpadError, match="not valid JSON"):
        scratchpad.read()


# Well-formed values (the scratchpad reads back only ids of their formats), numbered.
_VALUE = {"user_pool_id": "us-east-2_n{}", "app_client_id": "client{}", "identity_pool_id": "us-east-2:{:08x}"}


def _writer(path, key, count):
    pad = Scratchpad(path)
    for i in range(count):
        pad.update(**{key: _VALUE[key].format(i)})


def test_two_processes_writing_at_once_lose_no_key(tmp_path):
    path = tmp_path / "pad.json"
    ctx = multiprocessing.get_context("spawn")
    workers = [ctx.Process(target=_writer, args=(path, key, 40))
               for key in ("user_pool_id", "app_client_id", "identity_pool_id")]
    for w in workers:
        w.start()
    for w in workers:
        w.join(60)
        assert w.exitcode == 0
    assert Scratchpad(path).read() == {key: _VALUE[key].format(39) for key in _VALUE}


def test_amplify_config_snippet(scratchpad):
    scratchpad.update(region="us-east-2", user_pool_id="us-east-2_abc", app_client_id="abc123",
                      identity_pool_id="us-east-2:1a2b")
    assert scratchpad.amplify_config() == {"identityPoolId": "us-east-2:1a2b", "region": "us-east-2",
                                           "userPoolId": "us-east-2_abc", "userPoolWebClientId": "abc123"}
    assert "identityPoolId: 'us-east-2:1a2b'," in scratchpad.amplify_config_js()


# Hostile paths and files: refused before anything is written, never a traceback, no token kept.

JWT = "eyJraWQiOiJkdW1teSJ9.eyJzdWIiOiIxMjM0NTY3ODkwIn0.c2lnbmF0dXJl"


def test_a_token_already_in_the_file_is_not_read_and_dropped_on_rewrite(scratchpad):
    scratchpad.path.write_text(json.dumps({"region": "us-east-2", "identity_pool_id": JWT, "user_pool_id": 7}))
    assert scratchpad.read() == {"region": "us-east-2"}
    scratchpad.update(app_client_id="abc123")
    assert json.loads(scratchpad.path.read_text()) == {"app_client_id": "abc123", "region": "us-east-2"}


def test_user_pool_command_drops_a_token_from_the_scratchpad(tmp_path, session):
    from wildrydes_nb import cli

    pad = tmp_path / "pad.json"
    pad.write_text(json.dumps({"region": "us-east-2", "identity_pool_name": JWT}))
    assert cli.main(["user-pool", "--scratchpad", str(pad)]) == 0
    assert JWT[:12] not in pad.read_text() and "user_pool_id" in json.loads(pad.read_text())


def test_a_symlink_is_followed_and_its_target_updated(tmp_path):
    target = tmp_path / "real" / "pad.json"
    target.parent.mkdir()
    target.write_text(json.dumps({"region": "us-east-2"}))
    link = tmp_path / "link.json"
    link.symlink_to(target)
    Scratchpad(link).update(app_client_id="abc123")
    assert link.is_symlink()
    assert json.loads(target.read_text()) == {"app_client_id": "abc123", "region": "us-east-2"}


def _no_write(monkeypatch):
    """Make any write of the scratchpad fail the test instead of happening."""
    from wildrydes_nb import scratchpad as module

    def refuse(*_args):
        raise AssertionError("the scratchpad was written")

    monkeypatch.setattr(module, "_atomic_write", refuse)


def _kind(path):
    mode = os.stat(path).st_mode
    return "fifo" if stat.S_ISFIFO(mode) else "char" if stat.S_ISCHR(mode) else "dir" if stat.S_ISDIR(mode) else "?"


@pytest.mark.parametrize("kind", ["fifo", "dir", "char", "link to fifo"])
def test_a_fifo_directory_or_device_is_refused_before_anything_is_written(tmp_path, monkeypatch, kind):
    path = tmp_path / "pad.json"
    if kind in ("fifo", "link to fifo"):
        os.mkfifo(tmp_path / "fifo")  # opening it to read would block forever
        path.symlink_to(tmp_path / "fifo") if kind == "link to fifo" else (tmp_path / "fifo").rename(path)
    elif kind == "dir":
        path.mkdir()
    else:
        os.mknod(path, 0o600 | stat.S_IFCHR, os.makedev(1, 3))  # a second /dev/null (we run as root)
    before = _kind(path)
    _no_write(monkeypatch)
    pad = Scratchpad(path)
    for action in (pad.read, lambda: pad.update(region="us-east-2")):
        with pytest.raises(ScratchpadError) as caught:
            action()
        assert caught.value.field == "scratchpad_path" and "not a regular file" in caught.value.problem
        assert caught.value.fix
    assert _kind(path) == before
    assert {p.name for p in tmp_path.iterdir()} == ({"pad.json", "fifo"} if kind == "link to fifo" else {"pad.json"})


def test_dev_null_is_refused_and_left_alone(monkeypatch):
    _no_write(monkeypatch)
    monkeypatch.setenv("WILDRYDES_SCRATCHPAD", "/dev/null")
    with pytest.raises(ScratchpadError, match="not a regular file"):
        Scratchpad().update(region="us-east-2")
    assert stat.S_ISCHR(os.stat("/dev/null").st_mode) and not os.path.exists("/dev/null.lock")


@pytest.mark.parametrize("content, words", [
    (b'{"region": "us-east-2\xff"}', "is not UTF-8 text"),
    (b"[" * 100_000 + b"]" * 100_000, "nested too deeply"),
    (b"\xef\xbb\xbf{}", "not valid JSON"),
])
def test_a_broken_file_is_a_clear_error(scratchpad, content, words):
    scratchpad.path.write_bytes(content)
    for action in (scratchpad.read, lambda: scratchpad.update(region="us-east-2")):
        with pytest.raises(ScratchpadError, match=words) as caught:
            action()
        assert caught.value.field == "scratchpad_path" and caught.value.fix
    assert scratchpad.path.read_bytes() == content


def test_tilde_in_the_variable_is_expanded(monkeypatch, tmp_path):
    monkeypatch.setenv("HOME", str(tmp_path))
    monkeypatch.setenv("WILDRYDES_SCRATCHPAD", "~/pads/pad.json")
    assert default_path() == tmp_path / "pads" / "pad.json"
    Scratchpad().update(region="us-east-2")
    assert json.loads((tmp_path / "pads" / "pad.json").read_text()) == {"region": "us-east-2"}


def test_a_parent_that_is_a_file_is_a_clear_error(tmp_path):
    (tmp_path / "file").write_text("x")
    with pytest.raises(ScratchpadError, match="Not a directory") as caught:
        Scratchpad(tmp_path / "file" / "pad.json").update(region="us-east-2")
    assert caught.value.field == "scratchpad_path"


def test_an_update_leaves_no_lock_file_beside_the_scratchpad(tmp_path):
    from wildrydes_nb.scratchpad import Scratchpad

    Scratchpad(tmp_path / "scratchpad.json").update(region="us-east-2")
    assert [p.name for p in tmp_path.iterdir()] == ["scratchpad.json"]


def test_an_identity_pool_saved_for_another_user_pool_is_never_shown_as_a_config_to_copy(scratchpad, capsys):
    from wildrydes_nb import cli, forms

    scratchpad.update(region="us-east-2", user_pool_id="us-east-2_new", app_client_id="newclient",
                      identity_pool_id="us-east-2:1a2b", identity_pool_user_pool_id="us-east-2_old",
                      identity_pool_app_client_id="oldclient")  # 01 switched the user pool since 02 ran
    view = forms.amplify_config_view(scratchpad)
    assert "identityPoolId" not in view.text and "saved for user pool us-east-2_old" in view.text
    assert "cannot sign in" in forms.scratchpad_view(scratchpad).text
    assert cli.main(["scratchpad", "--scratchpad", str(scratchpad.path)]) == 0
    out = capsys.readouterr().out
    assert "note: The Identity Pool ID us-east-2:1a2b" in out and "identityPoolId:" not in out
    scratchpad.update(identity_pool_user_pool_id="us-east-2_new", identity_pool_app_client_id="newclient")
    view.state.refresh()  # the view follows the scratchpad (a form's action refreshes it)
    assert "identityPoolId: 'us-east-2:1a2b'," in view.text
