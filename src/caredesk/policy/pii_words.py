"""The words the secret finder reads: labels that announce a secret, fillers that may stand
between a label and its value, and the nouns whose numbers are never secrets."""

from __future__ import annotations

SSN_LABELS = frozenset({"ssn", "ssns", "social", "ss", "soc", "itin"})
PIN_LABELS = frozenset({"pin", "pins", "pincode", "passcode", "passcodes", "password", "passwd"})
CVV_LABELS = frozenset({"cvv", "cvc", "cvn"})
SSN_DIGITS = (4, 9)  # the last four or all nine, nothing between
PIN_DIGITS = (4, 12)
CVV_DIGITS = (3, 4)
PAIR_LABELS = {("pass", "code"): PIN_DIGITS, ("security", "code"): (3, 12)}
CARD_WORDS = frozenset({"card", "cc", "visa", "amex", "mastercard", "discover", "no", "number"})
LABEL_WORDS = SSN_LABELS | PIN_LABELS | CVV_LABELS | CARD_WORDS
CURRENCY = frozenset("$+\u00a3\u00a5\u20ac")
DEVICE_LABELS = frozenset(
    {"imei", "imeis", "imeisv", "meid", "esn", "iccid", "sim", "eid", "serial", "sn", "imsi"}
)
# Words that may stand between a label and its value without changing what the value is.
FILLERS = frozenset(
    {
        "is", "was", "are", "were", "be", "been", "now", "set", "reset", "changed", "change",
        "updated", "update", "to", "as", "number", "numbers", "no", "num", "nr", "code", "of",
        "ending", "ends", "end", "last", "four", "digits", "digit", "the", "her", "his", "their",
        "its", "my", "your", "our", "customer", "customers", "caller", "s", "new", "old",
        "current", "temporary", "temp", "default", "security", "sec", "on", "file", "x", "xx",
        "xxx", "xxxx", "xxxxx", "account", "acct", "card",
    }
)  # fmt: skip
AFTER_ENDING = frozenset({"in", "with"})
ENDING = frozenset({"ending", "ends", "end"})
AFTER_CHANGE = frozenset({"from"})
CHANGE = frozenset({"changed", "change", "updated", "update", "reset", "set"})
FILLER_MARKS = frozenset(":#=-()[]'\"*>")
ABBREVIATIONS = frozenset({"no", "num", "nr", "sec", "soc", "ss", "acct"})
CHAIN = frozenset({"to", "and", "or", "from", "then"})
CHAIN_MARKS = frozenset(",/->")
COPULAS = frozenset({"is", "was", "are", "were"})
# A number right after one of these is that thing's number, never a secret read backwards.
NUMBER_NOUNS = frozenset(
    {
        "ticket", "case", "order", "account", "acct", "invoice", "tracking", "ref", "reference",
        "confirmation", "zip", "phone", "ext", "extension", "room", "line", "store", "model",
        "error", "imei", "iccid", "sim", "serial", "at", "on", "by", "until", "since", "in",
    }
)  # fmt: skip
REACH = 8  # non-space tokens a label may look ahead for its value
MASKS = frozenset("*x#\u2022")
# Every word at which a rule starts: the scan skips all others at once.
WATCHED = SSN_LABELS | PIN_LABELS | CVV_LABELS | {first for first, _ in PAIR_LABELS} | COPULAS
