"""A second jurisdiction beside tests/service_world.py's DP: the Shenzhen pilot (SZ).

SZ covers S1 and S2, each allocated 500 SZA-2016; officer-s initiates and approver-s approves
for S1; a transfer S1 -> S2 waits for approval, as does one A1 -> B1 in DP. The regulator of
SZ is regulator-sz (organisation REG-SZ); the world's regulator (REG) is DP's, the only
jurisdiction when it was made. Both years' compliance rows are stored for 2016 (A1, S1).
"""

from __future__ import annotations

from sqlalchemy import Engine, select

from grid_site_text import REPORT_CSV, STATED_T, grid_site_plan
from service_world import NOW, PASSWORD, World
from tanshi.registry import AccountKind, AccountStatus, Movement, TransactionRequest
from tanshi.registry.lifecycle import ProposalStatus
from tanshi.resources import load_rulebook
from tanshi.services import identity, lifecycle
from tanshi.services import verification as vf
from tanshi.services.jurisdiction import (
    Jurisdiction,
    account_id,
    load_jurisdiction,
    open_jurisdiction,
    register_company,
    unit_class_id,
)
from tanshi.services.registry import execute
from tanshi.store.schema import (
    accounts,
    companies,
    compliance_results,
    jurisdictions,
    verification_cases,
)


def _allocate(engine: Engine, place: Jurisdiction, unit: str, codes: tuple[str, ...]) -> int:
    units = unit_class_id(engine, place, unit, 2016)
    issued = execute(engine, TransactionRequest("issuance", f"t/{place.code}/issue", (
        Movement(place.issuance_account, place.holding_account, units, 500 * len(codes)),), NOW))  # fmt: skip
    assert issued.ok, issued
    with engine.connect() as connection:
        holders = [account_id(connection, f"{place.code}-OH-{code}") for code in codes]
    for code, to in zip(codes, holders, strict=True):
        done = execute(engine, TransactionRequest("allocation", f"t/{place.code}/{code}", (
            Movement(place.holding_account, to, units, 500),), NOW))  # fmt: skip
        assert done.ok, done
    return units


def _waiting_transfer(engine: Engine, place: Jurisdiction, units: int, source: str, target: str,
                      initiator: str) -> int:  # fmt: skip
    with engine.connect() as connection:
        one, two = account_id(connection, source), account_id(connection, target)
    request = TransactionRequest("transfer", f"t/{source}/wait", (Movement(one, two, units, 10),),
                                 NOW)  # fmt: skip
    proposed = lifecycle.propose(engine, place, request, initiator, NOW)
    assert proposed.status is ProposalStatus.AWAITING_APPROVAL, proposed
    assert proposed.proposal_id is not None
    return proposed.proposal_id


def _compliance_row(engine: Engine, company: str, status: str) -> None:
    with engine.begin() as connection:
        found = connection.execute(companies.select().where(companies.c.code == company)).one()
        connection.execute(compliance_results.insert().values(
            company_id=found.id, year=2016, status=status, obligation_units=100,
            offsets_counted_units=0, shortfall_units=0, penalty_fen=0, price_fen_per_t=2000,
            computed_at=NOW,
        ))  # fmt: skip


def add_shenzhen(world: World) -> dict[str, int]:
    """Open SZ beside DP; the ids of the two waiting transfers, by jurisdiction."""
    engine = world.engine
    rulebook, text = load_rulebook("cn-pilot-shenzhen")
    place = open_jurisdiction(engine, rulebook, text, NOW, is_demo=False)
    for code, sector in (("S1", "power"), ("S2", "manufacturing")):
        register_company(engine, place, code, f"Company {code}", sector)
    sza = _allocate(engine, place, "SZA", ("S1", "S2"))
    for code, kind, company, jurisdiction in (
        ("REG-SZ", "regulator", None, "SZ"), ("ORG-S", "company", "S1", None),
    ):  # fmt: skip
        _, issues = identity.create_organisation(engine, code, f"Org {code}", kind, NOW, company,
                                                 jurisdiction)  # fmt: skip
        assert not issues, issues
    for username, role, organisation in (
        ("regulator-sz", "regulator", "REG-SZ"), ("officer-s", "compliance_officer", "ORG-S"),
        ("approver-s", "compliance_officer", "ORG-S"),
    ):  # fmt: skip
        _, issues = identity.create_user(engine, username, username.title(), organisation, role,
                                         PASSWORD, NOW, locale="en")  # fmt: skip
        assert not issues, issues
    lifecycle.add_representative(engine, "SZ-OH-S1", "officer-s", initiate=True, approve=False)
    lifecycle.add_representative(engine, "SZ-OH-S1", "approver-s", initiate=False, approve=True)
    dp = load_jurisdiction(engine, "DP")
    dpea = unit_class_id(engine, dp, "DPEA", 2016)
    waiting = {
        "DP": _waiting_transfer(engine, dp, dpea, "DP-OH-A1", "DP-OH-B1", "officer-a"),
        "SZ": _waiting_transfer(engine, place, sza, "SZ-OH-S1", "SZ-OH-S2", "officer-s"),
    }
    _compliance_row(engine, "A1", "compliant")
    _compliance_row(engine, "S1", "shortfall")
    return waiting


def verify_a1(world: World, keys: str) -> None:
    """A1's 2016 report through the API's workflow: plan, report, assignment to VER (registered
    here), verification; ``keys`` prefixes the idempotency keys."""
    assert vf.register_body(world.engine, "VER", "Verifier org", NOW) == []
    for username, path, body in (
        ("officer-a", "/monitoring-plans", {"toml": grid_site_plan("A1")}),
        ("officer-a", "/reports", {"year": 2016, "stated_t": STATED_T, "csv": REPORT_CSV}),
        ("regulator", "/verification/2016/A1/assign", {"body": "VER"}),
        ("verifier", "/verification/2016/A1/verify", None),
    ):  # fmt: skip
        done = world.client.post(f"/v1{path}", json=body, headers=world.token(username) | {
            "Idempotency-Key": f"{keys}/{path}"})  # fmt: skip
        assert done.status_code in (200, 201), done.json()


def verified_in_both(world: World) -> None:
    """Verified 2016 reports of A1, B1, C1 (DP) and S1, S2 (SZ), for the re-check sample: A1's
    goes through the workflow (plan, report, assignment, verification by VER); the others are
    recorded as verified beside it (the sample reads only the cases' states and companies)."""
    verify_a1(world, "verified")
    with world.engine.begin() as connection:
        ids = dict(connection.execute(select(companies.c.code, companies.c.id)).all())
        found = verification_cases.c.company_id == ids["A1"]
        case = connection.execute(verification_cases.select().where(found)).one()._asdict()
        assert case.pop("id") and case["state"] == "verified"
        for code in ("B1", "C1", "S1", "S2"):
            connection.execute(verification_cases.insert().values(
                {**case, "company_id": ids[code]}))  # fmt: skip


def open_misnamed(engine: Engine, code: str, jurisdiction: str) -> None:
    """Account ``code`` in ``jurisdiction`` whatever its code says. tanshi names every account
    it opens after its jurisdiction (``open_trading_account`` refuses any other code), so the
    row is written as ``services.jurisdiction._open_account`` writes one: as an account
    renamed by hand, or opened by another tool, would be."""
    with engine.begin() as connection:
        place = connection.execute(
            select(jurisdictions.c.id).where(jurisdictions.c.code == jurisdiction)
        ).scalar_one()
        connection.execute(accounts.insert().values(
            code=code, jurisdiction_id=place, kind=AccountKind.TRADING.value,
            status=AccountStatus.OPEN.value, holder=f"holder of {code}", company_id=None,
            allows_negative=False,
        ))  # fmt: skip
