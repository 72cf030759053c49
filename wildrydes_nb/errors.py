"""Errors a learner can meet: each says which field, what is wrong and how to fix it."""

from .fields import LABELS


class WildrydesError(Exception):
    """Base class: an expected problem, shown to the learner as one clear message.

    ``field`` names the input at fault (``app_client_id``, ``region``...) or is ``None``
    when the problem is not one value; ``fix`` is one sentence saying what to do.
    """

    def __init__(self, problem: str, *, field: str | None = None, fix: str | None = None):
        super().__init__(problem)
        self.problem = problem
        self.field = field
        self.fix = fix

    def __str__(self) -> str:
        return self.named(LABELS)

    def named(self, names: dict[str, str]) -> str:
        """The message with its field named as ``names`` says (a form's labels, a command's flags)."""
        text = f"{names.get(self.field, self.field)}: {self.problem}" if self.field else self.problem
        return f"{text} Fix: {self.fix}" if self.fix else text

    def _render_traceback_(self) -> list[str]:
        # IPython shows this instead of a traceback: the learner sees the message, not our frames.
        return [f"{type(self).__name__}: {self}"]

    def to_dict(self) -> dict:
        """The message as data, for JSON output and reports."""
        return {"error": type(self).__name__, "field": self.field,
                "problem": self.problem, "fix": self.fix}


class InputError(WildrydesError):
    """A value given by the learner is malformed or inconsistent; nothing was sent to AWS."""


class MissingValueError(InputError):
    """A value the step needs was neither given nor saved; ``field`` says which (the fields
    table, :mod:`.fields`, says where each driver tells the learner to get it)."""


class NoFrontEndError(WildrydesError):
    """A form was shown where no one can click it (a headless run: nbconvert --execute, papermill,
    nbval) and ``auto_submit`` was not given: the run would create and check nothing, yet pass."""


class PrerequisiteError(WildrydesError):
    """Something the step builds on (user pool, app client) is missing or set up wrongly."""


class NotYoursError(WildrydesError):
    """Identity pools of the name exist and none is provably the learner's (:mod:`.ownership`):
    nothing is changed without their word. ``identity_pool_ids`` lists them."""

    def __init__(self, problem: str, *, field: str | None = None, fix: str | None = None,
                 identity_pool_ids: tuple[str, ...] = ()):
        super().__init__(problem, field=field, fix=fix)
        self.identity_pool_ids = tuple(identity_pool_ids)


class RelinkError(NotYoursError):
    """The step would point an identity pool at another user pool than the one(s) it is linked to:
    a re-link, made only when the learner asks (``relink``), never as a repair."""

    def __init__(self, problem: str, *, identity_pool_id: str, from_user_pools: tuple[str, ...],
                 to_user_pool: str, field: str | None = None, fix: str | None = None):
        super().__init__(problem, field=field, fix=fix, identity_pool_ids=(identity_pool_id,))
        self.identity_pool_id = identity_pool_id
        self.from_user_pools = tuple(from_user_pools)
        self.to_user_pool = to_user_pool


class AwsAccessError(WildrydesError):
    """AWS refused the call: no or invalid credentials, access denied, throttled."""


class AwsCallError(WildrydesError):
    """AWS (or the endpoint) answered a call with an error this package has no words of its own
    for: the message names the call, AWS's code and AWS's message, as they came."""


class QuotaError(WildrydesError):
    """An AWS account quota is reached (identity pools, IAM roles...); retrying cannot help."""


class RoleInUseError(WildrydesError):
    """An IAM role the step would re-point is trusted by another identity pool that still exists."""


class BusyError(WildrydesError):
    """Another run on this machine is doing the same work now: the same identity pool, or the same batch folder."""


class NotFoundError(WildrydesError):
    """A resource named by the learner does not exist in that account and region."""


class VerificationError(WildrydesError):
    """Verification ran and at least one check did not pass (the report says which)."""


class ScratchpadError(WildrydesError):
    """The scratchpad file cannot be read or written, or a secret was about to be stored."""


class UnsafeEndpointError(WildrydesError):
    """A test or sandbox driver was pointed at an endpoint that is not on loopback."""


class RosterError(WildrydesError):
    """The class roster has bad rows; ``rows`` lists each as (row number, message)."""

    def __init__(self, rows: list[tuple[int, str]], path: str):
        self.rows = rows
        # Row 0 is the roster as a whole (its columns, its shape), not one of its rows.
        lines = "\n".join(f"  row {n}: {message}" if n else f"  {message}" for n, message in rows)
        bad = sum(1 for n, _ in rows if n)
        head = f"{bad} bad row(s) in {path}" if bad else f"{path} cannot be used as a roster"
        super().__init__(f"{head}; nothing was run:\n{lines}\n", field="roster",
                         fix="Correct the roster, then run the same command again.")


class PortError(WildrydesError):
    """The sandbox or JupyterLab cannot listen on the port asked for: another program holds it, or it needs privileges."""
