"""schemathesis hooks for the REST API's contract tests (``SCHEMATHESIS_HOOKS=tests.schema_hooks``).

The OpenAPI document states every rule of the API's input but two, which span two fields and which no JSON
Schema can state: ``min_duration`` <= ``max_duration`` and ``since`` <= ``until`` (the API refuses the reverse
with 400, naming both; the document says so in words). A generated case that has both bounds the wrong way
round gets them swapped, so that it asks what a client who read the document would ask; everything else
stays as generated.
"""

from __future__ import annotations

from typing import Any

import schemathesis

from tests import regex_memo
from y2s_core.errors import InputError
from y2s_core.filters import FilterSpec

regex_memo.install()  # speed only: the document's patterns become strategies once, not once a case

BOUNDS = (("min_duration", "max_duration"), ("since", "until"))


def _value(name: str, text: Any) -> Any:
    if isinstance(text, float) and text.is_integer():
        text = int(text)  # JSON Schema's integer 5.0, which the API takes as 5
    try:
        return getattr(FilterSpec.from_strings(**{name: text}), name)
    except (InputError, TypeError, ValueError):
        return None


def order_bounds(values: Any) -> int:
    """Swap each pair of bounds in ``values`` (query or filters) given the wrong way round; how many were."""
    if not isinstance(values, dict):
        return 0
    swapped = 0
    for low, high in BOUNDS:
        a, b = _value(low, values.get(low)), _value(high, values.get(high))
        if a is not None and b is not None and a > b:
            values[low], values[high] = values[high], values[low]
            swapped += 1
    return swapped


def order_case(case: Any) -> Any:
    order_bounds(case.query)
    if isinstance(case.body, dict):
        order_bounds(case.body.get("filters"))
    return case


@schemathesis.hook
def map_case(context: Any, case: Any) -> Any:
    return order_case(case)
