"""A caller's input as the walk takes it: exactly one of a digit, words or a phone event, each
checked before anything is stored; and the answers that accept or decline a callback offer."""

from __future__ import annotations

import pytest

from caredesk.errors import ValidationFailed
from caredesk.inbound.models import MAX_INPUT
from caredesk.inbound.walks import CallerMove
from caredesk.inbound.words import answer_to_offer, offer_words
from caredesk.routing.ivr import InputKind


@pytest.mark.parametrize("digit", [*"0123456789", "*", "#"])
def test_every_dtmf_key_is_a_digit(digit: str) -> None:
    given = CallerMove(digit=digit).as_input()
    assert (given.kind, given.value) == (InputKind.DIGIT, digit)


@pytest.mark.parametrize(
    ("move", "field"),
    [
        (CallerMove(digit="12"), "digit"),
        (CallerMove(digit="a"), "digit"),
        (CallerMove(digit=""), "digit"),
        (CallerMove(), "digit"),
        (CallerMove(digit="1", words="one"), "digit"),
        (CallerMove(words="two", event="no_input"), "digit"),
        (CallerMove(words=" \t"), "words"),
        (CallerMove(words="x" * (MAX_INPUT + 1)), "words"),
        (CallerMove(event="hangup"), "event"),
    ],
)
def test_a_bad_input_is_refused_naming_its_field(move: CallerMove, field: str) -> None:
    with pytest.raises(ValidationFailed) as refused:
        move.as_input()
    assert refused.value.field == field


def test_words_and_events() -> None:
    assert CallerMove(words="billing please").as_input().kind is InputKind.KEYWORD
    assert CallerMove(words="x" * MAX_INPUT).as_input().value == "x" * MAX_INPUT
    assert CallerMove(event="no_input").as_input().kind is InputKind.NO_INPUT
    assert CallerMove(event="invalid").as_input().kind is InputKind.INVALID


@pytest.mark.parametrize(
    ("digit", "words", "answer"),
    [
        ("1", None, True),
        ("2", None, False),
        ("3", None, None),
        (None, "Yes please call me back", True),
        (None, "  LLÁMEME ", True),
        (None, "I'll hold.", False),
        (None, "No. Thanks!", False),
        (None, "hold", False),
        (None, "no thanks", False),
        (None, "no, call me back", None),
        (None, "nope", None),
        (None, None, None),
    ],
)
def test_answers_to_a_callback_offer(
    digit: str | None, words: str | None, answer: bool | None
) -> None:
    assert answer_to_offer(digit, words) is answer


def test_offer_words_fall_back_to_english() -> None:
    assert offer_words("es-MX", "declined") == "Gracias por llamar. Adiós."
    assert offer_words("fr", "declined") == "Thank you for calling. Goodbye."
