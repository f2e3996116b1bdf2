"""What a transfer leaves on record, now that it is one transaction: proposal, answer, audit."""

from __future__ import annotations

from sqlalchemy import select

from service_world import World
from tanshi.store.schema import api_idempotency, audit_log, proposal_events, proposals

TRANSFER = {"from_account": "DP-OH-A1", "to_account": "DP-OH-C1", "unit_class": "DPEA-2016",
            "quantity_t": 100, "memo": "for C1"}  # fmt: skip


def _write(key: str, headers: dict[str, str]) -> dict[str, str]:
    return headers | {"Idempotency-Key": key}


def _audit(world: World) -> list[tuple[str, str, str]]:
    with world.engine.connect() as connection:
        rows = connection.execute(
            select(audit_log.c.action, audit_log.c.target, audit_log.c.result)
            .where(audit_log.c.action == "transfer").order_by(audit_log.c.id)
        ).all()  # fmt: skip
    return [tuple(row) for row in rows]


def test_the_answer_of_a_proposal_is_the_proposal_as_read_back(world: World) -> None:
    officer = world.token("officer-a")
    made = world.client.post("/v1/transfers", json=TRANSFER, headers=_write("t1", officer))
    assert made.status_code == 202
    shown = world.client.get(f"/v1/proposals/{made.json()['id']}", headers=officer)
    assert made.json() == shown.json()
    assert _audit(world) == [("transfer", "DP-OH-A1", "ok")]
    with world.engine.connect() as connection:
        kept = connection.execute(select(api_idempotency.c.status_code)).scalars().all()
    assert kept == [202]


def test_a_refused_proposal_stays_on_record_with_its_answer_and_audit_line(
    world: World,
) -> None:
    regulator, officer = world.token("regulator"), world.token("officer-a")
    frozen = world.client.post("/v1/accounts/DP-OH-A1/status",
                               json={"status": "frozen", "reason": "court order 17"},
                               headers=_write("f1", regulator))  # fmt: skip
    assert frozen.status_code == 200
    refused = world.client.post("/v1/transfers", json=TRANSFER, headers=_write("t1", officer))
    assert (refused.status_code, refused.json()["error"]["code"]) == (422, "account_frozen")
    with world.engine.connect() as connection:
        failed = connection.execute(select(proposals.c.id, proposals.c.status)).all()
        events = connection.execute(select(proposal_events.c.event, proposal_events.c.result))
        assert [tuple(e) for e in events] == [("proposed", "account_frozen")]
    assert [status for _, status in failed] == ["failed"]
    assert _audit(world) == [("transfer", "DP-OH-A1", "account_frozen")]
    again = world.client.post("/v1/transfers", json=TRANSFER, headers=_write("t1", officer))
    assert (again.status_code, again.json()) == (422, refused.json())
    assert len(_audit(world)) == 1  # a replay is answered from the kept answer


def test_a_refusal_before_the_registry_leaves_no_proposal_but_is_kept_and_audited(
    world: World,
) -> None:
    officer = world.token("officer-b")  # represents B1, not A1
    hidden = world.client.post("/v1/transfers", json=TRANSFER, headers=_write("t1", officer))
    assert (hidden.status_code, hidden.json()["error"]["code"]) == (404, "unknown_account")
    unknown = world.client.post("/v1/transfers",
                                json=TRANSFER | {"from_account": "DP-OH-B1", "unit_class": "X-1"},
                                headers=_write("t2", officer))  # fmt: skip
    assert (unknown.status_code, unknown.json()["error"]["field"]) == (422, "body.unit_class")
    with world.engine.connect() as connection:
        assert connection.execute(select(proposals.c.id)).all() == []
        kept = connection.execute(select(api_idempotency.c.status_code)).scalars().all()
    assert sorted(kept) == [404, 422]
    assert _audit(world) == [("transfer", "DP-OH-A1", "unknown_account"),
                             ("transfer", "DP-OH-B1", "unknown_unit_class")]  # fmt: skip
