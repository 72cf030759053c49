"""The workshop's scratchpad: a small JSON store of the ids each step hands to the next."""

from __future__ import annotations

import json
import os
import tempfile
from pathlib import Path

from filelock import FileLock, Timeout

from .errors import ScratchpadError
from .redaction import looks_secret

ENV_VAR = "WILDRYDES_SCRATCHPAD"

# Only these keys are stored: ids and names, never a password, token or key.
KEYS = ("region", "user_pool_id", "app_client_id", "identity_pool_name", "identity_pool_id",
        "authenticated_role_arn", "unauthenticated_role_arn")

def default_path() -> Path:
    """``$WILDRYDES_SCRATCHPAD`` if set, else ``~/.wildrydes/scratchpad.json``."""
    return Path(os.environ.get(ENV_VAR) or Path.home() / ".wildrydes" / "scratchpad.json")


class Scratchpad:
    """A JSON file of workshop ids; safe to update from several processes at once."""

    def __init__(self, path: str | os.PathLike | None = None):
        self.path = Path(path).expanduser() if path else default_path()
        self._lock = FileLock(str(self.path) + ".lock", timeout=10)

    def read(self) -> dict[str, str]:
        """All stored values (an empty dict when the file does not exist yet)."""
        try:
            text = self.path.read_text(encoding="utf-8")
        except FileNotFoundError:
            return {}
        except OSError as err:
            raise ScratchpadError(f"cannot read {self.path}: {err.strerror}.", field="scratchpad_path",
                                  fix="Check the path and its permissions.") from None
        try:
            data = json.loads(text) if text.strip() else {}
        except json.JSONDecodeError:
            raise ScratchpadError(f"{self.path} is not valid JSON.", field="scratchpad_path",
                                  fix="Fix or delete the file; it only holds ids you can look up again.") from None
        return {k: v for k, v in data.items() if k in KEYS} if isinstance(data, dict) else {}

    def get(self, key: str, default: str | None = None) -> str | None:
        return self.read().get(key, default)

    def update(self, **values: str | None) -> dict[str, str]:
        """Merge ``values`` into the file (``None`` removes a key); returns the new content.

        Read-merge-write happens under a file lock and the write is atomic (temp file +
        rename), so two processes updating different keys never lose each other's keys.
        """
        for key, value in values.items():
            _refuse_secret(key, value)
        self.path.parent.mkdir(parents=True, exist_ok=True)
        try:
            with self._lock:
                data = self.read()
                for key, value in values.items():
                    if value is None:
                        data.pop(key, None)
                    else:
                        data[key] = str(value)
                _atomic_write(self.path, json.dumps(dict(sorted(data.items())), indent=2) + "\n")
        except Timeout:
            raise ScratchpadError(f"{self.path} is locked by another process.", field="scratchpad_path",
                                  fix="Wait for the other run to finish, then retry.") from None
        return data

    def amplify_config(self) -> dict[str, str]:
        """The values the next workshop step puts in ``amplify-config.js``."""
        data = self.read()
        return {"identityPoolId": data.get("identity_pool_id", ""),
                "region": data.get("region", ""),
                "userPoolId": data.get("user_pool_id", ""),
                "userPoolWebClientId": data.get("app_client_id", "")}

    def amplify_config_js(self) -> str:
        """The ``Auth`` block of ``amplify-config.js`` filled with the scratchpad's values."""
        lines = [f"        {key}: '{value}'," for key, value in self.amplify_config().items()]
        return "const awsConfig = {\n    Auth: {\n" + "\n".join(lines) + "\n    },\n};"


def _refuse_secret(key: str, value: str | None) -> None:
    if key not in KEYS:
        raise ScratchpadError(f"'{key}' is not a scratchpad key.", field=key,
                              fix=f"Use one of: {', '.join(KEYS)}.")
    if value is not None and looks_secret(value):
        raise ScratchpadError("the value looks like a secret (token or key) and is not stored.",
                              field=key, fix="Store only ids and names in the scratchpad.")


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
