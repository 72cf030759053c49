"""Installs the tests' loopback-only network guard in every Python process the tests start."""

import sys

import loopback_guard

loopback_guard.install()

# jsonschema, which nbformat imports, builds rfc3987-syntax's IRI grammars when it is first
# imported: about 0.8 s of CPU in every test process that reads a notebook (each pytest worker,
# each papermill run in a command). No notebook schema checks an IRI, so the tests' processes go
# without it; jsonschema then leaves its "iri" formats unchecked, as it does when that optional
# package is not installed. Learners' and instructors' processes are not touched.
sys.modules.setdefault("rfc3987_syntax", None)

# ipykernel starts its debugger (debugpy, with pydevd) in every kernel: about 0.1 s of CPU each,
# and the tests start some fifty kernels. No test debugs a kernel, so the tests' kernels go
# without it; ipykernel then runs as it does where debugpy is not installed.
sys.modules.setdefault("debugpy", None)
