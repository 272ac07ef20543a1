"""``push(rows, target)``: read -> plan -> apply; ``push(..., dry_run=True)`` stops after the plan."""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from .base import SheetTarget
from .planner import Plan, plan


@dataclass(frozen=True)
class PushResult:
    plan: Plan
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
    """Read ``target``, plan the upsert of ``rows`` and, unless ``dry_run``, apply it."""
    say = progress or (lambda _msg: None)
    target.set_progress(progress)
    before = target.request_count
    say(f"Reading {target.description}")
    p = plan(rows, target.read())
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
