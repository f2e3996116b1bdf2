"""A report with unreadable lines: the web page (zh and en) and the API list the same problems,
every line's, each at its file line and column, beside the plan's checks of the lines read."""

from __future__ import annotations

from test_pages import _csrf

from grid_site_text import grid_site_plan
from service_world import World

PLAN = grid_site_plan("A1")
# The QA's file: line 2 has no quantity, line 3 a word, line 14 a stream the plan does not
# have and line 15 a thirteenth month; the other months and the total are fine.
BAD = (
    "unit,stream,month,quantity\nsite,grid,1,\nsite,grid,2,abc\n"
    + "".join(f"site,grid,{m},1000\n" for m in range(3, 13))
    + "site,boiler,1,5\nsite,grid,13,1000\nsite,grid,total,12000\n"
)
PROBLEMS = [
    ("missing_value", "report.csv line 2, column 4",
     "the quantity is empty; give a number such as 1234.5"),
    ("not_a_number", "report.csv line 3, column 4",
     "the quantity is “abc”, not a number; give a number such as 1234.5, with a point for "
     "decimals and no thousands separators"),
    ("month_invalid", "report.csv line 15, column 3",
     "the month is “13”; give 1 to 12, or total for the year's own quantity"),
    ("stream_not_in_plan", "site/boiler month 1",
     "this unit and stream are not in the monitoring plan; report only planned streams or "
     "have the plan amended first"),
]  # fmt: skip


def _check(client, token: str, text: str) -> str:
    return client.post("/reports/check", data={"csrf_token": token, "year": "2016",
                                               "stated_t": "7,321.2"},
                       files={"report": ("report.csv", text.encode(), "text/csv")}).text  # fmt: skip


def test_every_unreadable_line_and_every_planned_check_in_both_languages(world: World) -> None:
    client = world.browser("officer-a")
    token = _csrf(client.get("/reports?year=2016").text)
    client.post("/reports/plan", data={"csrf_token": token, "toml": PLAN})
    checked = _check(client, token, BAD)
    assert 'data-code="report_has_errors"' in checked
    assert "<code>missing_value</code></td><td>report.csv 第 2 行第 4 列</td>" in checked
    assert "quantity 为空；请填写数字，例如 1234.5" in checked
    assert "quantity 为“abc”，不是数字" in checked
    assert "月份（month）为“13”；请填写 1 至 12，年度合计填 total" in checked
    assert "<code>stream_not_in_plan</code></td><td>site/boiler 第 1 月</td>" in checked
    assert "cannot read the row" not in checked and "NoneType" not in checked
    # The whole is not judged from the lines read: no month or total is missing for real.
    assert "missing_months" not in checked and "annual_total_mismatch" not in checked
    client.post("/lang", data={"to": "en", "csrf_token": token})
    english = _check(client, token, BAD)
    for code, where, _message in PROBLEMS:
        assert f"<code>{code}</code></td><td>{where}</td>" in english
    assert "the quantity is empty; give a number such as 1234.5" in english


def test_the_api_lists_the_same_problems_and_refuses_the_submission(world: World) -> None:
    officer = world.token("officer-a")
    world.client.post("/v1/monitoring-plans", json={"toml": PLAN},
                      headers=officer | {"Idempotency-Key": "p1"})  # fmt: skip
    body = {"year": 2016, "stated_t": "7321.2", "csv": BAD}
    checked = world.client.post("/v1/reports/check", json=body, headers=officer).json()
    assert not checked["ok"]
    assert [(i["code"], i["where"], i["message"]) for i in checked["issues"]] == PROBLEMS
    refused = world.client.post("/v1/reports", json=body,
                                headers=officer | {"Idempotency-Key": "r1"})  # fmt: skip
    assert refused.status_code == 422
    details = [d["code"] for d in refused.json()["error"]["details"]]
    assert details == ["report_has_errors", *(code for code, _, _ in PROBLEMS)]
    # The API's JSON takes numbers and plain decimal strings only (the web's forms also
    # take "7,321.2", web/numbers.py).
    grouped = world.client.post("/v1/reports/check", json=body | {"stated_t": "7,321.2"},
                                headers=officer)  # fmt: skip
    assert grouped.status_code == 422
