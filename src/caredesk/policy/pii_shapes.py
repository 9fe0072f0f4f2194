"""The secret finder's shape rules: secrets known by how they are written, whatever the words
around them say (card numbers, SSNs in three-two-four groups, masked SSNs' last four)."""

from __future__ import annotations

from caredesk.policy import pii_words as words
from caredesk.policy.pii_scan import PiiKind, Scan
from caredesk.policy.pii_text import MARK, WORD, Run, is_card_number


def _device_labelled(scan: Scan, run: Run) -> bool:
    index = run.first
    for _ in range(4):
        index = scan.neighbour(index, -1)
        if index < 0:
            return False
        token = scan.tokens[index]
        if token.kind == WORD:
            if token.text in words.DEVICE_LABELS:
                return True
            if token.text not in ("number", "no", "is", "was", "the", "card", "s"):
                return False
        elif token.kind != MARK or token.text not in ":#=-'.":
            return False
    return False


def cards(scan: Scan) -> None:
    for run in scan.runs:
        if scan.glued(run) or _device_labelled(scan, run):
            continue
        if is_card_number("".join(run.groups)):
            scan.add_run(run, PiiKind.CARD_NUMBER)
        else:
            _card_windows(scan, run)


def _card_windows(scan: Scan, run: Run) -> None:
    """Cards written next to another number ("order 12 4111 1111 1111 1111"): windows of whole
    groups bounded by spaces; each group but the last has four digits or more. (The whole run is
    no card: cards() has looked at it.)"""
    groups, seps = run.groups, run.seps
    count = len(groups)
    first = 0
    while first < count:
        if first > 0 and seps[first - 1] != " ":
            first += 1
            continue
        total = 0
        best = -1
        for last in range(first, count):
            total += len(groups[last])
            if total > 19:
                break
            if last > first and len(groups[last - 1]) < 4:
                break
            if last < count - 1 and seps[last] != " ":
                continue
            if total >= 13 and is_card_number("".join(groups[first : last + 1])):
                best = last
        if best >= 0:
            start = scan.tokens[run.first + 2 * first].start
            end = scan.tokens[run.first + 2 * best].end
            scan.add(start, end, PiiKind.CARD_NUMBER)
            first = best + 1
        else:
            first += 1


def ssn_shapes(scan: Scan) -> None:
    for run in scan.runs:
        groups, seps = run.groups, run.seps
        for index in range(len(groups) - 2):
            if (len(groups[index]), len(groups[index + 1]), len(groups[index + 2])) != (3, 2, 4):
                continue
            if seps[index] != seps[index + 1]:
                continue
            if index > 0 and seps[index - 1] != " ":
                continue
            if index + 3 < len(groups) and seps[index + 2] != " ":
                continue
            if len(groups) == 3 and scan.glued(run):
                continue
            start = scan.tokens[run.first + 2 * index].start
            end = scan.tokens[run.first + 2 * index + 4].end
            scan.add(start, end, PiiKind.SSN)
    _masked_ssns(scan)


def _masked_ssns(scan: Scan) -> None:
    text = scan.text
    for run in scan.runs:
        if len(run.groups) != 1 or len(run.groups[0]) != 4:
            continue
        start = scan.tokens[run.first].start
        if start < 7:
            continue
        head = text[start - 7 : start]
        sep = head[3]
        if sep not in "- ." or head[6] != sep:
            continue
        masked = all(char in words.MASKS for char in head[:3] + head[4:6])
        if masked and (start == 7 or not text[start - 8].isalnum()):
            scan.add_run(run, PiiKind.SSN)
