"""Which configuration file a command uses: the one named on its command line, else the one an
environment variable names, else the project's default file when it exists, else none (the
caller's built-in defaults). The policy and the routing files are found the same way."""

from __future__ import annotations

import os
from collections.abc import Mapping
from pathlib import Path


def chosen_file(
    explicit: Path | None, environ: Mapping[str, str] | None, *, env_var: str, default: Path
) -> Path | None:
    if explicit is not None:
        return explicit
    from_env = (os.environ if environ is None else environ).get(env_var, "").strip()
    if from_env:
        return Path(from_env)
    return default if default.is_file() else None
