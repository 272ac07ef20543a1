"""``push(rows, target)``: read -> plan -> apply; ``push(..., dry_run=True)`` stops after the plan."""

from __future__ import annotations

import contextlib
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from ..errors import InputError
from .base import SheetTarget
from .cells import negative_counts, row_to_cells
from .planner import SheetPlan, plan_upsert


@dataclass(frozen=True)
class PushResult:
    plan: SheetPlan
    target: str
    url: str | None
    requests: int
    dry_run: bool

    def summary(self) -> str:
        verb = "would write" if self.dry_run else "wrote"
        return f"{self.plan.summary()} ({verb} to {self.target})"


def push(
    rows: Sequence[Mapping[str, Any]],
    target: SheetTarget,
    *,
    dry_run: bool = False,
    progress: Callable[[str], None] | None = None,
) -> PushResult:
    """Read ``target``, plan the upsert of ``rows`` and, unless ``dry_run``, apply it.

    Rows without a video id are refused (InputError) before anything is read: every face (CLI, REST,
    app) gets the same answer. A real push holds ``target.exclusive()`` from the read to the last
    write, so a concurrent push to the same workbook waits instead of overwriting these rows.
    """
    check_rows(rows)
    say = progress or (lambda _msg: None)
    target.set_progress(progress)
    before = target.request_count
    with contextlib.nullcontext() if dry_run else target.exclusive(say):
        say(f"Reading {target.description}")
        p = plan_upsert(rows, target.read())
        say(f"Plan: {p.summary()}")
        if not dry_run and p.has_writes:
            parts = []
            if p.appends:
                parts.append(f"appending {len(p.appends)} row(s)")
            if p.updates:
                parts.append(f"updating {len(p.updates)} cell(s)")
            say("Writing: " + ", ".join(parts))
            target.apply(p)
    return PushResult(plan=p, target=target.name, url=target.url, requests=target.request_count - before,
                      dry_run=dry_run)


def check_rows(rows: Sequence[Mapping[str, Any]]) -> None:
    """InputError naming the rows that have no video id (none in ``video_id``, no YouTube link in ``url``),
    then those with a negative count (views, likes, comments): nothing is written for either."""
    bad = [i for i, r in enumerate(rows, start=1) if not row_to_cells(r)["Video ID"]]
    if bad:
        where = ", ".join(f"row {i}" for i in bad[:5]) + (", …" if len(bad) > 5 else "")
        noun = "row has" if len(bad) == 1 else "rows have"
        raise InputError(f"{len(bad):,} {noun} no video id ({where}): give every row a video_id or a YouTube url, "
                         "as `fetch --format json` prints them.")
    negative = [(i, found) for i, r in enumerate(rows, start=1) if (found := negative_counts(r))]
    if negative:
        where = ", ".join(f"row {i} {' '.join(found)}" for i, found in negative[:5]) + (", …" if len(negative) > 5 else "")
        noun = "row has" if len(negative) == 1 else "rows have"
        raise InputError(f"{len(negative):,} {noun} a negative count ({where}): views, likes and comments are "
                         "never below 0; fix or drop those rows (nothing was written).")
