"""Reading the routing file: the one module of routing/ that touches the disk.

Which file: an explicit path, else $CAREDESK_ROUTING_FILE, else config/routing.toml under the
working directory, else the default shipped with caredesk (`default_routing.toml`: the customer
guide's main line).
"""

from __future__ import annotations

import tomllib
from collections.abc import Mapping
from functools import cache
from importlib import resources
from pathlib import Path

from caredesk.config_files import chosen_file
from caredesk.routing.config import RoutingConfig, RoutingConfigError, parse_routing_config

ENV_VAR = "CAREDESK_ROUTING_FILE"
DEFAULT_ROUTING_PATH = Path("config/routing.toml")
PACKAGED_DEFAULT = "default_routing.toml"


class RoutingFileError(ValueError):
    """The routing file cannot be used; the message names the file and, when known, the key."""

    def __init__(self, path: str, problem: str, key: str | None = None) -> None:
        super().__init__(f"{path}: {problem}")
        self.path = path
        self.problem = problem
        self.key = key


def _parse(text: str, where: str) -> RoutingConfig:
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as error:
        raise RoutingFileError(where, f"is not valid TOML ({error})") from None
    try:
        return parse_routing_config(data)
    except RoutingConfigError as error:
        raise RoutingFileError(where, str(error), error.key) from None


def load_routing_file(path: Path | str) -> RoutingConfig:
    path = Path(path)
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise RoutingFileError(str(path), "no such file") from None
    except OSError as error:
        raise RoutingFileError(str(path), f"cannot be read ({error.strerror or error})") from None
    return _parse(text, str(path))


def default_routing_text() -> str:
    return resources.files("caredesk.routing").joinpath(PACKAGED_DEFAULT).read_text("utf-8")


@cache
def default_routing_config() -> RoutingConfig:
    """The shipped default, read once."""
    return _parse(default_routing_text(), f"caredesk/routing/{PACKAGED_DEFAULT}")


def resolve_routing_path(
    explicit: Path | None = None, environ: Mapping[str, str] | None = None
) -> Path | None:
    """The routing file to use, or None for the shipped default."""
    return chosen_file(explicit, environ, env_var=ENV_VAR, default=DEFAULT_ROUTING_PATH)


def load_routing(
    explicit: Path | None = None, environ: Mapping[str, str] | None = None
) -> RoutingConfig:
    path = resolve_routing_path(explicit, environ)
    return load_routing_file(path) if path is not None else default_routing_config()
