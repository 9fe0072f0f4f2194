"""What the caller hears about a callback offer or a voicemail, and the answers that accept or
decline an offer.

The routing file words the menus; the offer is the same on every line, so its wording lives
here, in each of the languages the shipped menus speak (English is said for any other)."""

from __future__ import annotations

import re

from caredesk.routing.config_values import normalise_words

ACCEPT_DIGIT = "1"
DECLINE_DIGIT = "2"

_OFFER = {
    "en": {
        "queue": (
            "Instead of holding, we can call you back when it is your turn, and you keep your "
            "place in line. To be called back, press 1 or say call me back. To keep holding, "
            "press 2 or say hold."
        ),
        "after_hours": (
            "To be called back when we are open, press 1 or say call me back. "
            "Otherwise, press 2 or say no."
        ),
        "accepted": "Thank you. We will call you back at {number}{when}. Goodbye.",
        "refused": "Sorry, we cannot schedule that call back.",
        "holding": "Please stay on the line. You keep your place.",
        "declined": "Thank you for calling. Goodbye.",
        "voicemail_taken": (
            "Thank you. We have opened case {case} with your message and will get back to you. "
            "Goodbye."
        ),
        "voicemail_again": "Please leave your message after the tone, or press pound to end.",
        "voicemail_unknown": (
            "We could not find your account from this number, so we cannot take a message. "
            "Please call again when we are open. Goodbye."
        ),
    },
    "es": {
        "queue": (
            "En lugar de esperar, podemos devolverle la llamada cuando sea su turno, y usted "
            "conserva su lugar en la fila. Para que le llamemos, oprima 1 o diga llámeme. "
            "Para seguir esperando, oprima 2 o diga esperar."
        ),
        "after_hours": (
            "Para que le llamemos cuando abramos, oprima 1 o diga llámeme. "
            "De lo contrario, oprima 2 o diga no."
        ),
        "accepted": "Gracias. Le llamaremos al {number}{when}. Adiós.",
        "refused": "Lo sentimos, no podemos programar esa llamada.",
        "holding": "Por favor, permanezca en la línea. Conserva su lugar.",
        "declined": "Gracias por llamar. Adiós.",
        "voicemail_taken": (
            "Gracias. Hemos abierto el caso {case} con su mensaje y le responderemos. Adiós."
        ),
        "voicemail_again": (
            "Deje su mensaje después del tono, o oprima la tecla numeral para terminar."
        ),
        "voicemail_unknown": (
            "No encontramos su cuenta con este número, así que no podemos tomar un mensaje. "
            "Llame de nuevo cuando estemos abiertos. Adiós."
        ),
    },
}

ACCEPT_WORDS = frozenset(
    normalise_words(word)
    for word in ("call me back", "callback", "call back", "yes", "llámeme", "llameme", "sí", "si")
)
DECLINE_WORDS = frozenset(
    normalise_words(word) for word in ("hold", "no", "wait", "keep holding", "esperar", "seguir")
)


def offer_words(language: str, name: str) -> str:
    """One of the offer's sentences in `language` (English when it has none)."""
    return _OFFER.get(language.split("-")[0], _OFFER["en"])[name]


def answer_to_offer(digit: str | None, words: str | None) -> bool | None:
    """True to accept, False to decline, None when the input is neither."""
    if digit is not None:
        return {ACCEPT_DIGIT: True, DECLINE_DIGIT: False}.get(digit)
    if words is None:
        return None
    # Punctuation a recogniser or a keyboard adds ("No, thanks.") separates words too.
    said = normalise_words(re.sub(r"[^\w\s']", " ", words))
    padded = f" {said} "
    accepts = any(f" {word} " in padded for word in ACCEPT_WORDS)
    declines = any(f" {word} " in padded for word in DECLINE_WORDS)
    # "no, call me back" holds both: a caller who says both is asked again.
    return None if accepts == declines else accepts
