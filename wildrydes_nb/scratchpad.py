"""The workshop's scratchpad: a small JSON store of the ids each step hands to the next."""

from __future__ import annotations

import hashlib
import json
import os
import re
import stat
import tempfile
from pathlib import Path

from filelock import FileLock, Timeout

from . import locks
from .errors import InputError, ScratchpadError
from .fields import KEPT
from .inputs import check_field, shown
from .redaction import looks_secret

ENV_VAR = "WILDRYDES_SCRATCHPAD"

# Only these keys are stored: ids and names, never a password, token or key (the fields table's kept ones).
KEYS = KEPT

def default_path() -> Path:
    """``$WILDRYDES_SCRATCHPAD`` if set (``~`` expanded), else ``~/.wildrydes/scratchpad.json``."""
    return Path(os.environ.get(ENV_VAR) or Path.home() / ".wildrydes" / "scratchpad.json").expanduser()


class Scratchpad:
    """A JSON file of workshop ids; safe to update from several processes at once."""

    def __init__(self, path: str | os.PathLike | None = None):
        if path is not None and not isinstance(path, (str, os.PathLike)):
            raise ScratchpadError(f"{type(path).__name__} {shown(path)} is not a path.", field="scratchpad_path",
                                  fix="Give the scratchpad's path as text, e.g. ~/.wildrydes/scratchpad.json.")
        self.path = Path(path).expanduser() if path else default_path()

    def _file(self) -> Path:
        """The file to read and write: a symlink is followed, so its target is what gets updated.

        Anything but a regular file (a directory, a FIFO, a device such as /dev/null) is refused
        before anything is opened or written: the atomic write would otherwise replace it.
        """
        where = shown(self.path)
        if not str(self.path).isprintable():
            raise ScratchpadError(f"the path {where} contains a control character.", field="scratchpad_path",
                                  fix="Give a plain path, e.g. ~/.wildrydes/scratchpad.json.")
        try:
            target = self.path.resolve()
            mode = target.stat().st_mode
        except FileNotFoundError:
            return target  # created by the first update
        except (OSError, RuntimeError) as err:  # RuntimeError: a symlink loop (Python < 3.13)
            raise ScratchpadError(f"cannot use {where}: {getattr(err, 'strerror', None) or err}.",
                                  field="scratchpad_path", fix="Check the path and its permissions.") from None
        if not stat.S_ISREG(mode):
            raise ScratchpadError(f"{where} is not a regular file (it is {_kind(mode)}).", field="scratchpad_path",
                                  fix="Give the path of a JSON file, or of one to create, "
                                      "e.g. ~/.wildrydes/scratchpad.json.")
        return target

    def read(self) -> dict[str, str]:
        """All stored values (an empty dict when the file does not exist yet).

        A value that is not text, or that looks like a token or key (written in by hand), is
        left out: it is neither shown nor written back by :meth:`update`.
        """
        target = self._file()
        where = shown(self.path)
        try:
            raw = target.read_bytes()
        except FileNotFoundError:
            return {}
        except OSError as err:
            raise ScratchpadError(f"cannot read {where}: {err.strerror}.", field="scratchpad_path",
                                  fix="Check the path and its permissions.") from None
        fix = "Fix or delete the file; it only holds ids you can look up again."
        try:
            text = raw.decode("utf-8")
            data = json.loads(text) if text.strip() else {}
        except UnicodeDecodeError:
            raise ScratchpadError(f"{where} is not UTF-8 text.", field="scratchpad_path", fix=fix) from None
        except json.JSONDecodeError:
            raise ScratchpadError(f"{where} is not valid JSON.", field="scratchpad_path", fix=fix) from None
        except RecursionError:
            raise ScratchpadError(f"{where} is nested too deeply to be a scratchpad.", field="scratchpad_path",
                                  fix=fix) from None
        if not isinstance(data, dict):
            return {}
        return {k: v for k, v in data.items() if k in KEYS and isinstance(v, str) and _well_formed(k, v)}

    def ignored(self) -> dict[str, str]:
        """What the file holds that :meth:`read` leaves out, and why (a value edited by hand into
        something else than an id of its format, or a key the scratchpad does not keep)."""
        try:
            data = json.loads(self._file().read_text(encoding="utf-8") or "{}")
        except (OSError, ValueError, ScratchpadError):
            return {}
        if not isinstance(data, dict):
            return {}
        return {str(k): ("not a key of the scratchpad" if k not in KEYS else f"{shown(v)} is not a well-formed value")
                for k, v in data.items() if k not in KEYS or not (isinstance(v, str) and _well_formed(k, v))}

    def get(self, key: str, default: str | None = None) -> str | None:
        return self.read().get(key, default)

    def update(self, **values: str | None) -> dict[str, str]:
        """Merge ``values`` into the file (``None`` removes a key); returns the new content.

        Read-merge-write happens under a file lock and the write is atomic (temp file +
        rename), so two processes updating different keys never lose each other's keys.
        """
        for key, value in values.items():
            _refuse_secret(key, value)
        target = self._file()
        try:
            target.parent.mkdir(parents=True, exist_ok=True)
            with FileLock(str(_lock_path(target)), timeout=10):
                data = self.read()
                for key, value in values.items():
                    if value is None:
                        data.pop(key, None)
                    else:
                        data[key] = str(value)
                _atomic_write(target, json.dumps(dict(sorted(data.items())), indent=2) + "\n")
        except Timeout:  # before OSError: filelock's Timeout is a TimeoutError
            raise ScratchpadError(f"{shown(self.path)} is locked by another process.", field="scratchpad_path",
                                  fix="Wait for the other run to finish, then retry.") from None
        except OSError as err:
            raise ScratchpadError(f"cannot write {shown(self.path)}: {err.strerror}.", field="scratchpad_path",
                                  fix="Check the path and its permissions.") from None
        return data

    def amplify_config(self, values: dict[str, str] | None = None) -> dict[str, str]:
        """The values the next workshop step puts in ``amplify-config.js`` (from ``values`` when
        given, e.g. a live view's, else read from the file)."""
        data = self.read() if values is None else values
        return {"identityPoolId": data.get("identity_pool_id", ""),
                "region": data.get("region", ""),
                "userPoolId": data.get("user_pool_id", ""),
                "userPoolWebClientId": data.get("app_client_id", "")}

    def mixed(self, values: dict[str, str] | None = None) -> str | None:
        """Why the scratchpad's ids do not belong together, or ``None``: the Identity Pool ID was
        saved for another user pool or app client than the ones beside it (01 switched them since).
        A web app configured with such a mix cannot sign in; a view says so instead of showing it."""
        data = self.read() if values is None else values
        pool_id, made_for = data.get("identity_pool_id"), data.get("identity_pool_user_pool_id")
        client = data.get("identity_pool_app_client_id")
        if not pool_id or not made_for:
            return None  # nothing to compare (a scratchpad written before the link was kept)
        if (made_for, client) == (data.get("user_pool_id"), data.get("app_client_id")):
            return None
        return (f"The Identity Pool ID {pool_id} in your scratchpad was saved for user pool {made_for} (app client "
                f"{client}), not for your user pool {data.get('user_pool_id') or '(none)'} (app client "
                f"{data.get('app_client_id') or '(none)'}): a web app configured with this mix cannot sign in. "
                "Run 02's 'Create identity pool' for your user pool (it says when the pool must be re-linked), "
                "then copy the values.")

    def amplify_config_js(self, values: dict[str, str] | None = None) -> str:
        """The ``Auth`` block of ``amplify-config.js`` filled with the scratchpad's values."""
        # The values are checked when read (ids by their formats); quoted as JavaScript all the same.
        lines = [f"        {key}: '{_js(value)}'," for key, value in self.amplify_config(values).items()]
        return "const awsConfig = {\n    Auth: {\n" + "\n".join(lines) + "\n    },\n};"


_ROLE_ARN_RE = re.compile(r"arn:aws[a-z-]*:iam::\d{12}:role/[\w+=,.@/-]{1,512}", re.ASCII)


def _js(value: str) -> str:
    """``value`` inside a single-quoted JavaScript string: quotes, backslashes and line breaks escaped."""
    return json.dumps(value)[1:-1].replace("'", "\\'")


def _well_formed(key: str, value: str) -> bool:
    """Whether a value read back is what the package writes there: an id of its format, a name,
    an ARN; never a token or key. A value edited by hand into anything else is left out."""
    if looks_secret(value):
        return False
    if key.endswith("_role_arn"):
        return bool(_ROLE_ARN_RE.fullmatch(value))
    try:
        check_field(key, value)
    except InputError:
        return False
    return True


def _lock_path(target: Path) -> Path:
    """Where the lock of the scratchpad ``target`` lives: with the package's other locks, keyed
    on the file's real path, so no lock file is left beside the learner's scratchpad."""
    folder = locks.lock_folder()
    if folder is None:  # no writable home: beside the file, as filelock would put it
        return Path(str(target) + ".lock")
    return folder / f"scratchpad-{hashlib.sha256(str(target).encode()).hexdigest()[:16]}.lock"


def _refuse_secret(key: str, value: str | None) -> None:
    if key not in KEYS:
        raise ScratchpadError(f"'{key}' is not a scratchpad key.", field=key,
                              fix=f"Use one of: {', '.join(KEYS)}.")
    if value is not None and looks_secret(value):
        raise ScratchpadError("the value looks like a secret (token or key) and is not stored.",
                              field=key, fix="Store only ids and names in the scratchpad.")


def _kind(mode: int) -> str:
    kinds = ((stat.S_ISDIR, "a directory"), (stat.S_ISFIFO, "a FIFO"), (stat.S_ISCHR, "a character device"),
             (stat.S_ISBLK, "a block device"), (stat.S_ISSOCK, "a socket"))
    return next((name for test, name in kinds if test(mode)), "not a file")


def _atomic_write(path: Path, text: str) -> None:
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=path.name, suffix=".tmp")
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as handle:
            handle.write(text)
            handle.flush()
            os.fsync(handle.fileno())
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
