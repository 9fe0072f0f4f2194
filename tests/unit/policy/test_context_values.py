"""A PolicyContext refuses what it cannot judge: naive instants, empty or inverted spans, and a
consent that is neither an absolute nor a local window."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest

from caredesk.policy import (
    Attempt,
    AttemptResult,
    Callback,
    CallbackOrigin,
    ConsentChannel,
    ConsentWindow,
    Notification,
    Shift,
)
from caredesk.policy.context import SchedulingEmail, ZoneConfirmation

from .cases import base

AWARE = datetime(2026, 3, 10, 18, 0, tzinfo=UTC)
NAIVE = datetime(2026, 3, 10, 18, 0)


def _consent(**fields: object) -> ConsentWindow:
    return ConsentWindow("CB-1", "customer", AWARE, ConsentChannel.PHONE, **fields)  # type: ignore[arg-type]


@pytest.mark.parametrize(
    ("name", "make"),
    [
        ("confirmed_at", lambda: ZoneConfirmation("America/Denver", confirmed_at=NAIVE)),
        ("given_at", lambda: ConsentWindow("CB-1", "c", NAIVE, ConsentChannel.PHONE,
                                           start=AWARE, end=AWARE + timedelta(hours=1))),
        ("start", lambda: _consent(start=NAIVE, end=AWARE)),
        ("end", lambda: _consent(start=AWARE, end=NAIVE)),
        ("expires_at", lambda: _consent(start=AWARE, end=AWARE + timedelta(hours=1),
                                        expires_at=NAIVE)),
        ("sent_at", lambda: Notification("Dropped Call", NAIVE)),
        ("at", lambda: Attempt(NAIVE, "+13035550123", AttemptResult.BUSY)),
        ("ended_at", lambda: Attempt(AWARE, "+13035550123", AttemptResult.BUSY, NAIVE)),
        ("sent_at", lambda: SchedulingEmail(NAIVE)),
        ("due_at", lambda: Callback("CB-1", None, CallbackOrigin.DROPPED_CALL, due_at=NAIVE)),
        ("start", lambda: Shift(NAIVE, AWARE)),
        ("end", lambda: Shift(AWARE, NAIVE)),
        ("now", lambda: base().__class__(**{**_fields(base()), "now": NAIVE})),
    ],
)  # fmt: skip
def test_naive_instants_are_refused_by_name(name: str, make: Callable[[], object]) -> None:
    with pytest.raises(
        ValueError, match=rf"^{name} must be an aware datetime \(with a time zone\)$"
    ):
        make()


def _fields(ctx: object) -> dict[str, object]:
    return {slot: getattr(ctx, slot) for slot in ctx.__dataclass_fields__}  # type: ignore[attr-defined]


def test_aware_instants_in_any_zone_are_taken() -> None:
    denver = AWARE.astimezone(ZoneInfo("America/Denver"))
    assert SchedulingEmail(denver).sent_at == AWARE
    assert ZoneConfirmation("America/Denver", confirmed_at=denver).confirmed_at == AWARE
    assert Shift(denver, denver + timedelta(minutes=1)).start == AWARE


@pytest.mark.parametrize(
    ("fields", "message"),
    [
        ({}, "give either start and end, or local_start, local_end and zone"),
        ({"start": AWARE, "local_start": time(9)},
         "give either start and end, or local_start, local_end and zone"),
        ({"start": AWARE}, "an absolute consent window needs both start and end"),
        ({"end": AWARE}, "an absolute consent window needs both start and end"),
        ({"start": AWARE, "end": AWARE}, "end must be after start"),
        ({"start": AWARE, "end": AWARE - timedelta(minutes=1)}, "end must be after start"),
        ({"local_start": time(9), "local_end": time(10)},
         "a local consent window needs local_start, local_end and zone"),
        ({"local_start": time(9), "zone": "America/Denver"},
         "a local consent window needs local_start, local_end and zone"),
        ({"local_end": time(9), "zone": "America/Denver"},
         "a local consent window needs local_start, local_end and zone"),
        ({"local_start": time(9), "local_end": time(9), "zone": "America/Denver"},
         "local_end must differ from local_start"),
    ],
)  # fmt: skip
def test_a_consent_is_one_whole_window(fields: dict[str, object], message: str) -> None:
    with pytest.raises(ValueError, match=f"^{message}$"):
        _consent(**fields)


def test_whole_windows_of_either_kind_are_taken() -> None:
    assert _consent(start=AWARE, end=AWARE + timedelta(seconds=1)).end == AWARE + timedelta(
        seconds=1
    )
    overnight = _consent(local_start=time(22), local_end=time(6), zone="America/Denver")
    assert (overnight.local_start, overnight.local_end) == (time(22), time(6))


def test_spans_and_counts_that_cannot_be() -> None:
    with pytest.raises(ValueError, match=r"^a shift must end after it starts$"):
        Shift(AWARE, AWARE)
    assert Shift(AWARE, AWARE + timedelta(seconds=1)).end > AWARE
    with pytest.raises(ValueError, match=r"^batch_size must be at least 1$"):
        Callback("CB-1", None, CallbackOrigin.DROPPED_CALL, batch_size=0)
    assert Callback("CB-1", None, CallbackOrigin.DROPPED_CALL, batch_size=1).batch_size == 1
