"""What a second approver reads before approving: destination, holder, unit class, and
whether approval now executes the proposal at once or holds it (untrusted destination)."""

from __future__ import annotations

from sqlalchemy import Engine

from registry_controls import CONTROLS, EU_CONTROLS, at, transfer, world
from tanshi.core.moments import to_utc
from tanshi.services import approval_outlook, views
from tanshi.services.jurisdiction import Jurisdiction
from tanshi.services.lifecycle import approve, propose, trust_account
from tanshi.services.principals import ROLE_SCOPES, Principal, Role

AUDITOR = Principal(1, "auditor", "Auditor", Role.AUDITOR, 1, "audit", None,
                    ROLE_SCOPES[Role.AUDITOR], "en")  # fmt: skip


def _waiting(engine: Engine, j: Jurisdiction, now_text: str) -> dict:
    page = views.proposal_list(engine, AUDITOR, status="awaiting_approval")
    [shown] = approval_outlook.with_outlook(engine, page.items, lambda _code: j, at(now_text))
    return shown


def test_the_queue_names_the_destination_and_the_delay_approval_would_bring(
    engine: Engine,
) -> None:
    j, a, b, unit = world(engine, CONTROLS)  # 26 h delay to an untrusted account
    proposed = propose(engine, j, transfer("t1", a, b, unit, 100, "2017-04-04T11:00"), "alice",
                       at("2017-04-04T11:00"))  # fmt: skip
    assert proposed.proposal_id is not None
    shown = _waiting(engine, j, "2017-04-04T11:30")
    assert (shown["source_account"], shown["to_account"], shown["to_holder"]) == (
        "DP-OH-A",
        "DP-OH-B",
        "Beta",
    )
    assert (shown["unit_class"], shown["quantity_units"], shown["type"]) == (
        "DPEA-2016",
        100,
        "transfer",
    )
    assert shown["destination_trusted"] is False
    assert shown["release_if_approved_now"] is not None
    # What the queue said is what approval then does.
    approved = approve(engine, j, proposed.proposal_id, "bob", at("2017-04-04T11:30"))
    assert approved.release_at is not None
    assert shown["release_if_approved_now"] == to_utc(approved.release_at).isoformat()


def test_a_trusted_destination_executes_at_once(engine: Engine) -> None:
    j, a, b, unit = world(engine, EU_CONTROLS)
    trust_account(engine, j, "DP-OH-A", "DP-OH-B", "alice", "bob", at("2017-04-03T11:00"))
    propose(engine, j, transfer("t2", a, b, unit, 10, "2017-04-10T11:00"), "alice",
            at("2017-04-10T11:00"))  # fmt: skip
    shown = _waiting(engine, j, "2017-04-10T11:05")  # Monday, open, B trusted since Friday
    assert shown["destination_trusted"] is True
    assert shown["release_if_approved_now"] is None
    assert shown["to_account"] == "DP-OH-B" and shown["unit_class"] == "DPEA-2016"
