"""Secret finder cost against text length: adversarial and ordinary texts, 100 to 20,000 chars.

    PYTHONPATH=src python benchmarks/pii_bench.py
    PYTHONPATH=src python benchmarks/pii_bench.py --sizes 100,1000,20000 --repeat 5

For every text shape and length, times ``caredesk.privacy.find_pii`` (best of --repeat runs)
and ``scrub_text`` and prints microseconds per character. Times are the process's CPU time, so
other work on a shared machine does not stretch the longer runs. A linear finder keeps that column
flat as the text grows; the old finder took about 10 s at 2,000 characters of "1 " and hours at
20,000. 20,000 characters is the largest free-text field (a case description).
"""

from __future__ import annotations

import argparse
import time
from collections.abc import Callable

from caredesk.privacy import find_pii, scrub_text

ORDINARY = (
    "Customer called about dropped calls at home since 2026-03-10 14:00. Reset network "
    "settings, IMEI 352099001761481 checked, order 123456789 shipped, callback on "
    "303-555-0123. PIN verified by the customer; card ending 1111 on file. $45.00 credit. "
)
SHAPES = {
    "ordinary memo": ORDINARY,
    "ordinary with secrets": ORDINARY + "pin was reset to 0042, SSN ending in 6789. ",
    "spaced digits '1 '": "1 ",
    "dashed digits '1-'": "1-",
    "card groups '4111 '": "4111 ",
    "ssn shapes '123-45-'": "123-45-",
    "pin labels 'pin is the '": "pin is the ",
    "chained 'pin 1234 or '": "pin 1234 or ",
    "zero width '1\\u200b '": "1\u200b ",
    "one digit run '1'": "1",
    "hash dollars '$2b$'": "$2b$",
}


def _best(function: Callable[[str], object], text: str, repeat: int) -> float:
    best = float("inf")
    for _ in range(repeat):
        start = time.process_time()
        function(text)
        best = min(best, time.process_time() - start)
    return best


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", default="100,1000,5000,20000")
    parser.add_argument("--repeat", type=int, default=5)
    args = parser.parse_args()
    sizes = [int(size) for size in args.sizes.split(",")]
    print(f"{'text':<28} {'chars':>6} {'find ms':>9} {'us/char':>8} {'scrub ms':>9} {'us/char':>8}")
    for name, unit in SHAPES.items():
        for size in sizes:
            text = (unit * (size // len(unit) + 1))[:size]
            found = _best(find_pii, text, args.repeat)
            scrubbed = _best(scrub_text, text, args.repeat)
            print(
                f"{name:<28} {len(text):>6} {found * 1e3:>9.2f} {found * 1e6 / len(text):>8.2f}"
                f" {scrubbed * 1e3:>9.2f} {scrubbed * 1e6 / len(text):>8.2f}"
            )


if __name__ == "__main__":
    main()
