"""The public transaction log's type filter and its CSV on both stores: the CSV has the JSON
rows, text a spreadsheet would run is quoted, and the page escapes what holders are named."""

from __future__ import annotations

import csv
import io
from datetime import UTC, datetime

from fastapi.testclient import TestClient
from sqlalchemy import update

from service_world import NOW, World
from tanshi.api.app import make_service
from tanshi.core.csv_cells import safe_cell
from tanshi.registry import Movement, TransactionRequest
from tanshi.resources import load_rulebook
from tanshi.services.jurisdiction import (
    account_id,
    load_jurisdiction,
    open_jurisdiction,
    register_company,
    unit_class_id,
)
from tanshi.services.registry import execute
from tanshi.store.schema import accounts
from tanshi.web.app import create_app
from two_jurisdictions import _allocate

NEW_YEAR_2018 = datetime(2017, 12, 31, 16, 0, tzinfo=UTC)  # midnight in the province
FORMULA = '=HYPERLINK("http://evil.example","<b>x</b>")'
SCRIPT = "<script>alert('tanshi')</script>"


def _at(world: World, moment: datetime) -> TestClient:
    app = create_app(make_service(world.settings, world.engine, clock=lambda: moment))
    return TestClient(app, base_url="http://testserver")


def _a_transfer_and_hostile_holders(world: World) -> None:
    """A1 transfers 10 to B1 (a second published type); A1 and B1 get hostile holder names."""
    place = load_jurisdiction(world.engine, "DP")
    allowances = unit_class_id(world.engine, place, "DPEA", 2016)
    with world.engine.connect() as connection:
        a1, b1 = (account_id(connection, code) for code in ("DP-OH-A1", "DP-OH-B1"))
    done = execute(world.engine, TransactionRequest(
        "transfer", "t/pub/transfer", (Movement(a1, b1, allowances, 10),), NOW))  # fmt: skip
    assert done.ok, done
    with world.engine.begin() as connection:
        connection.execute(update(accounts).where(accounts.c.code == "DP-OH-A1")
                           .values(holder=FORMULA))  # fmt: skip
        connection.execute(update(accounts).where(accounts.c.code == "DP-OH-B1")
                           .values(holder=SCRIPT))  # fmt: skip


def test_the_type_filter_keeps_one_type_and_counts_them_all(world: World) -> None:
    _a_transfer_and_hostile_holders(world)
    client = _at(world, NEW_YEAR_2018)
    whole = client.get("/v1/public/transactions").json()
    assert whole["total"] == 4 and whole["type_counts"] == {"allocation": 3, "transfer": 1}
    kept = client.get("/v1/public/transactions?type=transfer").json()
    assert kept["total"] == 1 and [r["type"] for r in kept["items"]] == ["transfer"]
    assert kept["type_counts"] == whole["type_counts"]  # counted before the filter
    both = client.get("/v1/public/transactions?type=transfer&type=allocation").json()
    assert both["total"] == 4
    none = client.get("/v1/public/transactions?type=surrender").json()
    assert (none["total"], none["items"]) == (0, [])
    wrong = client.get("/v1/public/transactions?type=reservation")
    assert wrong.status_code == 422
    error = wrong.json()["error"]
    assert (error["code"], error["field"]) == ("unknown_transaction_type", "query.type")
    assert "trading_reservation" in error["message"]


def test_the_csv_is_the_json_extract_with_formula_cells_quoted(world: World) -> None:
    _a_transfer_and_hostile_holders(world)
    client = _at(world, NEW_YEAR_2018)
    json_rows = client.get("/v1/public/transactions?limit=500").json()["items"]
    answer = client.get("/v1/public/transactions?format=csv&limit=1")  # the CSV is not paged
    assert answer.status_code == 200
    assert answer.headers["content-type"].startswith("text/csv")
    assert 'filename="public-transactions-DP-before-2018-01-01.csv"' in (
        answer.headers["content-disposition"])  # fmt: skip
    rows = list(csv.DictReader(io.StringIO(answer.text)))
    assert list(rows[0]) == list(json_rows[0])  # the JSON keys, in order, as the columns
    assert len(rows) == len(json_rows) == 4
    for got, want in zip(rows, json_rows, strict=True):
        assert got == {key: str(safe_cell(value)) for key, value in want.items()}
    holders = {row["from_holder"] for row in rows} | {row["to_holder"] for row in rows}
    assert "'" + FORMULA in holders and FORMULA not in holders  # run by no spreadsheet
    assert SCRIPT in holders  # not a formula: as it is
    only = client.get("/v1/public/transactions?format=csv&type=transfer").text
    assert len(list(csv.DictReader(io.StringIO(only)))) == 1


def test_formula_cells_per_owasp_numbers_unchanged() -> None:
    for text in ("=1+1", "+1", "-1", "@SUM(A1)", "\tx", "\rx"):
        assert safe_cell(text) == "'" + text
    assert safe_cell("Company A1") == "Company A1" and safe_cell(-5) == -5
    assert safe_cell("a=b") == "a=b" and safe_cell("") == ""


def test_the_page_filters_escapes_and_links_the_same_extract_as_csv(world: World) -> None:
    _a_transfer_and_hostile_holders(world)
    client = _at(world, NEW_YEAR_2018)
    page = client.get("/public/transactions?type=transfer")
    assert page.status_code == 200
    html = page.text
    assert "<script>alert" not in html and "&lt;script&gt;alert(&#39;tanshi&#39;)" in html
    assert "=HYPERLINK(&#34;http://evil.example&#34;,&#34;&lt;b&gt;x&lt;/b&gt;&#34;)" in html
    assert "<b>x</b>" not in html
    assert 'href="/v1/public/transactions?jurisdiction=DP&amp;type=transfer&amp;format=csv"' in html
    assert '<option value="transfer" selected>' in html and "转让 (1)" in html
    assert "DP-OH-C1" not in html  # allocations filtered out
    assert (
        "完成时间（UTC+08:00）" in html
        and "时间按本辖区时区 Asia/Shanghai（UTC+08:00）显示" in html
    )
    client.cookies.set("tanshi_lang", "en")
    english = client.get("/public/transactions?type=allocation").text
    assert "Transaction type" in english and "DP-OH-C1" in english
    assert "Completed at (UTC+08:00)" in english and "Times in Asia/Shanghai" in english
    wrong = client.get("/public/transactions?type=%3Cb%3E")
    assert wrong.status_code == 422 and "unknown_transaction_type" in wrong.text
    assert "&lt;b&gt;" in wrong.text and "'<b>'" not in wrong.text


def test_the_eu_log_shows_its_times_in_brussels_time(world: World) -> None:
    # Annex XIII point 4 publishes the completion time in CET: eu-ets.toml names the zone.
    rulebook, text = load_rulebook("eu-ets")
    place = open_jurisdiction(world.engine, rulebook, text, NOW, is_demo=False)
    register_company(world.engine, place, "E1", "Company E1", "power")
    _allocate(world.engine, place, "EUA", ("E1",))
    client = _at(world, datetime(2021, 4, 30, 22, 0, tzinfo=UTC))  # 1 May 2021 in Brussels
    body = client.get("/v1/public/transactions?jurisdiction=EU").json()
    assert body["display_timezone"] == "Europe/Brussels" and body["total"] == 1
    row = body["items"][0]
    assert (row["completed_at"], row["completed_at_local"]) == (
        "2017-03-01T02:00:00.000000", "2017-03-01T03:00:00.000000+01:00")  # fmt: skip
    page = client.get("/public/transactions?jurisdiction=EU").text
    assert "完成时间（Europe/Brussels）" in page and "2017-03-01 03:00:00" in page
    assert "时间按规则公开的时区 Europe/Brussels 显示" in page
    csv_rows = list(csv.DictReader(io.StringIO(
        client.get("/v1/public/transactions?jurisdiction=EU&format=csv").text)))  # fmt: skip
    assert csv_rows[0]["completed_at_local"] == row["completed_at_local"]
