"""Speed only: build hypothesis's strategy for a regular expression once per (pattern, flags, alphabet).

schemathesis builds a new strategy from the schema for every case it draws in the negative mode and in some
phases of ``schemathesis run``; each build turns the document's channel patterns (thousands of code points in
character classes) into a strategy again: about half a second each, 90% of the contract tests' time. The
strategy built is the same every time (strategies are immutable and reused across draws), so it is kept:
what is drawn, and how, does not change. Installed by tests/schema_hooks.py (imported by the contract tests
and loaded by ``schemathesis run`` through SCHEMATHESIS_HOOKS). Where hypothesis's internals differ from what
is expected here, nothing is patched (the tests only run slower).
"""

from __future__ import annotations

from typing import Any


def install() -> bool:
    try:
        from hypothesis.strategies._internal import regex as hyp_regex
    except ImportError:
        return False
    build = getattr(hyp_regex, "base_regex_strategy", None)
    unwrap = getattr(hyp_regex, "unwrap_strategies", None)
    if build is None or unwrap is None:
        return False
    if getattr(build, "_y2s_memo", False):
        return True
    cache: dict[tuple, Any] = {}

    def alphabet_key(alphabet: Any) -> tuple | None:
        if alphabet is None:
            return ()
        chars = unwrap(alphabet)
        intervals = getattr(getattr(chars, "intervals", None), "intervals", None)
        return None if intervals is None else (type(chars).__name__, tuple(intervals))

    def memo_base_regex_strategy(regex: Any, *, parsed: Any = None, alphabet: Any = None) -> Any:
        chars = alphabet_key(alphabet)
        if chars is None:  # an alphabet not made of known intervals: built as before
            return build(regex, parsed=parsed, alphabet=alphabet)
        key = (type(regex.pattern), regex.pattern, regex.flags, chars)
        strategy = cache.get(key)
        if strategy is None:
            strategy = cache[key] = build(regex, parsed=parsed, alphabet=alphabet)
        return strategy

    memo_base_regex_strategy._y2s_memo = True  # type: ignore[attr-defined]
    hyp_regex.base_regex_strategy = memo_base_regex_strategy
    return True
