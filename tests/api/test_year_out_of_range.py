"""A year the rulebook does not rule on, chosen by the caller, is a 422 naming the years it does."""

from __future__ import annotations

from service_world import World


def test_surrender_for_a_year_without_rules_is_422_with_the_years_in_force(world: World) -> None:
    officer = world.token("officer-a")
    body = {"company": "A1", "unit_class": "DPEA-2016", "quantity_t": 5, "year": 2150}
    headers = officer | {"Idempotency-Key": "far-year"}
    refused = world.client.post("/v1/surrenders", json=body, headers=headers)
    assert refused.status_code == 422, refused.text
    error = refused.json()["error"]
    assert (error["code"], error["field"], error["label"]) == (
        "no_rule_in_force",
        "body.year",
        "compliance year",
    )
    # One sentence: the year asked, the years ruled on, what to do; the year said once.
    assert error["message"] == ("the rulebook has no rules for 2150; it has rules for "
                                "2016-2020: choose one of those years")  # fmt: skip
    # Kept and replayed like any refusal.
    again = world.client.post("/v1/surrenders", json=body, headers=headers)
    assert (again.status_code, again.json()) == (422, refused.json())


def test_year_routes_never_answer_500_for_a_year_without_rules(world: World) -> None:
    regulator = world.token("regulator")
    for path in ("/v1/compliance/2150", "/v1/compliance/2150/coverage",
                 "/v1/allocation/2150", "/v1/allocation/2150/summary",
                 "/v1/auction-terms/2150", "/v1/verification/2150",
                 "/v1/public/compliance/2150/report.csv",
                 "/v1/public/compliance/2150/report.html"):  # fmt: skip
        answer = world.client.get(path, headers=regulator)
        assert answer.status_code < 500, (path, answer.text)
    for path in ("/v1/compliance/2150/run", "/v1/allocation/2150/run", "/v1/allocation/2150"):
        sent = regulator | {"Idempotency-Key": path}
        answer = (world.client.get(path, headers=regulator) if "run" not in path
                  else world.client.post(path, headers=sent))  # fmt: skip
        assert answer.status_code == 422, (path, answer.text)
        error = answer.json()["error"]
        assert error["code"] == "no_rule_in_force" and "rules for 2016-2020" in error["message"]
        assert error["message"].count("2150") == 1, error["message"]
        assert error["field"] == "path.year", (path, error)
