"""Bounds every input shares, with no dependencies: the API's schemas, the pagers and the command
line all take them from here."""

from __future__ import annotations

# Ids are 32-bit integers on every engine; a larger value can only be a typo or a probe.
MAX_ID = 2_147_483_647
# The most items one page of a list holds.
MAX_LIMIT = 200
