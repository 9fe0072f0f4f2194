"""The secret finder's label rules: a number is a secret because words name it so ("SSN ending in
6789", "pin was reset to 1234", "from 1111 to 2222", "0042 is the new PIN", "CVV2 123")."""

from __future__ import annotations

from typing import NamedTuple

from caredesk.policy import pii_words as words
from caredesk.policy.pii_scan import PiiKind, Scan
from caredesk.policy.pii_text import DIGITS, MARK, WORD, Run


class _Label(NamedTuple):
    kind: PiiKind
    digits: tuple[int, int]  # how many digits its value has: from-to, or for an SSN either
    last: int  # its last token


def _is_value(scan: Scan, run: Run, label: _Label) -> bool:
    """Whether ``run`` has the shape of the value ``label`` names."""
    if not scan.standalone(run):
        return False
    groups = run.groups
    if label.kind is PiiKind.SSN:
        return len(groups) == 1 and len(groups[0]) in label.digits
    low, high = label.digits
    if len(groups) == 1:
        return low <= len(groups[0]) <= high
    # "1 2 3 4": a PIN read out digit by digit.
    return low <= len(groups) <= high and all(len(group) == 1 for group in groups)


def _label_at(scan: Scan, index: int) -> _Label | None:
    word = scan.tokens[index].text
    if word in words.SSN_LABELS:
        return _Label(PiiKind.SSN, words.SSN_DIGITS, index)
    if word in words.PIN_LABELS:
        return _Label(PiiKind.PIN, words.PIN_DIGITS, index)
    if word in words.CVV_LABELS:
        following = index + 1
        if following < len(scan.tokens) and scan.tokens[following].text == "2":
            return _Label(PiiKind.PIN, words.CVV_DIGITS, following)  # CVV2, CVC2
        return _Label(PiiKind.PIN, words.CVV_DIGITS, index)
    following = scan.neighbour(index, 1)
    digits = words.PAIR_LABELS.get((word, scan.word(following)))
    if digits is not None:
        return _Label(PiiKind.PIN, digits, following)
    return None


def labels(scan: Scan) -> None:
    resume = 0
    for index, token in enumerate(scan.tokens):
        if token.kind != WORD or index < resume or token.text not in words.WATCHED:
            continue
        label = _label_at(scan, index)
        if label is not None:
            resume = _forward(scan, label, index)
        elif token.text in words.COPULAS:
            _backward(scan, index)


def _after_first(run: Run) -> Run:
    """``run`` without its first group."""
    return Run(run.first + 2, run.last, run.groups[1:], run.seps[1:])


def _forward(scan: Scan, label: _Label, label_index: int) -> int:
    """The value after a label, and any chained after it; the token index to resume at."""
    tokens = scan.tokens
    index = label.last
    glued = scan.run_at.get(index)
    if glued is not None and len(glued.groups) > 1:
        # "CVV2 123": the label's 2 and its value were read as one spaced number.
        rest = _after_first(glued)
        if _is_value(scan, rest, label):
            scan.add_run(rest, label.kind)
            return _chain(scan, rest, label)
    previous = tokens[label_index].text
    steps = 0
    while steps < words.REACH:
        index = scan.neighbour(index, 1)
        if index >= len(tokens):
            return index
        steps += 1
        token = tokens[index]
        if token.kind == DIGITS:
            run = scan.run_at.get(index)
            if run is not None and _is_value(scan, run, label):
                scan.add_run(run, label.kind)
                return _chain(scan, run, label)
            if token.text == "4" and previous == "last":
                # "SSN last 4 6789": the 4 says how many digits follow.
                if run is not None and len(run.groups) > 1:
                    rest = _after_first(run)
                    if _is_value(scan, rest, label):
                        scan.add_run(rest, label.kind)
                        return _chain(scan, rest, label)
                    return index
                previous = "4"
                continue
            return index
        if token.kind == WORD:
            word = token.text
            if not (
                word in words.FILLERS
                or (word in words.AFTER_ENDING and previous in words.ENDING)
                or (word in words.AFTER_CHANGE and previous in words.CHANGE)
            ):
                return index
            previous = word
            continue
        if token.text in words.FILLER_MARKS or (
            token.text == "." and previous in words.ABBREVIATIONS
        ):
            previous = token.text
            continue
        return index
    return index


def _chain(scan: Scan, run: Run, label: _Label) -> int:
    """Values listed after the first ("from 1111 to 2222", "1234 or 4321")."""
    index = run.last
    while True:
        connector = scan.neighbour(index, 1)
        if connector >= len(scan.tokens):
            return connector
        token = scan.tokens[connector]
        if not (
            (token.kind == WORD and token.text in words.CHAIN)
            or (token.kind == MARK and token.text in words.CHAIN_MARKS)
        ):
            return connector
        following = scan.neighbour(connector, 1)
        candidate = scan.run_at.get(following)
        if candidate is None or not _is_value(scan, candidate, label):
            return following
        scan.add_run(candidate, label.kind)
        index = candidate.last


def _backward(scan: Scan, copula: int) -> None:
    """ "0042 is the new PIN", "6789 is the last four of her SSN"."""
    before = scan.neighbour(copula, -1)
    if before < 0 or scan.tokens[before].kind != DIGITS:
        return
    run = scan.run_at.get(before)
    if run is None or len(run.groups) != 1:
        return
    if scan.word(scan.neighbour(run.first, -1)) in words.NUMBER_NOUNS:
        return
    index = copula
    for _ in range(words.REACH):
        index = scan.neighbour(index, 1)
        if index >= len(scan.tokens):
            return
        token = scan.tokens[index]
        if token.kind == WORD:
            label = _label_at(scan, index)
            if label is not None:
                if _is_value(scan, run, label):
                    scan.add_run(run, label.kind)
                return
            if token.text not in words.FILLERS:
                return
        elif token.kind == DIGITS:
            if token.text != "4":
                return
        elif token.text not in words.FILLER_MARKS:
            return
