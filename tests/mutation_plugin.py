"""A pytest plugin for mutation runs only (scripts/mutate.py loads it with `-p`; `make test` never
does): every test starts with the policy core's caches empty.

mutmut learns which tests reach a function by watching calls during one run of the suite, then
runs only those tests against each mutant of it. A cached function is called once per key per
process: the tests after the first that need the same answer get it from the cache, are never
seen calling the function, and so are never run against its mutants. Emptying the caches before
each test makes every test that needs an answer compute it, in the watched run and in every
mutant's run alike.
"""

from __future__ import annotations

import functools
import sys
from collections.abc import Iterator

import pytest

# Module-level dictionaries used as caches (the rest are functools.lru_cache wrappers).
_DICT_CACHES = (("caredesk.policy.case", "_PLACES"), ("caredesk.policy.memo", "_FINDINGS"))


def _caches() -> Iterator[functools._lru_cache_wrapper[object] | dict[object, object]]:
    for name, module in list(sys.modules.items()):
        if not name.startswith("caredesk") or module is None:
            continue
        for value in vars(module).values():
            if isinstance(value, functools._lru_cache_wrapper):
                yield value
    for module_name, attribute in _DICT_CACHES:
        module = sys.modules.get(module_name)
        if module is not None:
            yield getattr(module, attribute)


@pytest.fixture(autouse=True)
def _empty_caches() -> None:
    for cache in _caches():
        if isinstance(cache, dict):
            cache.clear()
        else:
            cache.cache_clear()
