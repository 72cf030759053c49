"""The scratchpad: persistent, atomic, safe under concurrent writers, never holds a secret."""

import json
import multiprocessing

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


def _writer(path, key, count):
    pad = Scratchpad(path)
    for i in range(count):
        pad.update(**{key: f"{key}-{i}"})


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
    assert Scratchpad(path).read() == {"user_pool_id": "user_pool_id-39", "app_client_id": "app_client_id-39",
                                       "identity_pool_id": "identity_pool_id-39"}


def test_amplify_config_snippet(scratchpad):
    scratchpad.update(region="us-east-2", user_pool_id="us-east-2_abc", app_client_id="abc123",
                      identity_pool_id="us-east-2:1a2b")
    assert scratchpad.amplify_config() == {"identityPoolId": "us-east-2:1a2b", "region": "us-east-2",
                                           "userPoolId": "us-east-2_abc", "userPoolWebClientId": "abc123"}
    assert "identityPoolId: 'us-east-2:1a2b'," in scratchpad.amplify_config_js()
