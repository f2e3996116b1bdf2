"""Reports as files through the API on both stores: the compliance table and bulletin,
holdings, the transaction log, the verification table, bars and the weekly bulletin; and
the public pages' links to them."""

from __future__ import annotations

import re
from datetime import UTC, datetime

from verified_case import verified_case

from service_world import World
from tanshi.services import compliance as compliance_service
from tanshi.services.jurisdiction import load_jurisdiction


def _write(world: World, username: str, key: str) -> dict[str, str]:
    return world.token(username) | {"Idempotency-Key": key}


def _traded(world: World) -> None:
    sell = {"product": "DPEA-2016", "side": "sell", "quantity_t": 100, "price_cny_per_t": "28.50"}
    buy = {"product": "DPEA-2016", "side": "buy", "quantity_t": 60, "price_cny_per_t": "29.00"}
    for username, order, key in (("officer-b", sell, "s"), ("trader", buy, "b")):
        placed = world.client.post("/v1/exchange/orders", json=order,
                                   headers=_write(world, username, key))  # fmt: skip
        assert placed.status_code == 201, placed.json()


def test_market_reports_as_files(world: World) -> None:
    _traded(world)
    bars = world.client.get("/v1/public/market/DPEA-2016/bars.csv?interval=day")
    assert bars.headers["content-type"].startswith("text/csv")
    assert "28.50" in bars.text and "attachment" in bars.headers["content-disposition"]
    page = world.client.get("/v1/public/market/DPEA-2016/bulletin.html?week=2017-03-01")
    assert page.status_code == 200 and page.headers["content-type"].startswith("text/html")
    pdf = world.client.get("/v1/public/market/DPEA-2016/bulletin.pdf?week=2017-03-01&english=true")
    assert pdf.headers["content-type"] == "application/pdf" and pdf.content.startswith(b"%PDF")
    far = world.client.get("/v1/public/market/DPEA-2016/bulletin.html?week=9999-12-31")
    assert far.status_code == 422, far.text
    none = world.client.get("/v1/public/market/DPEA-2017/bulletin.html?week=2017-03-01")
    assert (none.status_code, none.json()["error"]["code"]) == (404, "no_trades")
    unknown = world.client.get("/v1/public/market/XX-1/bars.csv")
    assert unknown.status_code == 404


def test_registry_and_compliance_reports_as_files(world: World) -> None:
    missing = world.client.get("/v1/public/compliance/2016/report.csv")
    assert (missing.status_code, missing.json()["error"]["code"]) == (404, "no_compliance_table")
    place = load_jurisdiction(world.engine, "DP")
    compliance_service.run_compliance(world.engine, place, 2016, datetime(2018, 1, 2, tzinfo=UTC))
    table = world.client.get("/v1/public/compliance/2016/report.csv")
    assert table.headers["content-type"].startswith("text/csv")
    rows = table.text.splitlines()
    assert rows[0].startswith("company,name,sector") and len(rows) == 4
    public = world.client.get("/v1/public/compliance/2016").json()["items"]
    assert [row.split(",")[-1] for row in rows[1:]] == [line["status"] for line in public]
    bulletin = world.client.get("/v1/public/compliance/2016/report.html")
    assert bulletin.headers["content-type"].startswith("text/html") and "A1" in bulletin.text
    holdings = world.client.get("/v1/public/holdings-by-kind.csv")
    assert "DPEA-2016,operator_holding,3,3000" in holdings.text.splitlines()

    regulator = world.token("regulator")
    log = world.client.get("/v1/registry/transaction-log?limit=2", headers=regulator).json()
    assert (log["items"][0]["type"], log["next_offset"]) == ("issuance", 2)
    assert log["total"] >= 4  # one issuance, three allocations
    early = world.client.get("/v1/registry/transaction-log?until=2000-01-01T00:00:00Z",
                             headers=regulator).json()  # fmt: skip
    assert early["total"] == 0
    text = world.client.get("/v1/registry/transaction-log.csv", headers=regulator).text
    assert (
        text.startswith("sequence,booked_at_utc,type")
        and len(text.splitlines()) == log["total"] + 1
    )
    for path in ("/v1/registry/transaction-log", "/v1/registry/transaction-log.csv"):
        refused = world.client.get(path, headers=world.token("officer-a"))
        assert (refused.status_code, refused.json()["error"]["code"]) == (403, "regulators_only")


def test_the_verification_table_lists_the_cases_you_may_read(world: World) -> None:
    verified_case(world)
    table = world.client.get("/v1/verification/2016/report.csv", headers=world.token("regulator"))
    assert table.headers["content-type"].startswith("text/csv")
    assert [line.split(",")[0] for line in table.text.splitlines()] == ["company", "A1"]
    other = world.client.get("/v1/verification/2016/report.csv", headers=world.token("officer-b"))
    assert other.text.splitlines() == [table.text.splitlines()[0]]
    page = world.client.get("/v1/verification/2016/report.html", headers=world.token("officer-a"))
    assert page.headers["content-type"].startswith("text/html") and "7,221.200" in page.text


def test_the_public_pages_link_the_downloads(world: World) -> None:
    _traded(world)
    page = world.client.get("/public").text
    assert "下载" in page and 'href="/v1/public/holdings-by-kind.csv"' in page
    market = world.client.get("/market?interval=day").text
    links = re.findall(r'href="(/v1/public/market/DPEA-2016/[^"]+)"', market)
    assert len(links) == 2
    for link in links:
        answer = world.client.get(link.replace("&amp;", "&"))
        assert answer.status_code == 200, answer.text
