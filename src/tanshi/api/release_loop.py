"""Delayed transfers executed when they fall due, while ``tanshi serve`` runs.

A transfer to an account off the trusted list waits out a delay (docs/registry.md); the
registry executes it at its release time only when something calls ``release_due``. This
thread does so every few seconds at the service's clock, and audits each release.
"""

from __future__ import annotations

import logging
import threading

from tanshi.api.context import Service
from tanshi.services import access_log, lifecycle
from tanshi.services.lifecycle import ProposalOutcome

log = logging.getLogger("tanshi.serve")
SOURCE = "release-schedule"


def release_once(svc: Service) -> list[ProposalOutcome]:
    """Run every delayed or queued proposal due at the service's clock; one audit line each."""
    now = svc.now()
    outcomes = lifecycle.release_due(svc.engine, now)
    for outcome in outcomes:
        access_log.audit(
            svc.engine, None, "proposal_release", str(outcome.proposal_id), SOURCE,
            outcome.result.value, now,
            {"status": outcome.status.value if outcome.status else None,
             "transaction_id": outcome.transaction_id},
        )  # fmt: skip
        log.info("proposal %s released: %s (%s)", outcome.proposal_id,
                 outcome.status.value if outcome.status else "-", outcome.result.value)  # fmt: skip
    return outcomes


class ReleaseLoop:
    """A daemon thread calling ``release_once`` every ``every_s`` seconds until stopped."""

    def __init__(self, svc: Service, every_s: float) -> None:
        self.svc, self.every_s = svc, every_s
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, name="tanshi-release", daemon=True)

    def start(self) -> ReleaseLoop:
        self._thread.start()
        return self

    def stop(self, wait_s: float = 10) -> None:
        self._stop.set()
        self._thread.join(wait_s)

    def _run(self) -> None:
        while True:
            try:
                release_once(self.svc)
            except Exception:  # a failed round is logged; the next round tries again
                log.exception("releasing due transfers failed")
            if self._stop.wait(self.every_s):
                return
