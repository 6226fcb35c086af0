"""A dry run's plan: what a run would do with its input, computed with nothing sent."""

from __future__ import annotations

from dataclasses import dataclass, field

from bulklike.config import Settings, has_credentials
from bulklike.input.ingest import IngestStats, InputCount
from bulklike.pacing.limits import Limit
from bulklike.pacing.pacer import Pacer
from bulklike.store import planned
from bulklike.store.journal import Journal
from bulklike.store.unlikes import skipped_counts


@dataclass(frozen=True, slots=True, kw_only=True)
class Plan:
    """The input's lines sorted by what would become of them, the queue, the quota and an estimate."""

    lines: int
    new: int
    already_done: int
    already_pending: int
    duplicates: int
    invalid: int
    inputs: tuple[InputCount, ...]  # what each input gave: name, IDs (duplicates included), invalid
    pending: int  # the journal's queue after this plan: pending and planned IDs
    journal: str
    api: str
    base_url: str
    auto: bool  # --api auto: moves to v2 at the first 453
    quota: tuple[tuple[str, Limit, int], ...]  # (scope, limit, left now)
    interval_s: float
    concurrency: int
    finish: float | None  # when the queue would be done, epoch seconds
    now: float
    credentials: bool = True  # False: a dry run without credentials; quota left is unknown, the estimate a best case
    unlike: bool = False  # the plan of ``bulklike unlike``
    #: unlike: IDs of this input its filters leave alone (journaled ``skipped``), by reason
    skipped: dict[str, int] = field(default_factory=dict)
    #: the per-user limit with the longest window (the allowance likes and unlikes share), if any
    allowance: Limit | None = None


def make_plan(
    journal: Journal,
    run_id: int,
    stats: IngestStats,
    pacer: Pacer,
    settings: Settings,
    now: float,
    unlike: bool = False,
) -> Plan:
    """The plan of run ``run_id``, whose input the ingest thread has read into the journal."""
    seen = journal.ingest_counts(run_id)
    new = seen.pop("new", 0)
    earlier_pending = seen.pop("seen_pending", 0) + seen.pop("seen_planned", 0)
    earlier_done = sum(seen.values())
    pending = journal.count_pending() + planned.count(journal)
    credentials = has_credentials(settings)
    return Plan(
        lines=stats.valid + stats.invalid,
        new=new,
        already_done=earlier_done,
        already_pending=earlier_pending,
        duplicates=stats.valid - new - earlier_pending - earlier_done,
        invalid=stats.invalid,
        inputs=tuple(stats.inputs),
        pending=pending,
        journal=settings.journal,
        api=settings.api,
        base_url=settings.base_url,
        auto=settings.auto,
        quota=tuple(pacer.quota_left()) if credentials else (),
        interval_s=settings.interval,
        concurrency=settings.concurrency,
        finish=pacer.estimate_finish(pending) if pending else None,
        now=now,
        credentials=credentials,
        unlike=unlike,
        skipped=skipped_counts(journal, run_id) if unlike else {},
        allowance=max(settings.user_limits, key=lambda limit: limit.window_s, default=None),
    )
