"""Who did something that is audited, with no database code."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Actor:
    """Who did it: a user of the platform or a named system process (dispatcher, demo loader)."""

    kind: str
    id: str

    @classmethod
    def user(cls, user_id: int) -> Actor:
        return cls("user", str(user_id))

    @classmethod
    def system(cls, name: str) -> Actor:
        return cls("system", name)

    def __str__(self) -> str:
        return f"{self.kind}:{self.id}"
