"""Installs the tests' loopback-only network guard in every Python process the tests start."""

import loopback_guard

loopback_guard.install()
