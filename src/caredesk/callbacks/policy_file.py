"""Reading the policy file: the one place the outbound-call policy touches the disk.

Which file: an explicit path (the CLI's --policy-file), else $CAREDESK_POLICY_FILE, else
config/policy.toml under the working directory, else the handbook defaults built into the code.
"""

from __future__ import annotations

import tomllib
from collections.abc import Mapping
from pathlib import Path

from caredesk.config_files import chosen_file
from caredesk.policy import PolicyConfig, PolicyConfigError, parse_policy_config

ENV_VAR = "CAREDESK_POLICY_FILE"
DEFAULT_POLICY_PATH = Path("config/policy.toml")


class PolicyFileError(ValueError):
    """The policy file cannot be used; the message names the file and, when known, the key."""

    def __init__(self, path: Path, problem: str, key: str | None = None) -> None:
        super().__init__(f"{path}: {problem}")
        self.path = path
        self.problem = problem
        self.key = key


def load_policy_file(path: Path | str) -> PolicyConfig:
    """Reads and validates a TOML policy file."""
    path = Path(path)
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise PolicyFileError(path, "no such file") from None
    except OSError as error:
        raise PolicyFileError(path, f"cannot be read ({error.strerror or error})") from None
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as error:
        raise PolicyFileError(path, f"is not valid TOML ({error})") from None
    try:
        return parse_policy_config(data)
    except PolicyConfigError as error:
        raise PolicyFileError(path, str(error), error.key) from None


def resolve_policy_path(
    explicit: Path | None = None, environ: Mapping[str, str] | None = None
) -> Path | None:
    """The policy file to use, or None for the built-in handbook defaults."""
    return chosen_file(explicit, environ, env_var=ENV_VAR, default=DEFAULT_POLICY_PATH)


def load_policy(
    explicit: Path | None = None, environ: Mapping[str, str] | None = None
) -> PolicyConfig:
    path = resolve_policy_path(explicit, environ)
    return load_policy_file(path) if path is not None else PolicyConfig()
