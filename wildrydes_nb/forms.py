"""ipywidgets forms and live views for the notebooks: collect input, call the library, show the result.

A form is a view of state. Its fields follow the scratchpad (:mod:`.state`) while the learner has
not typed in them, with the values :func:`.resolve.resolve` gives (given > scratchpad >
configuration > default); an empty field says where its value comes from. Each field is
described once, in :data:`FIELDS`, and checked as the learner types by one routine
(:meth:`FieldsForm._check_live`, over :func:`.inputs.problems`). A result shown belongs to the
inputs it was made from: when they change, it is cleared and the form says so.

A form holds no logic of its own. Each action (``create``, ``verify``, ...) is a plain method
that calls the library, shows the outcome in the form and returns it, or shows the error as
the library's message and raises it. A button runs its action in a worker thread, one at a
time: the form's buttons are disabled meanwhile and a click that arrives while it runs does
nothing. A headless run calls ``form.submit()`` instead, in the cell: the main action runs
there, what the form then shows is printed as text, and a failure raises, failing the run.
Every status is a :class:`View`: an HTML widget whose ``value`` a learner sees and whose
``text`` is the same in plain words; tests read either. A form's ``views`` are the widgets
under its buttons; :meth:`Form.add_view` adds one.

The live views (:func:`identity_pool_id_view`, :func:`scratchpad_view`,
:func:`amplify_config_view`) redraw whenever the scratchpad changes, whichever form changed it.
"""

from __future__ import annotations

import contextlib
import functools
import logging
import threading
from typing import Callable

import ipywidgets as widgets
from IPython.display import display

from . import account, apply, calls, cleanup, identity_pool, inputs, render, resolve, state, steps, user_pool
from .aws import make_session
from .errors import InputError, NoFrontEndError, RelinkError, VerificationError, WildrydesError
from .fields import FIELDS, LABELS
from .redaction import looks_secret
from .report import CHANGES_MIME, FAIL, NOT_PROVEN, NOT_RUN

log = logging.getLogger(__name__)

_STYLE = {"description_width": "170px"}
# A field takes the width there is, up to 640 px: it fits a laptop's JupyterLab with the file
# browser open (about 900 px) and two notebooks side by side (about 590 px) without sideways scrolling.
_WIDE = {"width": "100%", "max_width": "640px"}
# JupyterLab's "warning" orange under white text has a contrast of 2.7:1, below WCAG AA's 4.5:1;
# this amber (render's) has 5.3:1. The other button styles pass as they are.
_BUTTON_COLOURS = {"warning": render.AMBER}


UNAUTHENTICATED_WARNING = ("The workshop leaves this off: with it on, anyone who opens the web app, signed in or "
                           "not, gets AWS credentials from this pool (through an unauthenticated role).")


def clickable() -> bool:
    """Whether the cell running now was sent by a front-end in which a learner can click.

    Jupyter's messaging protocol has every execute_request say whether its sender can answer
    input() (``allow_stdin``). JupyterLab, Jupyter Notebook 7 and VS Code send True: someone is
    there. nbclient (under nbconvert --execute and papermill) and nbval send False: no one is
    there to type, or to click a button. Outside a kernel (plain Python, IPython) no one clicks either.
    """
    try:
        from IPython import get_ipython

        kernel = getattr(get_ipython(), "kernel", None)
        request = kernel.get_parent() if kernel is not None else None
    except Exception:  # noqa: BLE001 - an unknown shell: no front-end we know of
        return False
    return bool(((request or {}).get("content") or {}).get("allow_stdin"))


def _resolve(given: dict, saved: dict, profile: str | None, names: tuple[str, ...]) -> resolve.Resolved:
    for name, value in given.items():  # a given token or control character never reaches a widget
        if value not in (None, ""):
            inputs.check_plain(inputs.text_or_none(value, name).strip(), name)
    return resolve.resolve(given, saved, lambda: steps.configured_region(profile), names=names)


def _shows_errors(action):
    """Run ``action`` for the current inputs: its result (or error, shown in the form) belongs to
    them; afterwards the views follow what it wrote to the scratchpad."""

    @functools.wraps(action)
    def run(self, *args, **kwargs):
        self._result_for = self._inputs()
        try:
            return action(self, *args, **kwargs)
        except Exception as err:
            self._show_error(err)
            raise
        finally:
            self._after_action()

    return run


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


class LiveView:
    """A view of the scratchpad that redraws itself whenever the scratchpad changes.

    In JupyterLab it is a widget; where widgets are not rendered (a headless run, an HTML export)
    it shows what it showed when the cell ran.
    """

    def __init__(self, scratchpad, draw: Callable[[dict], render.Rendered], live: Callable[[dict], render.Rendered]):
        self.state = state.of(scratchpad)
        self.view = View()
        self._draw, self._live = draw, live
        self.state.observe(self._redraw, names="values")
        self._redraw()

    def _redraw(self, _change=None) -> None:
        live = self._live(self.state.values)
        self.view.show(render.Rendered(live.html + render.STOPPED_HTML, live.text))

    @property
    def text(self) -> str:
        """What the view shows, in plain words."""
        return self.view.text

    def _repr_mimebundle_(self, **kwargs):
        self.state.refresh()
        self.state.watch()
        still = self._draw(self.state.values)
        return {**self.view._repr_mimebundle_(**kwargs), "text/plain": still.text, "text/html": still.html}


def identity_pool_id_view(scratchpad) -> LiveView:
    """The scratchpad's Identity Pool ID, to copy: a Copy button, and a double-click selects it."""
    return LiveView(scratchpad, lambda values: render.identity_pool_id(values.get("identity_pool_id")),
                    lambda values: render.identity_pool_id(values.get("identity_pool_id"), copy_button=True))


def scratchpad_view(scratchpad) -> LiveView:
    """The scratchpad as a table in the workshop's terms."""
    draw = lambda values: render.scratchpad(values, scratchpad.path, scratchpad.mixed(values))  # noqa: E731
    return LiveView(scratchpad, draw, draw)


def amplify_config_view(scratchpad) -> LiveView:
    """The ``amplify-config.js`` values of the next step, the Identity Pool ID highlighted."""
    def draw(values):
        return render.amplify_config(scratchpad.amplify_config_js(values), values.get("identity_pool_id"),
                                     scratchpad.mixed(values))

    return LiveView(scratchpad, draw, draw)


class Form:
    """A box of widgets with a status line, an output area and one-action-at-a-time buttons."""

    title = ""

    def __init__(self, scratchpad, profile: str | None = None):
        inputs.text_or_none(profile, "profile")
        self.scratchpad = scratchpad
        self.state = state.of(scratchpad)
        self.profile = profile or None
        self.status = View()
        self.output = View()
        self.sent = View()  # "What was sent to AWS": the calls the last action made, redacted
        self.sent_calls: list[calls.Call] = []
        self.views: list[widgets.Widget] = [self.status, self.output, self.sent]
        self.widget: widgets.Widget | None = None
        self._buttons: list[widgets.Button] = []
        self._busy = threading.Lock()
        self._worker: threading.Thread | None = None
        self._sessions: dict = {}
        self._result_for: dict | None = None  # the inputs the result shown was made from
        self.state.refresh()

    # Display: the widget for JupyterLab, a stable one-line text for logs and nbval.
    def _repr_mimebundle_(self, **kwargs):
        bundle = self.widget._repr_mimebundle_(**kwargs)
        # What a reader without widgets sees (a headless run's output, an export): it says that a
        # form submits nothing by itself.
        bundle["text/plain"] = (f"{self.title} (a form: run the notebook's cells in JupyterLab or Jupyter Notebook "
                                "to use it; without a click it submits nothing, and a headless run submits it only "
                                "with auto_submit=True)")
        return bundle

    def show(self, auto_submit: bool = False) -> None:
        """Display the form in the notebook; from now on it follows changes other notebooks make.

        Where no one can click it (:func:`clickable`) and ``auto_submit`` is not given, the run
        would create and check nothing yet pass: that is a :class:`NoFrontEndError`, which fails it.
        """
        self.state.watch()
        display(self)
        if not inputs.parse_bool(auto_submit, "auto_submit") and not clickable():
            raise NoFrontEndError(
                f"'{self.title}' is a form, and this run has no front-end to click it in (nbconvert --execute, "
                "papermill, nbval): it would create and check nothing.",
                fix="Run the notebook with auto_submit=True (papermill -p auto_submit True; for nbconvert, set "
                    "auto_submit = True in the parameters cell), or open it in JupyterLab and run its cells.")

    def _layout(self, *rows: widgets.Widget) -> None:
        self._rows = [widgets.HTML(f"<h3>{self.title}</h3>{render.STOPPED_HTML}"), *rows]
        self.widget = widgets.VBox([*self._rows, *self.views])

    def add_view(self, view: widgets.Widget) -> None:
        """Show ``view`` under the form's status and output."""
        self.views.append(view)
        self.widget.children = (*self._rows, *self.views)

    def _session(self, region: str):
        # The region is a form field, so the session follows it; the rest is the standard chain.
        key = (self.profile, region)
        if key not in self._sessions:
            self._sessions[key] = make_session(self.profile, region)
        return self._sessions[key]

    def _button(self, description: str, action, style: str = "") -> widgets.Button:
        button = widgets.Button(description=description, button_style=style,
                                layout={"width": "auto"})
        if style in _BUTTON_COLOURS:
            button.style.button_color = _BUTTON_COLOURS[style]
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
                pass  # already shown in the form, which is where a learner looks
            except Exception:  # noqa: BLE001 - a bug: shown as such in the form, traceback to the log
                log.exception("%s failed", getattr(action, "__name__", "action"))
            finally:
                self._enable_buttons()
                self._busy.release()
                self._inputs_changed()  # a field the learner changed meanwhile

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

    def _show_error(self, err: BaseException) -> None:
        self.status.show(render.error(err))

    def _after_action(self) -> None:
        self.state.refresh()  # what the action saved: the views and the other forms follow at once

    # A result belongs to its inputs.
    def _inputs(self) -> dict:
        """The inputs a result depends on, as the action uses them."""
        return {}

    def _inputs_changed(self, _change=None) -> None:
        if self.running or self._result_for is None or self._inputs() == self._result_for:
            return
        self._result_for = None
        self._mark_stale()

    @contextlib.contextmanager
    def _sending(self, session):
        """Record the AWS calls made through ``session`` in the block; show them afterwards, also
        when the block fails (what was sent before the failure is what a learner wants to see)."""
        self.sent.clear()
        with calls.recording(session) as log:
            try:
                yield log
            finally:
                self.sent_calls = list(log)
                self.sent.show(render.calls(log))

    def _mark_stale(self) -> None:
        """Clear a result made from other inputs than the ones shown now, and say so."""
        self.output.clear()
        self.sent.clear()
        self.status.show(render.status("stale", "The values changed since the last result, so it was cleared: "
                                                "click the button again for these values."))

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


class FieldsForm(Form):
    """A form with text fields from :data:`FIELDS` that follow the scratchpad and are checked live.

    ``given`` values (parameters) and what the learner types are *given*: they win over the
    scratchpad. A field the learner has not typed in (or has emptied) follows the scratchpad.
    """

    NAMES: tuple[str, ...] = ()
    OPTIONAL: tuple[str, ...] = ()  # fields whose emptiness is not a problem

    def __init__(self, scratchpad, profile: str | None = None, **given):
        super().__init__(scratchpad, profile)
        self._given_at_start = {name: given.get(name) for name in self.NAMES}
        resolved = _resolve(self._given_at_start, self.state.values, profile, self.NAMES)
        self.sources = dict(resolved.sources)
        self._syncing = False
        self.fields = {name: self._text(name, resolved[name]) for name in self.NAMES}
        self.messages = {name: View() for name in self.NAMES}

    def _layout(self, *rows: widgets.Widget) -> None:
        super()._layout(*rows)
        self.state.observe(self._follow_scratchpad, names="values")  # once the form is whole

    def _text(self, name: str, value: str) -> widgets.Text:
        spec = FIELDS[name]
        field = widgets.Text(value=value, description=spec.label, placeholder=spec.hint,
                             style=_STYLE, layout=_WIDE)
        field.observe(_drop_secret, names="value")
        field.observe(functools.partial(self._typed, name), names="value")
        return field

    def _watch(self, *extra: widgets.Widget) -> None:
        """Check and void results on changes of the fields and of ``extra`` (checkboxes)."""
        for widget in extra:
            widget.observe(self._changed, names="value")

    def values(self) -> dict:
        """The fields' current values, by the keyword names of :func:`.inputs.check_step_input`."""
        return {name: field.value for name, field in self.fields.items()}

    def _inputs(self) -> dict:
        # As an action uses them: pasted quotes and spaces, or a capital in the region, change nothing.
        cleaned = {name: inputs.strip_pasted(value, name)[0] for name, value in self.values().items()}
        if "region" in cleaned:
            cleaned["region"] = cleaned["region"].lower()
        return cleaned

    def _typed(self, name: str, change) -> None:
        if not self._syncing:
            self.sources[name] = resolve.GIVEN if change["new"].strip() else None
        self._changed()

    def _changed(self, _change=None) -> None:
        self._check_live()
        self._inputs_changed()

    def _follow_scratchpad(self, _change=None) -> None:
        """Fields not given take the scratchpad's new values (an emptied field too)."""
        given = {name: self.fields[name].value for name in self.NAMES if self.sources.get(name) == resolve.GIVEN}
        resolved = _resolve(given, self.state.values, self.profile, self.NAMES)
        self._set_fields({name: resolved[name] for name in self.NAMES if name not in given}, resolved.sources)

    def _set_fields(self, values: dict[str, str], sources: dict | None = None) -> None:
        """Show ``values`` in the fields without counting them as typed by the learner."""
        self._syncing = True
        try:
            for name, value in values.items():
                if sources is not None:
                    self.sources[name] = sources[name]
                self.fields[name].value = value
        finally:
            self._syncing = False

    def _check_live(self) -> None:
        """The one live check: each field's message; an empty field says where its value comes from."""
        values = self.values()
        found = self._problems(values)
        for name in self.fields:
            if name in found and not values[name].strip() and FIELDS[name].empty_message():
                found.pop(name)
                self.messages[name].show(render.status("failed", f"Empty: {FIELDS[name].empty_message()}"))
            elif name in found:
                self.messages[name].show(render.status("failed", found.pop(name)))
            else:
                self.messages[name].clear()
        self._shown_together(found)

    def _problems(self, values: dict) -> dict[str, str]:
        return inputs.problems(**values)

    def _shown_together(self, found: dict[str, str]) -> None:
        if found:  # a problem of the values together rather than of one field
            self.messages["region"].show(render.status("failed", " ".join(found.values())))

    def _show_error(self, err: BaseException) -> None:
        # Said once: under the field at fault, when the form has it; else on the status line.
        field = getattr(err, "field", None)
        if field in self.fields:
            if not (isinstance(err, InputError) and self.messages[field].value):  # the live check said it already
                self.messages[field].show(render.error(err, field_shown=False))
            self.status.show(render.status("failed", f"See the message under {LABELS[field]}."))
        else:
            super()._show_error(err)

    def transcript(self) -> str:
        """What the form shows, as plain text: the fields' messages first, named by their labels."""
        said = [f"{LABELS.get(name, name)}: {view.text}" for name, view in self.messages.items() if view.text]
        return "\n".join([*said, super().transcript()]).strip("\n")

    def _field_rows(self, names=None) -> list[widgets.Widget]:
        return [w for name in (names or self.NAMES) for w in (self.fields[name], self.messages[name])]


class TargetForm(FieldsForm):
    """00: pick the AWS profile and region, check the credentials work, save the region."""

    title = "Where this workbook talks to AWS"
    NAMES = ("region",)

    def __init__(self, scratchpad, *, profile: str | None = None, region: str | None = None):
        super().__init__(scratchpad, profile, region=region)
        profiles = account.available_profiles()
        options = [("(standard configuration)", "")] + [(p, p) for p in profiles]
        if profile and profile not in profiles:
            options.append((profile, profile))  # kept, so that checking it says clearly what is wrong
        self.profile_field = widgets.Dropdown(options=options, value=profile or "", description="AWS profile",
                                              style=_STYLE, layout=_WIDE)
        self.region = self.fields["region"]
        self.region_message = self.messages["region"]
        self._watch(self.profile_field)
        self.check_button = self._button("Check credentials", self.check, "primary")
        self.caller: account.Caller | None = None
        self._check_live()
        self._layout(self.profile_field, *self._field_rows(), widgets.HBox([self.check_button]))

    def _problems(self, values: dict) -> dict[str, str]:
        try:
            inputs.check_region(values["region"].strip())
        except InputError as err:
            return {"region": str(err.problem)}
        return {}

    def _inputs(self) -> dict:
        return {**super()._inputs(), "profile": self.profile_field.value}

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


def _sentences(*parts: str) -> str:
    return " ".join(p if p.endswith(".") else p + "." for p in parts if p)


class UserPoolForm(FieldsForm):
    """01: create (or reuse) the WildRydes user pool and app client, or check pasted ids."""

    title = "The user pool and app client"
    NAMES = ("region", "user_pool_id", "app_client_id")

    def __init__(self, scratchpad, *, profile: str | None = None, region: str | None = None,
                 user_pool_id: str | None = None, app_client_id: str | None = None, new_user_pool: bool = False):
        super().__init__(scratchpad, profile, region=region, user_pool_id=user_pool_id, app_client_id=app_client_id)
        # new_user_pool=True (a notebook parameter) is the learner's word given ahead, as --new is.
        self.new_given = inputs.parse_bool(new_user_pool, "new_user_pool")
        self.create_button = self._button("Create or reuse WildRydes", self.create, "primary")
        self.use_button = self._button("Check and use these IDs", self.use_pasted)
        # Shown only when pools of the name exist that are not provably the learner's.
        self.new_button = self._button("None of them is mine: create my own", self.create_new, "warning")
        self.new_button.layout.display = "none"
        self.result: user_pool.UserPoolResult | None = None
        self._check_live()
        self._layout(*self._field_rows(), widgets.HBox([self.create_button, self.use_button]),
                     widgets.HBox([self.new_button]))

    def _pasting(self) -> bool:
        values = self.values()
        return bool(values["user_pool_id"].strip() or values["app_client_id"].strip())

    def _problems(self, values: dict) -> dict[str, str]:
        # Empty ids are fine here: "Create or reuse WildRydes" makes them.
        return inputs.problems(**(values if self._pasting() else {"region": values["region"]}))

    def _save(self, region: str, user_pool_id: str, app_client_id: str, note: str) -> None:
        self.scratchpad.update(region=region, user_pool_id=user_pool_id, app_client_id=app_client_id)
        self._set_fields({"region": region, "user_pool_id": user_pool_id, "app_client_id": app_client_id})
        self._result_for = self._inputs()  # the result is for the ids it shows
        self.output.show(render.user_pool(user_pool_id, app_client_id, note))
        self._done(f"Saved to the scratchpad ({self.scratchpad.path}).")

    @_shows_errors
    def create(self) -> user_pool.UserPoolResult:
        """Find (the scratchpad's) or create the learner's WildRydes user pool and app client; save their ids."""
        return self._create(new=self.new_given)

    @_shows_errors
    def create_new(self) -> user_pool.UserPoolResult:
        """Create the learner's own user pool beside the ones of that name that are not theirs."""
        return self._create(new=True)

    def _create(self, new: bool) -> user_pool.UserPoolResult:
        self.new_button.layout.display = "none"
        self._running("Looking for your WildRydes user pool and its app client, creating what is missing…")
        region = inputs.check_region(self.fields["region"].value.strip())
        try:
            self.result, differences = steps.user_pool({"region": region}, scratchpad=self.scratchpad,
                                                       profile=self.profile, new=new, session_for=self._session)
        except user_pool.UnprovenUserPoolError:
            self.new_button.layout.display = ""
            raise
        made = " and ".join(self.result.created)
        note = f"Created the {made}." if made else "Reused your user pool and app client."
        if not made:
            note += (" They differ from the workshop's: " + "; ".join(differences) + "."
                     if differences else " They are set up as the workshop's.")
        self._save(region, self.result.user_pool_id, self.result.app_client_id, note)
        return self.result

    @_shows_errors
    def use_pasted(self) -> user_pool.AppClient:
        """Check that the pasted user pool and app client exist and belong together; save them."""
        self._running("Checking the pasted ids…")
        step, app, differences = steps.use_user_pool(self.values(), scratchpad=self.scratchpad, profile=self.profile,
                                                     session_for=self._session)
        note = _sentences(*step.notes, "Differs from the workshop's: " + "; ".join(differences) if differences else "")
        self._save(step.region, step.user_pool_id, step.app_client_id,
                   note or f"Found app client '{app.name}' in user pool {step.user_pool_id}, "
                           "set up as the workshop's.")
        return app

    def _submit(self):
        # With ids filled in (given or from the scratchpad) they are checked; otherwise created.
        return self.use_pasted() if self._pasting() else self.create()


class IdentityPoolForm(FieldsForm):
    """02: the step itself. Preview the plan, create the pool and its role, one line per stage."""

    title = "Create the identity pool"
    NAMES = ("identity_pool_name", "user_pool_id", "app_client_id", "region")
    RESTRICTIONS = ("permissions_boundary", "role_path")

    def __init__(self, scratchpad, *, profile: str | None = None, region: str | None = None,
                 user_pool_id: str | None = None, app_client_id: str | None = None,
                 identity_pool_name: str | None = None, allow_unauthenticated: bool = False,
                 relink: bool = False, permissions_boundary: str | None = None, role_path: str | None = None):
        super().__init__(scratchpad, profile, identity_pool_name=identity_pool_name, user_pool_id=user_pool_id,
                         app_client_id=app_client_id, region=region)
        # Accounts that restrict IAM: given (a parameter, or typed), never from the scratchpad.
        for name, value in (("permissions_boundary", permissions_boundary), ("role_path", role_path)):
            self.fields[name] = self._text(name, inputs.text_or_none(value, name) or "")
            self.messages[name] = View()
        # Shown on the learner's word (a checkbox: a label every reader reads), or when given.
        self.restricted = widgets.Checkbox(value=bool(permissions_boundary or role_path), indent=False,
                                           description="My account restricts IAM roles", layout=_WIDE)
        self.restrictions = widgets.VBox(self._field_rows(self.RESTRICTIONS))
        self.restricted.observe(self._show_restrictions, names="value")
        self._watch(self.restricted)
        self._show_restrictions()
        # relink=True (a notebook parameter) is the learner's word given ahead, as --relink is.
        self.relink_given = inputs.parse_bool(relink, "relink")
        allow = inputs.parse_bool(allow_unauthenticated, "allow_unauthenticated")  # a text "false" is false
        self.allow_unauthenticated = widgets.Checkbox(value=allow, indent=False,
                                                      description="Allow unauthenticated identities")
        self.messages["allow_unauthenticated"] = View()
        self._watch(self.allow_unauthenticated)
        self.preview_button = self._button("Preview", self.preview)
        self.create_button = self._button("Create identity pool", self.create, "primary")
        # Shown only when Create stopped at a re-link: the note names the pool and both user pools.
        self.relink_note = View()
        self.relink_button = self._button("Re-link it: this pool is mine", self.relink, "warning")
        self.relink_button.layout.display = "none"
        self._relink_offer: tuple[dict, RelinkError] | None = None  # (the inputs, the error) it was offered for
        self.stages = {stage: View() for stage in identity_pool.STAGES}
        self._reset_stages()
        self.result: apply.Result | None = None
        self._check_live()
        self._layout(*self._field_rows(), self.allow_unauthenticated, self.messages["allow_unauthenticated"],
                     self.restricted, self.restrictions, widgets.HBox([self.preview_button, self.create_button]),
                     self.relink_note,
                     widgets.HBox([self.relink_button]), *self.stages.values())

    def _show_restrictions(self, _change=None) -> None:
        self.restrictions.layout.display = "" if self.restricted.value else "none"

    def values(self) -> dict:
        """The form's current values, by the keyword names of :func:`inputs.check_step_input` (the
        IAM restrictions only while their box is ticked: unticked, the roles are made as the console makes them)."""
        shown = {} if self.restricted.value else {name: "" for name in self.RESTRICTIONS}
        return {**super().values(), **shown, "allow_unauthenticated": self.allow_unauthenticated.value}

    def _inputs(self) -> dict:
        return {**super()._inputs(), "allow_unauthenticated": self.allow_unauthenticated.value}

    def _check_live(self) -> None:
        super()._check_live()
        warning = self.messages.get("allow_unauthenticated")
        if warning is not None and self.allow_unauthenticated.value:
            warning.show(render.status("warning", UNAUTHENTICATED_WARNING))
        elif warning is not None:
            warning.clear()

    def _reset_stages(self) -> None:
        for stage, line in self.stages.items():
            line.show(render.stage(stage, "pending"))

    def _progress(self, stage: str, state: str, detail: str) -> None:
        self.stages[stage].show(render.stage(stage, state, detail))

    def _mark_stale(self) -> None:
        self._reset_stages()
        self._offer_relink(None)
        super()._mark_stale()

    def _offer_relink(self, err: RelinkError | None) -> None:
        """Show (or hide, with ``None``) the button that re-links the pool ``err`` names, for these inputs."""
        self._relink_offer = (self._inputs(), err) if err is not None else None
        if err is None:
            self.relink_note.clear()
        else:
            linked = ", ".join(err.from_user_pools) or "none"
            self.relink_note.show(render.status("warning", (
                f"Only if the identity pool {err.identity_pool_id} is yours: re-link it from user pool {linked} "
                f"to user pool {err.to_user_pool}. A web app that uses user pool {linked} stops working with it.")))
        self.relink_button.layout.display = "" if err is not None else "none"

    def _show_error(self, err: BaseException) -> None:
        super()._show_error(err)
        self._offer_relink(err if isinstance(err, RelinkError) else None)
        field = getattr(err, "field", None)
        if field in self.fields:  # the message is under the field: the failed stage points there
            for stage, line in self.stages.items():
                if line.text.startswith("[failed]"):
                    line.show(render.stage(stage, "failed", f"see the message under {LABELS[field]}"))

    def _transcript_views(self) -> list[View]:
        return [*self.stages.values(), self.output, self.status]

    def checked_input(self) -> inputs.StepInput:
        """The form's values, cleaned and checked (raises :class:`InputError`)."""
        return inputs.check_step_input(**self.values())

    def given(self) -> dict:
        """What the form gives the step layer: its values (the Identity Pool ID comes from the scratchpad)."""
        return self.values()

    @_shows_errors
    def preview(self) -> identity_pool.Plan:
        """Show what creating would change; changes nothing."""
        self._running("Reading what exists…")
        step = self.checked_input()
        plan = steps.identity_pool_plan(self.given(), scratchpad=self.scratchpad, profile=self.profile,
                                        relink=self.relink_given, session_for=self._session)
        self.output.show(render.plan(plan))
        # Pasted quotes or spaces were removed from the values the plan uses: say so, as Create does.
        self._done(_sentences("Preview ready; nothing was changed", *step.notes))
        return plan

    @_shows_errors
    def relink(self) -> apply.Result:
        """Create, re-linking the pool the learner was shown (their word that it is theirs)."""
        offer = self._relink_offer
        if offer is None or offer[0] != self._inputs():
            self._offer_relink(None)
            raise InputError("there is no re-link to confirm for these values.",
                             fix="Click 'Create identity pool'; if a pool must be re-linked, the button comes back.")
        return self._create(relink_pool=offer[1].identity_pool_id)

    @_shows_errors
    def create(self) -> apply.Result:
        """Create or repair the identity pool and its role, then save the ids to the scratchpad."""
        return self._create(relink_pool=None)

    def _create(self, relink_pool: str | None) -> apply.Result:
        self._offer_relink(None)
        self._reset_stages()
        self.output.clear()
        self._running("Creating the identity pool…")
        self._progress("input", "running", "checking the values")
        try:
            step = self.checked_input()
        except InputError as err:
            self._progress("input", "failed", str(err))
            raise
        given = {**self.given(), "identity_pool_id": relink_pool} if relink_pool else self.given()
        # Show the values as used (pasted quotes and spaces removed); they stay the learner's.
        self._set_fields({name: getattr(step, name) for name in self.NAMES})
        with self._sending(self._session(step.region)):
            self.result = steps.identity_pool(given, scratchpad=self.scratchpad, profile=self.profile,
                                              relink=bool(relink_pool) or self.relink_given, progress=self._progress,
                                              session_for=self._session)
        self.output.show(render.identity_pool_id(self.result.identity_pool_id, copy_button=True))
        changes = len(self.result.actions)
        self._done(f"Identity pool ready: {changes} change{'s' * (changes != 1)} made, "
                   f"ids saved to the scratchpad ({self.scratchpad.path}).")
        return self.result

    _submit = create

    def _publish(self) -> None:
        super()._publish()
        if self.result is not None:  # for a reader of the executed notebook (batch): what the run changed
            changes = self.result.changes
            text = (f"This run changed {len(changes)} thing(s) in AWS: " + "; ".join(changes) + "."
                    if changes else "This run changed nothing in AWS: everything was already right.")
            display({"text/plain": text, CHANGES_MIME: {"identity_pool_id": self.result.identity_pool_id,
                                                                "changes": changes}}, raw=True)


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
        # For a learner who made the pool in the console: find it, save its id, verify.
        self.check_pool_button = self._button("Check my pool (made in the console)", self.check_my_pool)
        self.report = None
        # The checklist belongs to the identity form's values: it is cleared when they change.
        for widget in (*identity_form.fields.values(), identity_form.allow_unauthenticated, self.proof):
            widget.observe(self._inputs_changed, names="value")
        self._layout(self.proof, widgets.HBox([self.verify_button, self.check_pool_button]))

    def _inputs(self) -> dict:
        return {**self.identity_form._inputs(), "proof": self.proof.value}

    def _mark_stale(self) -> None:
        self.report = None
        super()._mark_stale()

    def _progress(self, _stage, state, detail) -> None:
        self.status.show(render.status(state, detail))

    @_shows_errors
    def verify(self):
        """Run the checklist; raise when a check does not pass, so that a headless run fails."""
        self.output.clear()
        self.report = None
        self._running("Verifying…")
        step = self.identity_form.checked_input()
        with self._sending(self._session(step.region)):
            self.report = steps.verify(self.identity_form.given(), scratchpad=self.scratchpad, profile=self.profile,
                                       proof=self.proof.value, session_for=self._session, progress=self._progress)
        self.output.show(render.report(self.report))
        return self._verdict(step)

    @_shows_errors
    def check_my_pool(self):
        """Find the pool made in the console (changes nothing in the pool or IAM), save its id when it is provably the
        learner's, then run the checklist; raise when a check does not pass."""
        self.output.clear()
        self.report = None
        self._running("Looking for your identity pool…")
        step = self.identity_form.checked_input()
        with self._sending(self._session(step.region)):
            found = steps.check_my_pool(self.identity_form.given(), scratchpad=self.scratchpad, profile=self.profile,
                                        proof=self.proof.value, session_for=self._session, progress=self._progress)
        self.report = found.report
        shown = render.report(self.report)
        note = render.status("done" if found.saved else "warning", found.note)
        self.output.show(render.Rendered(f"<p>{note.html}</p>{shown.html}", f"{note.text}\n{shown.text}"))
        return self._verdict(step)

    def _verdict(self, step):
        """The status line for :attr:`report`; raises when a check failed."""
        if not self.report.ok:
            failed = [c for c in self.report.checks if c.status == FAIL]
            raise VerificationError(f"{len(failed)} verification check(s) did not pass: "
                                    f"{'; '.join(c.name for c in failed)}.",
                                    fix=failed[0].fix or "Read the checklist, fix, then verify again.")
        unproven = [c for c in self.report.checks if c.status == NOT_PROVEN]
        if unproven:
            self.status.show(render.status(NOT_PROVEN, f"The setup is right, but the sign-in was not proven: "
                                                       f"{unproven[0].detail}. To prove it: {unproven[0].fix}"))
        elif step.allow_unauthenticated:
            self.status.show(render.status("warning", f"All {self.report.counts()['pass']} checks passed, for a pool "
                                                      "that allows unauthenticated identities, which the workshop "
                                                      "leaves off: untick the box, then click Create again."))
        else:
            not_run = self.report.counts()[NOT_RUN]
            self._done(f"All {self.report.counts()['pass']} checks passed"
                       + (f"; {not_run} not run (see the checklist)." if not_run else "."))
        return self.report

    _submit = verify

    def _publish(self) -> None:
        if self.report is not None:
            display(self.report)  # its text, and its data for a batch run to read back (report.REPORT_MIME)
        print(self.status.text)


class CleanupForm(FieldsForm):
    """99: list what would be deleted, delete it on confirmation, show what is left."""

    title = "Clean up"
    NAMES = ("identity_pool_name", "user_pool_id", "region")

    def __init__(self, scratchpad, *, profile: str | None = None, region: str | None = None,
                 identity_pool_name: str | None = None,
                 user_pool_id: str | None = None, delete_user_pool: bool = False):
        super().__init__(scratchpad, profile, identity_pool_name=identity_pool_name,
                         user_pool_id=user_pool_id, region=region)
        delete = inputs.parse_bool(delete_user_pool, "delete_user_pool")  # a text "false" must not delete
        self.delete_user_pool = widgets.Checkbox(value=delete, indent=False, description="Delete the user pool too")
        self.plan_button = self._button("Show what will be deleted", self.plan)
        self.delete_button = self._button("Delete these", self.delete, "danger")
        self.targets: list[cleanup.Target] | None = None
        self._listed_for: tuple | None = None  # the field values the shown list was made from
        self.report = None
        for widget in (*self.fields.values(), self.delete_user_pool):
            widget.observe(self._void_list, names="value")
        self._watch(self.delete_user_pool)
        self._enable_buttons()
        self._check_live()
        self._layout(*self._field_rows(), self.delete_user_pool,
                     widgets.HBox([self.plan_button, self.delete_button]))

    def _problems(self, values: dict) -> dict[str, str]:
        # An empty User Pool ID is fine: then no test users are looked for.
        return inputs.problems(**{name: value for name, value in values.items() if value.strip()})

    def _inputs(self) -> dict:
        return {}  # a change voids the list at once (_void_list), even while it is being made

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

    def _plan(self, delete_user_pool: bool) -> cleanup.CleanupPlan:
        given = {name: field.value.strip() for name, field in self.fields.items()}
        return steps.cleanup_plan(given, scratchpad=self.scratchpad, profile=self.profile,
                                  delete_user_pool=delete_user_pool, session_for=self._session)

    @_shows_errors
    def plan(self) -> list:
        """List what would be deleted (reads only); the Delete button then deletes exactly that."""
        self._running("Looking for what to delete…")
        self.targets = None
        values = self._values()
        targets = self._plan(values[-1])
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
        deleted, self.targets, self._listed_for = self.targets, None, None
        with self._sending(self._session(deleted.region)):
            self.report = steps.cleanup(deleted, scratchpad=self.scratchpad, profile=self.profile,
                                        session_for=self._session)
            left = self._plan(delete_user_pool=any(t.kind == "user pool" for t in deleted))
        done, still = render.report(self.report), render.targets(left, "Still there")
        self.output.show(render.Rendered(done.html + still.html, f"{done.text}\n{still.text}"))
        if not self.report.ok or left:
            raise WildrydesError("the cleanup did not delete everything: see what is still there.",
                                 fix=self.report.fix())
        self._done("Deleted; nothing is left.")
        return self.report

    def _submit(self):
        # A headless run has no one to confirm: auto_submit is the confirmation.
        return self.delete() if self.plan() else None
