"""The words every face uses for a count: ``plural(1, "unit")`` -> "1 unit", ``plural(3, "page")`` -> "3 pages".

One helper for the CLI, the app, the REST API's messages and the core's own lines, so "1 units", "1 pages" or
"1 uploads pages" cannot come back in one face while fixed in another. A leaf: it imports nothing of y2s_core.
"""

from __future__ import annotations

_IRREGULAR = {"is": "are", "was": "were", "this": "these", "it": "them"}


def plural_noun(n: int, noun: str) -> str:
    """``noun`` as it goes with ``n``: the last word takes the plural ("uploads page" -> "uploads pages")."""
    if n == 1:
        return noun
    head, _, last = noun.rpartition(" ")
    if last in _IRREGULAR:
        word = _IRREGULAR[last]
    elif last.endswith(("s", "sh", "ch", "x", "z")):
        word = last + "es"
    elif len(last) > 1 and last.endswith("y") and last[-2] not in "aeiou":
        word = last[:-1] + "ies"  # entry -> entries, try -> tries (day -> days)
    else:
        word = last + "s"
    return f"{head} {word}" if head else word


def plural(n: int, noun: str) -> str:
    """'1 page', '2 pages', '1,000 videos', '3 batches', '1 uploads page', '0 units' (thousands separated)."""
    return f"{n:,} {plural_noun(n, noun)}"


__all__ = ["plural", "plural_noun"]
