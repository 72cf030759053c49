"""HTML views of the package's results, each with a plain-text twin; no AWS calls.

Every function returns a :class:`Rendered`: Jupyter shows its HTML, while logs, tests and
viewers without HTML read its text. Whatever is shown passes through :func:`scrub` first,
so a token or secret key that slipped into a message is never displayed.
"""

from __future__ import annotations

import html
import json
from dataclasses import dataclass

from .calls import created_next
from .errors import WildrydesError
from .fields import FIELDS, KEPT, LABELS
from .redaction import scrub
from .report import FAIL, INTERRUPTED, NOT_PROVEN, NOT_RUN, PASS, SET_UP

AMBER = "#9a6700"  # 5.3:1 on white, as the green and red: each passes WCAG AA
_COLORS = {PASS: "#1a7f37", FAIL: "#cf222e", NOT_PROVEN: AMBER, NOT_RUN: "#6e7781",
           "done": "#1a7f37", "failed": "#cf222e", "skipped": "#6e7781",
           "running": AMBER, "waiting": AMBER, "pending": "#6e7781", "warning": AMBER, "stale": "#6e7781"}
# A state is never told by colour alone: a mark beside it, and the mark's word for a screen reader.
_MARKS = {PASS: "✔", FAIL: "✘", NOT_PROVEN: "?", NOT_RUN: "–",
          "done": "✔", "failed": "✘", "skipped": "–", "running": "…", "waiting": "…", "pending": "·",
          "warning": "⚠", "stale": "↻"}
_HIGHLIGHT = "color:#cf222e;font-weight:bold"  # the workshop's screenshot marks the id in red
# Code and ids wrap inside a narrow notebook (at a hyphen or a space where they can, anywhere if
# they must) instead of making the output scroll sideways.
_CODE = "font-family:monospace;white-space:pre-wrap;overflow-wrap:anywhere"

# Workshop names of the scratchpad keys, in the order the workshop collects them.
SCRATCHPAD_LABELS = {key: FIELDS[key].label for key in KEPT}

@dataclass(frozen=True)
class Rendered:
    """An HTML view and its plain-text twin."""

    html: str
    text: str

    def _repr_mimebundle_(self, include=None, exclude=None):
        return {"text/html": self.html, "text/plain": self.text}

    def __str__(self) -> str:
        return self.text


def _e(text) -> str:
    # quote=False keeps apostrophes readable in widget values that tests and learners read.
    return html.escape(scrub(text), quote=False)


def _mark(state: str) -> str:
    said = {PASS: "passed", FAIL: "failed"}.get(state, state)
    return (f'<span role="img" aria-label="{_e(said)}" style="color:{_COLORS.get(state, "inherit")};'
            f'font-weight:bold">{_MARKS.get(state, "?")}</span>')


def _table(rows: list[tuple[str, str]]) -> str:
    body = "".join(f'<tr><th style="text-align:left;padding-right:1em">{k}</th>'
                   f'<td style="text-align:left;overflow-wrap:anywhere">{v}</td></tr>' for k, v in rows)
    return f"<table>{body}</table>"


STOPPED = ("The kernel behind this stopped or restarted: it is no longer live, and its buttons do nothing. "
           "Run the notebook's cells again (Run → Run All Cells) to bring it back.")
# ipywidgets 8 marks every view whose kernel went away (a restart) "jupyter-widgets-disconnected";
# only then is this note shown. An HTML widget applies a <style> it holds (a <script> never runs).
STOPPED_HTML = ('<style>.wildrydes-stopped{display:none}.jupyter-widgets-disconnected .wildrydes-stopped'
                '{display:block}</style><p class="wildrydes-stopped" role="alert">'
                f'{_mark("warning")} {_e(STOPPED)}</p>')


def status(state: str, message: str) -> Rendered:
    """One status line: a mark for ``state`` (running, done, failed, ...) and a message."""
    return Rendered(f"{_mark(state)} {_e(message)}", scrub(f"[{state}] {message}"))


def stage(name: str, state: str, detail: str = "") -> Rendered:
    """The status line of one stage of the identity-pool step."""
    tail = f" — {detail}" if detail else ""
    return Rendered(f"{_mark(state)} <b>{_e(name)}</b> <i>{_e(state)}</i>{_e(tail)}",
                    scrub(f"[{state}] {name}{tail}"))


def error(err: BaseException, *, field_shown: bool = True) -> Rendered:
    """A learner's error as field (named by its label), problem and fix; anything else as an
    unexpected error. ``field_shown=False`` leaves the field's name out (shown under that field)."""
    if isinstance(err, WildrydesError):
        named = err.field and field_shown
        field = f"<b>{_e(LABELS.get(err.field, err.field))}</b>: " if named else ""
        fix = f'<br><span style="margin-left:1.5em">Fix: {_e(err.fix)}</span>' if err.fix else ""
        text = str(err) if named or not err.field else err.problem + (f" Fix: {err.fix}" if err.fix else "")
        return Rendered(f"{_mark(FAIL)} {field}{_e(err.problem)}{fix}", scrub(text))
    text = f"Unexpected error ({type(err).__name__}: {err}). This is a bug in wildrydes-nb, not your input."
    return Rendered(f"{_mark(FAIL)} {_e(text)}", scrub(text))


def report(rep) -> Rendered:
    """A verification or cleanup report: facts, then one row per check with its fix."""
    facts = _table([(_e(k), f'<code>{_e(v)}</code>') for k, v in rep.facts.items()]) if rep.facts else ""
    rows = []
    for check in rep.checks:
        color = _COLORS[check.status if check.status in (NOT_PROVEN, NOT_RUN) else FAIL]
        label = {NOT_PROVEN: "To prove it", NOT_RUN: "To run it"}.get(check.status, "Fix")
        fix = f'<br><span style="color:{color}">{label}: {_e(check.fix)}</span>' if check.fix else ""
        rows.append(f'<tr><td>{_mark(check.status)}</td><td style="text-align:left">{_e(check.name)}</td>'
                    f'<td style="text-align:left;overflow-wrap:anywhere">{_e(check.detail)}{fix}</td></tr>')
    body = (f"<h4>{_e(rep.title)}</h4>{facts}<table style=\"table-layout:auto;max-width:100%\">{''.join(rows)}</table>"
            f"<p>{_mark(rep.verdict)} {_e(rep.summary())}</p>")
    return Rendered(body, scrub(rep.to_text()))


def plan(p) -> Rendered:
    """What creating the identity pool would change, one line per write; then the AWS calls
    that would make those changes, in order, and the trust policy of each role, explained."""
    policies = [trust_policy(p.role_trust_policy(kind), kind) for kind in p.observed.role_names]
    trust_html = "".join(r.html for r in policies)
    trust_text = "\n\n".join(r.text for r in policies)
    if p.up_to_date:
        return Rendered(f"{_mark('done')} {_e(p.to_text())}{trust_html}", scrub(f"{p.to_text()}\n\n{trust_text}"))
    items = "".join(f"<li><b>{_e(a.stage)}</b>: {_e(a.detail)}</li>" for a in p.actions)
    items += "".join(f"<li>{_e(line)}</li>" for line in p.kept)
    shown = calls(p.calls(), "The AWS calls it will make, in order", open_=True, placeholders=True)
    return Rendered(f"<p>Creating would make these changes:</p><ul>{items}</ul>{shown.html}{trust_html}",
                    scrub(f"{p.to_text()}\n\n{shown.text}\n\n{trust_text}"))


_PLACEHOLDER_NOTE = "<…> stands for what AWS tells only once it is made."


def _outcome(call, created_at: int | None) -> str:
    if created_at is None:
        return call.outcome()
    return f"not found ({call.error}), as expected: call {created_at + 1} creates it"


def _call_html(number: int, call, created_at: int | None = None) -> str:
    outcome = (f'<div style="margin-left:1.5em">→ {_e(_outcome(call, created_at))}</div>'
               if call.made else "")
    return (f'<li style="margin-bottom:0.5em"><b>{_e(call.service)} {_e(call.operation)}</b>'
            f'<pre style="{_CODE};margin:0.2em 0">{_e(call.boto3())}</pre>'
            f"<details><summary>as an AWS CLI command</summary>"
            f'<pre style="{_CODE};margin:0.2em 0">{_e(call.cli())}</pre></details>{outcome}</li>')


def calls(made, title: str = "What was sent to AWS", *, open_: bool = False, placeholders: bool = False) -> Rendered:
    """AWS calls (:class:`wildrydes_nb.calls.Call`), in order: each as boto3 code, as an AWS CLI
    command on a toggle, and, once made, what came back. Collapsed under ``title`` unless ``open_``."""
    made = list(made)
    count = f"{len(made)} call{'s' * (len(made) != 1)}"
    note = _PLACEHOLDER_NOTE if placeholders else ""
    expected = created_next(made)  # a read that found nothing because the step creates it next
    items = "".join(_call_html(n, c, expected.get(n - 1)) for n, c in enumerate(made, 1))
    html_ = (f"<details{' open' if open_ else ''}><summary><b>{_e(title)}</b> ({count})</summary>"
             + (f"<p>{_e(note)}</p>" if note else "") + f"<ol>{items}</ol></details>")
    lines = [f"{title} ({count}):"] + ([note] if note else [])
    for n, c in enumerate(made, 1):
        lines.append(f"{n}. {c.boto3()}")
        if c.made:
            lines.append(f"   → {_outcome(c, expected.get(n - 1))}")
    return Rendered(html_, scrub("\n".join(lines), keep=0))


def trust_policy(document: dict, kind: str) -> Rendered:
    """A role's trust policy as JSON, with its three parts explained: principal, ``aud``, ``amr``."""
    statement = document["Statement"][0]
    principal = statement["Principal"]["Federated"]  # the partition's (roles.cognito_principal)
    aud_key, amr_key = f"{principal}:aud", f"{principal}:amr"
    aud = statement["Condition"]["StringEquals"][aud_key]
    parts = [("principal", f"Federated: {principal}",
              "only Cognito identity pools may ask for this role's credentials, through "
              "sts:AssumeRoleWithWebIdentity."),
             ("aud", f"{aud_key} = {aud}",
              "only THIS identity pool: without it, any identity pool in any account could assume the role. "
              "This condition is the security boundary."),
             ("amr", f"{amr_key} = {kind}",
              f"only {kind} identities" + (" (users who signed in)." if kind == "authenticated" else "."))]
    rows = "".join(f"<li><b>{_e(name)}</b> <code>{_e(what)}</code>: {_e(why)}</li>" for name, what, why in parts)
    body = json.dumps(document, indent=2)
    title = f"Trust policy of the {kind} role"
    return Rendered(f'<p><b>{_e(title)}</b></p><pre style="{_CODE}">{_e(body)}</pre><ul>{rows}</ul>',
                    scrub("\n".join([f"{title}:", body] + [f"- {n} ({w}): {y}" for n, w, y in parts])))


def scratchpad(values: dict, path=None, mixed: str | None = None) -> Rendered:
    """The scratchpad as a table in the workshop's terms; ``mixed`` says why its ids do not belong together."""
    where = f" ({path})" if path else ""
    if not values:
        text = f"The scratchpad{where} is empty."
        return Rendered(_e(text), text)
    keys = [k for k in SCRATCHPAD_LABELS if k in values] + [k for k in values if k not in SCRATCHPAD_LABELS]
    rows = [(_e(SCRATCHPAD_LABELS.get(k, k)), f"<code>{_e(values[k])}</code>") for k in keys]
    text = "\n".join([f"Scratchpad{where}"] + [f"  {SCRATCHPAD_LABELS.get(k, k)}: {values[k]}" for k in keys])
    warning = f"<p>{_mark(FAIL)} {_e(mixed)}</p>" if mixed else ""
    return Rendered(f"<p>Scratchpad{_e(where)}</p>{_table(rows)}{warning}",
                    scrub(text + (f"\n{mixed}" if mixed else "")))


# Copies the id next to the button: the Clipboard API where the page may use it (https, or
# JupyterLab on localhost), else the browser's copy command on the selected id. Inline, because
# an ipywidgets HTML widget sets its value as innerHTML: a <script> never runs there, a handler does.
_COPY_JS = ("const b=this,c=b.parentElement.querySelector('code'),t=c.textContent;"
            "const said=w=>{b.textContent=w;setTimeout(()=>{b.textContent='Copy'},2000)};"
            "const select=()=>{const r=document.createRange();r.selectNodeContents(c);"
            "const s=getSelection();s.removeAllRanges();s.addRange(r);"
            "said(document.execCommand('copy')?'Copied':'Selected: press Ctrl+C')};"
            "navigator.clipboard?navigator.clipboard.writeText(t).then(()=>said('Copied'),select):select();")


def identity_pool_id(value: str | None, *, copy_button: bool = False) -> Rendered:
    """The Identity Pool ID as the workshop asks for it: region and colon included, no quotes.

    A double-click selects the whole id (``user-select: all``: the ':' and '-' would otherwise
    end the word). ``copy_button`` adds a Copy button; it works only where HTML handlers run (the
    live widget in JupyterLab, not a saved or exported output, which is sanitized).
    """
    if not value:
        text = "No Identity Pool ID yet: create the identity pool above first."
        return Rendered(f"{_mark(NOT_RUN)} {_e(text)}", text)
    note = "Copy it as shown: the region code and the ':' are part of it, quotes are not."
    button = (f' <button class="jupyter-button" title="Copy the Identity Pool ID" onclick="{_COPY_JS}">Copy</button>'
              if copy_button else "")
    return Rendered(f'<p>Identity Pool ID: <code style="{_HIGHLIGHT};font-size:120%;user-select:all">{_e(value)}'
                    f"</code>{button}</p><p>{_e(note)}</p>", f"Identity Pool ID: {value}\n{note}")


def amplify_config(js: str, identity_pool_id: str | None, mixed: str | None = None) -> Rendered:
    """The ``amplify-config.js`` snippet the next step needs, with the pool id highlighted; or,
    when the scratchpad's ids do not belong together (``mixed`` says why), that, and no snippet."""
    if mixed:
        return Rendered(f"{_mark(FAIL)} {_e(mixed)}", f"Not shown: {mixed}")
    body = _e(js)
    if identity_pool_id:
        body = body.replace(_e(identity_pool_id), f'<span style="{_HIGHLIGHT}">{_e(identity_pool_id)}</span>')
    return Rendered(f'<pre style="{_CODE}">{body}</pre>', scrub(js))


def caller(c) -> Rendered:
    """Who am I: target, account, identity, region and the (redacted) access key."""
    target = f"local sandbox at {c.endpoint_url}" if c.local else f"AWS ({c.endpoint_url})"
    rows = [("Talking to", target), ("Account", c.account), ("Identity", c.arn), ("Region", c.region),
            ("Profile", c.profile), ("Credentials from", c.credentials_from), ("Access key", c.access_key)]
    text = "\n".join(f"{k}: {v}" for k, v in rows)
    return Rendered(_table([(k, f"<code>{_e(v)}</code>") for k, v in rows]), scrub(text))


def user_pool(user_pool_id: str, app_client_id: str, note: str = "") -> Rendered:
    """The user pool and app client the identity pool will trust."""
    rows = [("User Pool ID", user_pool_id), ("App client ID", app_client_id)]
    text = "\n".join([f"{k}: {v}" for k, v in rows] + ([note] if note else []))
    extra = f"<p>{_e(note)}</p>" if note else ""
    return Rendered(_table([(k, f"<code>{_e(v)}</code>") for k, v in rows]) + extra, scrub(text))


def _target_warning(target) -> str:
    if not target.warning:
        return ""
    return f'<br><span style="color:{AMBER}">{_mark("warning")} Warning: {_e(target.warning)}</span>'


def targets(found: list, title: str) -> Rendered:
    """A list of cleanup targets (kind and name) under a title; says so when there are none.

    What the plan keeps on purpose (its ``kept`` lines, e.g. a role another pool uses) follows.
    """
    kept = list(getattr(found, "kept", []))
    kept_html = "".join(f"<li>{_e(line)}</li>" for line in kept)
    kept_html = f"<p>Kept:</p><ul>{kept_html}</ul>" if kept else ""
    kept_text = "\n".join(["Kept:"] + [f"  - {line}" for line in kept]) if kept else ""
    if not found:
        text = "\n".join(filter(None, [f"{title}: nothing.", kept_text]))
        return Rendered(f"{_mark('done')} {_e(title)}: nothing.{kept_html}", scrub(text))
    items = "".join(f"<li>{_e(t.kind)}: <code>{_e(t.name)}</code>{_target_warning(t)}</li>" for t in found)
    text = "\n".join([f"{title}:"] + [f"  - {t.describe()}" for t in found] + ([kept_text] if kept else []))
    return Rendered(f"<p>{_e(title)}:</p><ul>{items}</ul>{kept_html}", scrub(text))


# A class run's statuses: their words and colours in the summary and the feedback pages.
STATUS_WORDS = {PASS: "passed", SET_UP: "set up by this run", NOT_PROVEN: "not proven", FAIL: "failed",
                INTERRUPTED: "interrupted", NOT_RUN: "not run"}
_STATUS_COLOURS = {PASS: "#d4edda", SET_UP: "#dbe9f6", NOT_PROVEN: "#fff3cd", FAIL: "#f8d7da",
                   INTERRUPTED: "#e2e3e5", NOT_RUN: "#eeeeee"}
LEGEND = {
    PASS: "every check passed, and the learner did the work: nothing was created or repaired for them",
    SET_UP: "every check passed after this run created or repaired something for the learner (listed)",
    NOT_PROVEN: "the configuration is right, but the sign-in proof could not be made in that account "
                "(no permission to create a test user, or a sign-in challenge): not a failure; the row says why",
    FAIL: "a check failed: the web app would not work; the fix is in the row",
    INTERRUPTED: "the run was stopped before this learner finished; --resume runs them again",
    NOT_RUN: "the check did not run in this mode (grading runs no sign-in proof unless --prove); never a failure",
}
_PAGE_CSS = ("body{font-family:sans-serif;max-width:1200px;margin:1em auto;padding:0 1em}"
             "table{border-collapse:collapse;width:100%}td,th{border:1px solid #ccc;padding:4px 8px;"
             "text-align:left;vertical-align:top;overflow-wrap:break-word}th{background:#f6f8fa;white-space:nowrap}"
             "td.name,td[class^=s-]{white-space:nowrap}td.id{overflow-wrap:anywhere;font-family:monospace;"
             "font-size:90%;min-width:12em}"
             "dl{display:grid;grid-template-columns:max-content auto;gap:2px 12px}dt{font-weight:bold}"
             + "".join(f".s-{k.replace(' ', '-')}{{background:{v}}}" for k, v in _STATUS_COLOURS.items()))


def _status_cell(status: str) -> str:
    return f'<td class="s-{_e(status.replace(" ", "-"))}">{_e(STATUS_WORDS.get(status, status))}</td>'


def _page(title: str, body: str) -> str:
    return (f"<!doctype html><html lang='en'><head><meta charset='utf-8'><title>{_e(title)}</title>"
            f"<style>{_PAGE_CSS}</style></head><body>{body}</body></html>\n")


def _link(href: str, text: str) -> str:
    return f'<a href="{html.escape(href, quote=True)}">{_e(text)}</a>' if href else ""


def class_summary(meta: dict, rows: list[dict]) -> str:
    """A class run's summary as a web page readable at 1280 px: the counts in the heading, a
    legend, then one row per learner, failures and not proven first, each with its one-line fix
    and a link to the learner's feedback page."""
    order = {FAIL: 0, INTERRUPTED: 1, NOT_PROVEN: 2, SET_UP: 3, PASS: 4}
    rows = sorted(rows, key=lambda r: (order.get(r["status"], 0), r["learner"]))
    counts = meta["counts"]
    job = "Class set-up (this run created and repaired in learners' accounts)" if meta["mode"] == "set-up" else \
        "Class grading (read only: nothing was created or changed)"
    heading = ", ".join(f"{counts[s]} {STATUS_WORDS[s]}" for s in (PASS, SET_UP, FAIL, NOT_PROVEN, INTERRUPTED)
                        if counts.get(s) or s in (PASS, FAIL))
    legend = "".join(f"<dt>{_e(STATUS_WORDS[s])}</dt><dd>{_e(text)}</dd>" for s, text in LEGEND.items())
    scored = any(r.get("score") is not None for r in rows)

    def score(r: dict) -> str:
        return f"<td class='name'>{r['score']:g} / {r['max']:g}</td>" if scored else ""

    body_rows = "".join(
        "<tr>" + f"<td class='name'>{_link(r['feedback'], r['learner']) or _e(r['learner'])}</td>"
        + _status_cell(r["status"]) + _status_cell(r["proof"]) + score(r)
        + f"<td>{_e(r['failed'])}</td><td>{_e(r['fix'])}</td>"
        + f"<td>{_e(r['changes'])}</td><td class='id'>{_e(r['identity_pool_id'])}</td></tr>"
        for r in rows)
    facts = (f"<p>{_e(meta['started'])} to {_e(meta['ended'])} · wildrydes-nb {_e(meta['version'])} · "
             f"regions: {_e(', '.join(meta['regions']))} · accounts: "
             f"{_e(', '.join(f'{p}: {a}' for p, a in meta['accounts'].items()) or 'not read')}</p>")
    table = ("<table><tr><th>learner</th><th>status</th><th>sign-in proof</th>" + ("<th>score</th>" if scored else "")
             + "<th>what failed</th><th>fix</th>"
             f"<th>changed by this run</th><th>identity pool</th></tr>{body_rows}</table>")
    return _page("Identity pool: class summary",
                 f"<h1>{_e(job)}</h1><h2>{len(rows)} learners: {_e(heading)}</h2>{facts}{table}"
                 f"<h3>What the statuses mean</h3><dl>{legend}</dl>")


def feedback_page(learner: str, mode: str, status: str, proof: str, changes: list[str], message: str, fix: str,
                  rep, notebook: str) -> str:
    """One learner's feedback page: the outcome, what the run changed, their checklist with each
    fix, and a link to their executed notebook (set-up runs)."""
    did = ("<p>This run created or repaired, in your account:</p><ul>"
           + "".join(f"<li>{_e(change)}</li>" for change in changes) + "</ul>") if changes else (
        "<p>This run changed nothing in your account.</p>" if mode == "set-up" else
        "<p>Grading reads only: nothing was created or changed.</p>")
    why = f"<p><b>What went wrong:</b> {_e(message)}</p>" if message and status != PASS else ""
    todo = f"<p><b>What to do:</b> {_e(fix)}</p>" if fix else ""
    checklist = report(rep).html if rep is not None else "<p>No checklist: the run stopped before verifying.</p>"
    rendered = f"<p>{_link(notebook, 'Your executed notebook, as it ran')}</p>" if notebook else ""
    table = ("<table><tr><th>status</th><th>sign-in proof</th></tr>"
             f"<tr>{_status_cell(status)}{_status_cell(proof)}</tr></table>")
    return _page(f"Identity pool: feedback for {learner}",
                 f"<h1>Creating a Cognito identity pool: feedback for {_e(learner)}</h1>{table}"
                 f"<p>{_e(LEGEND.get(status, ''))}</p>{why}{todo}{did}{checklist}{rendered}")
