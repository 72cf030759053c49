"""ipywidgets forms for the notebooks: collect input, call the library, show the result.

A form holds no logic of its own. Each action (``create``, ``verify``, ...) is a plain method
that calls the library, shows the outcome in the form and returns it, or shows the error as
the library's message and raises it. A button runs its action in a worker thread, one at a
time: the form's buttons are disabled meanwhile and a click that arrives while it runs does
nothing. A headless run calls ``form.submit()`` instead, in the cell: the main action runs
there, what the form then shows is printed as text, and a failure raises, failing the run.
Every status is a :class:`View`: an HTML widget whose ``value`` a learner sees and whose
``text`` is the same in plain words; tests read either.
"""

from __future__ import annotations

import functools
import logging
import threading

import ipywidgets as widgets
from IPython.display import display

from . import DEFAULT_IDENTITY_POOL_NAME, account, cleanup, identity_pool, inputs, render, user_pool, verify
from .aws import make_session
from .errors import InputError, VerificationError, WildrydesError
from .redaction import looks_secret
from .report import FAIL, NOT_PROVEN

log = logging.getLogger(__name__)

_STYLE = {"description_width": "170px"}
_WIDE = {"width": "640px"}
_PLACEHOLDERS = {"region": "e.g. us-east-2", "user_pool_id": "e.g. us-east-2_AbC123xyz",
                 "app_client_id": "26 letters and digits", "identity_pool_name": DEFAULT_IDENTITY_POOL_NAME}


def default_region(profile: str | None = None) -> str:
    """The region the standard AWS configuration gives (empty when there is none)."""
    try:
        return make_session(profile).region_name or ""
    except WildrydesError:
        return ""  # an unknown profile is reported when the form first calls AWS


def prefill(scratchpad, profile: str | None = None, **given) -> dict[str, str]:
    """The form's starting values: as given, else from the scratchpad.

    The region, when not given, follows a given user pool id, else the scratchpad, else the
    AWS configuration.
    """
    for name, value in given.items():  # a given token or control character never reaches a widget
        if value not in (None, ""):
            inputs.check_plain(str(value).strip(), name)
    saved = scratchpad.read()
    values = {k: str(v) if v not in (None, "") else saved.get(k, "") for k, v in given.items()}
    if "region" in given and given["region"] in (None, ""):
        values["region"] = (inputs.region_of(str(given.get("user_pool_id") or "")) or saved.get("region")
                            or inputs.region_of(values.get("user_pool_id", "")) or default_region(profile))
    return values


def _shows_errors(action):
    """Show any error of ``action`` in the form's status line, then raise it again."""

    @functools.wraps(action)
    def run(self, *args, **kwargs):
        try:
            return action(self, *args, **kwargs)
        except Exception as err:
            self.status.show(render.error(err))
            raise

    return run


def _text(name: str, label: str, value: str) -> widgets.Text:
    field = widgets.Text(value=value, description=label, placeholder=_PLACEHOLDERS.get(name, ""),
                         style=_STYLE, layout=_WIDE)
    field.observe(_drop_secret, names="value")
    return field


def _drop_secret(change) -> None:
    # A token or key pasted into a field is not kept: not in the widget, nor in its saved state.
    if looks_secret(change["new"]):
        change["owner"].placeholder = "that looked like a token or key: it was not kept"
        change["owner"].value = ""


class View(widgets.HTML):
    """An HTML widget that also keeps the plain text of what it shows (for transcripts and tests)."""

    text = ""  # a plain attribute: it stays in the kernel

    def show(self, rendered: render.Rendered) -> None:
        self.text = rendered.text
        self.value = rendered.html

    def clear(self) -> None:
        self.text = ""
        self.value = ""


class Form:
    """A box of widgets with a status line, an output area and one-action-at-a-time buttons."""

    title = ""

    def __init__(self, scratchpad, profile: str | None = None):
        self.scratchpad = scratchpad
        self.profile = profile or None
        self.status = View()
        self.output = View()
        self.widget: widgets.Widget | None = None
        self._buttons: list[widgets.Button] = []
        self._busy = threading.Lock()
        self._worker: threading.Thread | None = None
        self._sessions: dict = {}

    # Display: the widget for JupyterLab, a stable one-line text for logs and nbval.
    def _repr_mimebundle_(self, **kwargs):
        bundle = self.widget._repr_mimebundle_(**kwargs)
        bundle["text/plain"] = f"{self.title} (a form: open the notebook in JupyterLab to use it)"
        return bundle

    def show(self) -> None:
        """Display the form in the notebook."""
        display(self)

    def _layout(self, *rows: widgets.Widget) -> None:
        self.widget = widgets.VBox([widgets.HTML(f"<h3>{self.title}</h3>"), *rows, self.status, self.output])

    def _session(self, region: str):
        # The region is a form field, so the session follows it; the rest is the standard chain.
        key = (self.profile, region)
        if key not in self._sessions:
            self._sessions[key] = make_session(self.profile, region)
        return self._sessions[key]

    def _button(self, description: str, action, style: str = "") -> widgets.Button:
        button = widgets.Button(description=description, button_style=style,
                                layout={"width": "auto"})
        button.on_click(lambda _button: self._start(action))
        self._buttons.append(button)
        return button

    def _start(self, action) -> bool:
        """Run ``action`` in a worker thread unless one is running; returns whether it started."""
        if not self._busy.acquire(blocking=False):
            return False  # a second click while the first runs does nothing
        for button in self._buttons:
            button.disabled = True

        def run():
            try:
                action()
            except WildrydesError:
                pass  # already shown in the status line, which is where a learner looks
            except Exception:  # noqa: BLE001 - a bug: shown as such in the form, traceback to the log
                log.exception("%s failed", getattr(action, "__name__", "action"))
            finally:
                self._enable_buttons()
                self._busy.release()

        self._worker = threading.Thread(target=run, name=f"wildrydes-{type(self).__name__}", daemon=True)
        self._worker.start()
        return True

    def _enable_buttons(self) -> None:
        for button in self._buttons:
            button.disabled = False

    @property
    def running(self) -> bool:
        """Whether a button's action is running."""
        return self._busy.locked()

    def wait(self, timeout: float = 60) -> None:
        """Wait for the action a button started (tests and scripts use this)."""
        if self._worker is not None:
            self._worker.join(timeout)

    def _running(self, message: str) -> None:
        self.status.show(render.status("running", message))

    def _done(self, message: str) -> None:
        self.status.show(render.status("done", message))

    def _transcript_views(self) -> list[View]:
        return [self.output, self.status]

    def transcript(self) -> str:
        """What the form shows, as plain text."""
        return "\n".join(view.text for view in self._transcript_views() if view.text)

    def submit(self):
        """Run the form's main action from code, as a headless run does; raise if it fails.

        What the form then shows is printed too, so an executed notebook reads well even
        where its widgets are not rendered.
        """
        try:
            return self._submit()
        finally:
            self._publish()

    def _publish(self) -> None:
        print(self.transcript())

    def _submit(self):
        raise NotImplementedError


class TargetForm(Form):
    """00: pick the AWS profile and region, check the credentials work, save the region."""

    title = "Where this workbook talks to AWS"

    def __init__(self, scratchpad, *, profile: str | None = None, region: str | None = None):
        super().__init__(scratchpad, profile)
        profiles = account.available_profiles()
        options = [("(standard configuration)", "")] + [(p, p) for p in profiles]
        if profile and profile not in profiles:
            options.append((profile, profile))  # kept, so that checking it says clearly what is wrong
        self.profile_field = widgets.Dropdown(options=options, value=profile or "", description="AWS profile",
                                              style=_STYLE, layout=_WIDE)
        self.region = _text("region", "Region", prefill(scratchpad, profile, region=region)["region"])
        self.region_message = View()
        self.region.observe(self._check_live, names="value")
        self.check_button = self._button("Check credentials", self.check, "primary")
        self.caller: account.Caller | None = None
        self._check_live()
        self._layout(self.profile_field, self.region, self.region_message, widgets.HBox([self.check_button]))

    def _check_live(self, _change=None) -> None:
        try:
            inputs.check_region(self.region.value.strip())
            self.region_message.clear()
        except InputError as err:
            self.region_message.show(render.status("failed", str(err)))

    @_shows_errors
    def check(self) -> account.Caller:
        """Ask AWS whom the chosen profile signs in as; save the region to the scratchpad."""
        self._running("Asking AWS who you are…")
        self.profile = self.profile_field.value or None
        region = inputs.check_region(self.region.value.strip())
        self.caller = account.who_am_i(self._session(region))
        self.scratchpad.update(region=region)
        self.output.show(render.caller(self.caller))
        where = "the local sandbox" if self.caller.local else f"AWS account {self.caller.account}"
        self._done(f"Credentials work: {where}, region {region} (saved to the scratchpad).")
        return self.caller

    _submit = check


class UserPoolForm(Form):
    """01: create (or reuse) the WildRydes user pool and app client, or check pasted ids."""

    title = "The user pool and app client"
    FIELDS = {"region": "Region", "user_pool_id": "User Pool ID", "app_client_id": "App client ID"}

    def __init__(self, scratchpad, *, profile: str | None = None, region: str | None = None,
                 user_pool_id: str | None = None, app_client_id: str | None = None):
        super().__init__(scratchpad, profile)
        values = prefill(scratchpad, profile, region=region, user_pool_id=user_pool_id, app_client_id=app_client_id)
        self.fields = {name: _text(name, label, values[name]) for name, label in self.FIELDS.items()}
        self.messages = {name: View() for name in self.fields}
        for field in self.fields.values():
            field.observe(self._check_live, names="value")
        self.create_button = self._button("Create or reuse WildRydes", self.create, "primary")
        self.use_button = self._button("Check and use these IDs", self.use_pasted)
        self.result: user_pool.UserPoolResult | None = None
        self._check_live()
        rows = [w for name in self.fields for w in (self.fields[name], self.messages[name])]
        self._layout(*rows, widgets.HBox([self.create_button, self.use_button]))

    def values(self) -> dict[str, str]:
        return {name: field.value for name, field in self.fields.items()}

    def _pasting(self) -> bool:
        values = self.values()
        return bool(values["user_pool_id"].strip() or values["app_client_id"].strip())

    def _check_live(self, _change=None) -> None:
        values = self.values() if self._pasting() else {"region": self.fields["region"].value}
        found = inputs.problems(**values)
        for name, message in self.messages.items():
            if name in found:
                message.show(render.status("failed", found[name]))
            else:
                message.clear()

    def _save(self, region: str, user_pool_id: str, app_client_id: str, note: str) -> None:
        self.scratchpad.update(region=region, user_pool_id=user_pool_id, app_client_id=app_client_id)
        for name, value in (("region", region), ("user_pool_id", user_pool_id), ("app_client_id", app_client_id)):
            self.fields[name].value = value
        self.output.show(render.user_pool(user_pool_id, app_client_id, note))
        self._done(f"Saved to the scratchpad ({self.scratchpad.path}).")

    @_shows_errors
    def create(self) -> user_pool.UserPoolResult:
        """Find or create the WildRydes user pool and its app client; save their ids."""
        self._running("Looking for the WildRydes user pool and its app client, creating what is missing…")
        region = inputs.check_region(self.fields["region"].value.strip())
        session = self._session(region)
        self.result = user_pool.ensure_user_pool(session)
        made = " and ".join(self.result.created)
        note = f"Created the {made}." if made else "Reused the existing user pool and app client."
        if not made:
            app = user_pool.describe_app_client(session, self.result.user_pool_id, self.result.app_client_id)
            differences = app.workshop_differences()
            note += (" They differ from the workshop's: " + "; ".join(differences) + "."
                     if differences else " They are set up as the workshop's.")
        self._save(region, self.result.user_pool_id, self.result.app_client_id, note)
        return self.result

    @_shows_errors
    def use_pasted(self) -> user_pool.AppClient:
        """Check that the pasted user pool and app client exist and belong together; save them."""
        self._running("Checking the pasted ids…")
        step = inputs.check_step_input(**self.values())
        app = user_pool.describe_app_client(self._session(step.region), step.user_pool_id, step.app_client_id)
        notes = list(step.notes)
        differences = app.workshop_differences()
        if differences:
            notes.append("Differs from the workshop's: " + "; ".join(differences) + ".")
        self._save(step.region, step.user_pool_id, step.app_client_id,
                   " ".join(notes) or f"Found app client '{app.name}' in user pool {step.user_pool_id}, "
                                      "set up as the workshop's.")
        return app

    def _submit(self):
        # With ids filled in (given or from the scratchpad) they are checked; otherwise created.
        return self.use_pasted() if self._pasting() else self.create()


class IdentityPoolForm(Form):
    """02: the step itself. Preview the plan, create the pool and its role, one line per stage."""

    title = "Create the identity pool"
    FIELDS = {"identity_pool_name": "Identity pool name", "user_pool_id": "User Pool ID",
              "app_client_id": "App client ID", "region": "Region"}

    def __init__(self, scratchpad, *, profile: str | None = None, region: str | None = None,
                 user_pool_id: str | None = None, app_client_id: str | None = None,
                 identity_pool_name: str | None = DEFAULT_IDENTITY_POOL_NAME,
                 allow_unauthenticated: bool = False):
        super().__init__(scratchpad, profile)
        values = prefill(scratchpad, profile, identity_pool_name=identity_pool_name, user_pool_id=user_pool_id,
                         app_client_id=app_client_id, region=region)
        self.fields = {name: _text(name, label, values[name]) for name, label in self.FIELDS.items()}
        allow = inputs.parse_bool(allow_unauthenticated, "allow_unauthenticated")  # a text "false" is false
        self.allow_unauthenticated = widgets.Checkbox(value=allow, indent=False,
                                                      description="Allow unauthenticated identities")
        self.messages = {name: View() for name in [*self.fields, "allow_unauthenticated"]}
        for field in [*self.fields.values(), self.allow_unauthenticated]:
            field.observe(self._check_live, names="value")
        self.preview_button = self._button("Preview", self.preview)
        self.create_button = self._button("Create identity pool", self.create, "primary")
        self.stages = {stage: View() for stage in identity_pool.STAGES}
        self._reset_stages()
        self.result: identity_pool.Result | None = None
        self._check_live()
        rows = [w for name in self.fields for w in (self.fields[name], self.messages[name])]
        self._layout(*rows, self.allow_unauthenticated, self.messages["allow_unauthenticated"],
                     widgets.HBox([self.preview_button, self.create_button]), *self.stages.values())

    def values(self) -> dict:
        """The form's current values, by the keyword names of :func:`inputs.check_step_input`."""
        return {**{name: field.value for name, field in self.fields.items()},
                "allow_unauthenticated": self.allow_unauthenticated.value}

    def _check_live(self, _change=None) -> None:
        found = inputs.problems(**self.values())
        for name, message in self.messages.items():
            if name in found:
                message.show(render.status("failed", found.pop(name)))
            else:
                message.clear()
        if found:  # a problem of the values together rather than of one field
            self.messages["region"].show(render.status("failed", " ".join(found.values())))

    def _reset_stages(self) -> None:
        for stage, line in self.stages.items():
            line.show(render.stage(stage, "pending"))

    def _progress(self, stage: str, state: str, detail: str) -> None:
        self.stages[stage].show(render.stage(stage, state, detail))

    def _transcript_views(self) -> list[View]:
        return [*self.stages.values(), self.output, self.status]

    def checked_input(self) -> inputs.StepInput:
        """The form's values, cleaned and checked (raises :class:`InputError`)."""
        return inputs.check_step_input(**self.values())

    @_shows_errors
    def preview(self) -> identity_pool.Plan:
        """Show what creating would change; changes nothing."""
        self._running("Reading what exists…")
        step = self.checked_input()
        plan = identity_pool.plan(self._session(step.region), step)
        self.output.show(render.plan(plan))
        self._done("Preview ready; nothing was changed.")
        return plan

    @_shows_errors
    def create(self) -> identity_pool.Result:
        """Create or repair the identity pool and its role, then save the ids to the scratchpad."""
        self._reset_stages()
        self.output.clear()
        self._running("Creating the identity pool…")
        self._progress("input", "running", "checking the values")
        try:
            step = self.checked_input()
        except InputError as err:
            self._progress("input", "failed", str(err))
            raise
        for name in self.FIELDS:  # show the values as used: pasted quotes and spaces removed
            self.fields[name].value = getattr(step, name)
        self.result = identity_pool.ensure(self._session(step.region), step, scratchpad=self.scratchpad,
                                           progress=self._progress)
        self.output.show(render.identity_pool_id(self.result.identity_pool_id))
        changes = len(self.result.actions)
        self._done(f"Identity pool ready: {changes} change{'s' * (changes != 1)} made, "
                   f"ids saved to the scratchpad ({self.scratchpad.path}).")
        return self.result

    _submit = create

    def identity_pool_id(self, step: inputs.StepInput) -> str:
        """The id of the pool this form made, else of the one pool with the form's name."""
        made = self.result and (self.result.identity_pool_name, self.result.region) == (step.identity_pool_name,
                                                                                       step.region)
        return identity_pool.resolve_identity_pool_id(self._session(step.region), step,
                                                      given=self.result.identity_pool_id if made else None)


class VerifyForm(Form):
    """02: check the pool that the identity-pool form made, and prove a user gets credentials."""

    title = "Verify the identity pool"

    def __init__(self, identity_form: IdentityPoolForm, *, proof: bool = True):
        super().__init__(identity_form.scratchpad, identity_form.profile)
        self.identity_form = identity_form
        # The same sessions: their clients, with service models already loaded, are reused.
        self._sessions = identity_form._sessions
        self.proof = widgets.Checkbox(value=inputs.parse_bool(proof, "proof"), indent=False,
                                      layout={"width": "auto"},
                                      description="Sign-in proof (creates a test user, then deletes it)")
        self.verify_button = self._button("Verify", self.verify, "primary")
        self.report = None
        self._layout(self.proof, widgets.HBox([self.verify_button]))

    @_shows_errors
    def verify(self):
        """Run the checklist; raise when a check does not pass, so that a headless run fails."""
        self.output.clear()
        self.report = None
        self._running("Verifying…")
        step = self.identity_form.checked_input()
        pool_id = self.identity_form.identity_pool_id(step)
        self.report = verify.verify(self._session(step.region), step, pool_id, proof=self.proof.value,
                                    progress=lambda _stage, state, detail: self.status.show(
                                        render.status(state, detail)))
        self.output.show(render.report(self.report))
        if not self.report.ok:
            failed = [c for c in self.report.checks if c.status == FAIL]
            raise VerificationError(f"{len(failed)} verification check(s) did not pass: "
                                    f"{'; '.join(c.name for c in failed)}.",
                                    fix=failed[0].fix or "Read the checklist, fix, then verify again.")
        unproven = [c for c in self.report.checks if c.status == NOT_PROVEN]
        if unproven:
            self.status.show(render.status(NOT_PROVEN, f"The setup is right, but the sign-in was not proven: "
                                                       f"{unproven[0].detail}. To prove it: {unproven[0].fix}"))
        else:
            self._done(f"All {len(self.report.checks)} checks passed.")
        return self.report

    _submit = verify

    def _publish(self) -> None:
        if self.report is not None:
            display(self.report)  # its text, and its data for a batch run to read back (report.REPORT_MIME)
        print(self.status.text)


class CleanupForm(Form):
    """99: list what would be deleted, delete it on confirmation, show what is left."""

    title = "Clean up"
    FIELDS = {"identity_pool_name": "Identity pool name", "user_pool_id": "User Pool ID", "region": "Region"}

    def __init__(self, scratchpad, *, profile: str | None = None, region: str | None = None,
                 identity_pool_name: str | None = DEFAULT_IDENTITY_POOL_NAME,
                 user_pool_id: str | None = None, delete_user_pool: bool = False):
        super().__init__(scratchpad, profile)
        values = prefill(scratchpad, profile, identity_pool_name=identity_pool_name,
                         user_pool_id=user_pool_id, region=region)
        values["identity_pool_name"] = values["identity_pool_name"] or DEFAULT_IDENTITY_POOL_NAME
        self.fields = {name: _text(name, label, values[name]) for name, label in self.FIELDS.items()}
        delete = inputs.parse_bool(delete_user_pool, "delete_user_pool")  # a text "false" must not delete
        self.delete_user_pool = widgets.Checkbox(value=delete, indent=False, description="Delete the user pool too")
        self.plan_button = self._button("Show what will be deleted", self.plan)
        self.delete_button = self._button("Delete these", self.delete, "danger")
        self.targets: list[cleanup.Target] | None = None
        self._listed_for: tuple | None = None  # the field values the shown list was made from
        self.report = None
        for widget in (*self.fields.values(), self.delete_user_pool):
            widget.observe(self._void_list, names="value")
        self._enable_buttons()
        self._layout(*self.fields.values(), self.delete_user_pool,
                     widgets.HBox([self.plan_button, self.delete_button]))

    def _values(self) -> tuple:
        return (*(field.value for field in self.fields.values()), self.delete_user_pool.value)

    def _void_list(self, _change=None) -> None:
        """A changed field voids the list: what is deleted must be what the form shows now."""
        if self.targets is None or self._values() == self._listed_for:
            return
        self.targets = self._listed_for = None
        self.output.show(render.status("skipped", "The list was for other values, so it was cleared: "
                                                  "click 'Show what will be deleted' again."))
        self.status.clear()
        self._enable_buttons()

    def _enable_buttons(self) -> None:
        super()._enable_buttons()
        self.delete_button.disabled = not self.targets  # only a list the learner has seen is deleted

    def _checked(self) -> tuple[str, str, str | None]:
        name = inputs.check_identity_pool_name(self.fields["identity_pool_name"].value.strip())
        user_pool_id = self.fields["user_pool_id"].value.strip() or None
        region = inputs.check_region(self.fields["region"].value.strip() or inputs.region_of(user_pool_id or "") or "")
        if user_pool_id:
            inputs.check_user_pool_id(user_pool_id, region)
        return name, region, user_pool_id

    def _plan(self, session, name: str, region: str, user_pool_id: str | None, delete_user_pool: bool):
        saved_id = self.scratchpad.get("identity_pool_id")
        return cleanup.plan_cleanup(session, identity_pool_name=name,
                                    identity_pool_id=saved_id if inputs.region_of(saved_id or "") == region else None,
                                    user_pool_id=user_pool_id, delete_user_pool=delete_user_pool)

    @_shows_errors
    def plan(self) -> list:
        """List what would be deleted (reads only); the Delete button then deletes exactly that."""
        self._running("Looking for what to delete…")
        self.targets = None
        values = self._values()
        name, region, user_pool_id = self._checked()
        targets = self._plan(self._session(region), name, region, user_pool_id, values[-1])
        if self._values() != values:  # a field changed while the list was being made
            self._void_list()
            raise InputError("a field changed while the list was being made.",
                             fix="Click 'Show what will be deleted' again.")
        self.targets, self._listed_for = targets, values
        self.output.show(render.targets(self.targets, "Will be deleted"))
        self._done("Nothing is deleted yet: check the list, then click 'Delete these'." if self.targets
                   else "Nothing to delete.")
        self._enable_buttons()
        return self.targets

    @_shows_errors
    def delete(self):
        """Delete what was listed, forget the deleted ids in the scratchpad, then show what is left."""
        if not self.targets or self._values() != self._listed_for:
            self._void_list()
            raise InputError("there is no list of things to delete for these values yet.",
                             fix="Click 'Show what will be deleted' first; only what it lists is deleted.")
        self._running("Deleting…")
        name, region, user_pool_id = self._checked()
        session = self._session(region)
        deleted, self.targets, self._listed_for = self.targets, None, None
        self.report = cleanup.cleanup(session, deleted)
        cleanup.forget(self.scratchpad, deleted, self.report)
        left = self._plan(session, name, region, user_pool_id,
                          delete_user_pool=any(t.kind == "user pool" for t in deleted))
        done, still = render.report(self.report), render.targets(left, "Still there")
        self.output.show(render.Rendered(done.html + still.html, f"{done.text}\n{still.text}"))
        if not self.report.ok or left:
            raise WildrydesError("the cleanup did not delete everything: see what is still there.",
                                 fix="Run the cleanup again; it carries on from where it stopped.")
        self._done("Deleted; nothing is left.")
        return self.report

    def _submit(self):
        # A headless run has no one to confirm: auto_submit is the confirmation.
        return self.delete() if self.plan() else None
