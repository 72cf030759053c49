#!/usr/bin/env bash
# A plain install works: build the wheel, install it into a fresh virtual environment (no checkout
# on its path), and run the demo from another folder. Run by `make test-wheel` and CI.
set -euo pipefail
python="${1:-python3}"
work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT
"$python" -m pip wheel --quiet --no-deps -w "$work/dist" . 2>&1 | grep -v "^WARNING: Location" || true
wheel="$(ls "$work"/dist/wildrydes_nb-*.whl)"
# Listed once, then searched: `grep -q` in a pipe stops reading early, and with pipefail the lister's
# broken pipe would fail the check.
listing="$("$python" -m zipfile -l "$wheel")"
grep -q "wildrydes_nb/notebooks/02_identity_pool.ipynb" <<< "$listing" \
    || { echo "the wheel does not ship the notebooks" >&2; exit 1; }
grep -q "wildrydes_nb/policies/learner-policy.json" <<< "$listing" \
    || { echo "the wheel does not ship the learner policy" >&2; exit 1; }
"$python" -m venv "$work/venv"
"$work/venv/bin/pip" install --quiet "$wheel" 2>&1 | grep -v "^WARNING: Location" || true
cd "$work"  # not the checkout: the installed package must find its notebooks by itself
"$work/venv/bin/wildrydes-nb" demo --out "$work/demo" > "$work/demo.log" 2>&1 \
    || { tail -20 "$work/demo.log" >&2; echo "wildrydes-nb demo failed from the installed wheel" >&2; exit 1; }
grep -q "all checks passed" "$work/demo.log"
grep -q '"iam:CreateRole"' <<< "$("$work/venv/bin/wildrydes-nb" policy)" \
    || { echo "'wildrydes-nb policy' does not print the policy from the installed wheel" >&2; exit 1; }
echo "wheel: installed in a fresh venv, 'wildrydes-nb demo' passed ($(du -sh "$work/venv" | cut -f1) installed)"
