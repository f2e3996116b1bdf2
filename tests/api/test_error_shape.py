"""The one error shape, applied strictly: tanshi's own sentences for bad input (what is wrong,
the limit, what was sent), one convention for ``field``, true/false refused as numbers,
unknown filter values refused with the allowed ones, registry refusals with their figures and
a verification step from the wrong state naming the state and the next step."""

from __future__ import annotations

import pytest

from grid_site_text import REPORT_CSV, STATED_T, grid_site_plan
from service_world import NOW, World
from tanshi.services import verification as vf

TRANSFER = {"from_account": "DP-OH-A1", "to_account": "DP-OH-B1", "unit_class": "DPEA-2016",
            "quantity_t": 5}  # fmt: skip


def _post(world: World, user: str, key: str, path: str, body: object = None, **kwargs):
    headers = world.token(user) | {"Idempotency-Key": key}
    return world.client.post(path, json=body, headers=headers, **kwargs)


def test_malformed_json_says_where_and_how_to_fix_it(world: World) -> None:
    headers = world.token("officer-a") | {
        "Idempotency-Key": "j",
        "Content-Type": "application/json",
    }
    answer = world.client.post("/v1/transfers", content=b'{\n  "quantity_t": 5,,\n}',
                               headers=headers)  # fmt: skip
    assert answer.status_code == 422
    error = answer.json()["error"]
    assert (error["code"], error["field"]) == ("json_invalid", "body")
    assert "line 2, column 19" in error["message"] and "send a JSON object" in error["message"]


@pytest.mark.parametrize(
    ("change", "code", "message"),
    [
        ({"quantity_t": True}, "int_type", "quantity_t must be a whole number, a JSON number such "
         "as 5; you sent true"),
        ({"quantity_t": -5}, "greater_than", "quantity_t must be a whole number above 0; you "
         "sent -5"),
        ({"quantity_t": 1.5}, "int_from_float", "quantity_t must be a whole number"),
        ({"memo": "x" * 600}, "string_too_long", "memo is at most 500 characters long (you sent "
         "600); shorten it"),
        ({"owner": "me"}, "extra_forbidden", "owner is not a field of this request; remove it"),
        ({"to_account": None}, "string_type", "to_account must be text"),
    ],
)  # fmt: skip
def test_validation_messages_say_the_constraint_and_what_was_sent(
    world: World, change: dict, code: str, message: str
) -> None:
    answer = _post(world, "officer-a", "v", "/v1/transfers", TRANSFER | change)
    assert answer.status_code == 422, answer.text
    error = answer.json()["error"]
    assert error["code"] == code and error["field"] == f"body.{next(iter(change))}"
    assert error["message"].startswith(message), error["message"]
    assert world.client.get("/v1/proposals", headers=world.token("officer-a")).json()["total"] == 0


def test_missing_fields_are_all_listed(world: World) -> None:
    error = _post(world, "officer-a", "m", "/v1/transfers", {"from_account": "DP-OH-A1"}).json()
    assert [(d["field"], d["message"]) for d in error["error"]["details"]] == [
        ("body.to_account", "to_account is required; add it"),
        ("body.unit_class", "unit_class is required; add it"),
        ("body.quantity_t", "quantity_t is required; add it"),
    ]


def test_numbers_in_strings_stay_accepted_and_booleans_take_only_true_or_false(
    world: World,
) -> None:
    """docs/api.md: numbers, or decimal strings; true and false are no numbers, and a
    true-or-false field takes nothing else (pydantic alone reads 1 and "yes" as true)."""
    made = _post(world, "officer-a", "s", "/v1/transfers", TRANSFER | {"quantity_t": "7"})
    assert made.status_code == 202 and made.json()["quantity_units"] == 7
    body = {"code": "VB7", "name": "Seven", "accredited": 1}
    refused = _post(world, "regulator", "b", "/v1/verification-bodies", body)
    assert refused.status_code == 422
    error = refused.json()["error"]
    assert (error["code"], error["field"]) == ("bool_type", "body.accredited")
    assert error["message"] == "accredited must be true or false; you sent 1"


def test_path_and_query_fields_are_named_by_their_place(world: World) -> None:
    reader = world.token("officer-a")
    error = world.client.get("/v1/proposals/abc", headers=reader).json()["error"]
    assert (error["field"], error["message"]) == (
        "path.proposal_id",
        'proposal_id must be a whole number, such as 5; you sent "abc"',
    )
    hidden = world.client.get("/v1/proposals/999", headers=reader).json()["error"]
    assert (hidden["code"], hidden["field"]) == ("proposal_not_found", "path.proposal_id")


@pytest.mark.parametrize(
    ("path", "field", "code", "allowed"),
    [
        ("/v1/accounts?kind=bogus", "query.kind", "enum", "operator_holding"),
        ("/v1/accounts?status=bogus", "query.status", "enum", "frozen"),
        ("/v1/proposals?status=bogus", "query.status", "enum", "awaiting_approval"),
        ("/v1/transactions?type=bogus", "query.type", "unknown_transaction_type", "surrender"),
        ("/v1/compliance/2016?status=bogus", "query.status", "enum", "non_compliant"),
    ],
)
def test_unknown_filter_values_are_refused_with_the_allowed_ones(
    world: World, path: str, field: str, code: str, allowed: str
) -> None:
    answer = world.client.get(path, headers=world.token("regulator"))
    assert answer.status_code == 422, answer.text
    error = answer.json()["error"]
    assert (error["code"], error["field"]) == (code, field)
    assert "must be one of" in error["message"] and allowed in error["message"]
    assert '"bogus"' in error["message"]


def test_registry_refusals_give_the_figures_and_the_field(world: World) -> None:
    short = _post(world, "officer-a", "big", "/v1/transfers", TRANSFER | {"quantity_t": 10**11})
    assert short.status_code == 422
    error = short.json()["error"]
    assert (error["code"], error["field"]) == ("insufficient_units", "body.quantity_t")
    assert "DP-OH-A1 holds 1,000 units of DPEA-2016 free to move, 100,000,000,000 are needed" in (
        error["message"])  # fmt: skip
    order = {"unit_class": "DPEA-2016", "quantity_t": 1, "order_reference": "court 1",
             "reason": "claim", "serials": [[5, 1]]}  # fmt: skip
    backwards = _post(world, "regulator", "f", "/v1/accounts/DP-OH-A1/freezes", order)
    error = backwards.json()["error"]
    assert (error["code"], error["field"]) == ("serials_do_not_match_quantity", "body.serials")
    assert "name 0 units, the quantity is 1" in error["message"]
    assert "a block ends before it starts (5-1)" in error["message"]
    frozen = _post(world, "regulator", "f2", "/v1/accounts/DP-OH-A1/freezes",
                   order | {"quantity_t": 5000, "serials": None})  # fmt: skip
    assert "DP-OH-A1 holds 1,000 units of DPEA-2016 free to move, 5,000 are needed" in (
        frozen.json()["error"]["message"])  # fmt: skip


def test_surrender_problems_point_at_their_field(world: World) -> None:
    body = {"company": "A1", "unit_class": "NOPE-1", "quantity_t": 5, "year": 2016}
    error = _post(world, "officer-a", "u", "/v1/surrenders", body).json()["error"]
    assert (error["code"], error["field"]) == ("unknown_unit_class", "body.unit_class")
    error = _post(world, "officer-a", "y", "/v1/surrenders", body | {"year": 2150,
                  "unit_class": "DPEA-2016"}).json()["error"]  # fmt: skip
    assert (error["code"], error["field"]) == ("no_rule_in_force", "body.year")


def test_a_step_from_the_wrong_state_names_the_state_and_the_next_step(world: World) -> None:
    assert vf.register_body(world.engine, "VER", "VER", NOW) == []
    _post(world, "officer-a", "p", "/v1/monitoring-plans", {"toml": grid_site_plan("A1")})
    report = {"year": 2016, "stated_t": STATED_T, "csv": REPORT_CSV}
    assert _post(world, "officer-a", "r", "/v1/reports", report).status_code == 201
    early = _post(world, "regulator", "x", "/v1/verification/2016/A1/recheck-assign",
                  {"body": "VER"})  # fmt: skip
    assert early.status_code == 409
    error = early.json()["error"]
    assert (error["code"], error["field"]) == ("invalid_state", "path.company")
    assert error["message"] == (
        "the case of A1 for 2016 is submitted; assign_recheck starts from verified; from "
        "submitted the next step is assign (…/assign, by the regulator)"
    )


def test_upload_problems_point_at_the_uploaded_text(world: World) -> None:
    plan = _post(world, "officer-a", "bad", "/v1/monitoring-plans", {"toml": "company ="})
    error = plan.json()["error"]
    assert plan.status_code == 422 and error["field"] == "body.toml"
    assert "(at " in error["message"]
    _post(world, "officer-a", "p", "/v1/monitoring-plans", {"toml": grid_site_plan("A1")})
    report = {"year": 2016, "stated_t": STATED_T, "csv": "period,stream\nbogus"}
    refused = _post(world, "officer-a", "r", "/v1/reports", report).json()["error"]
    assert refused["code"] == "report_has_errors"
    assert {d["field"] for d in refused["details"]} <= {"body.csv", "body.stated_t",
                                                        "body.year"}  # fmt: skip


def test_a_csv_upload_problem_points_at_the_csv(world: World) -> None:
    answer = _post(world, "regulator", "u", "/v1/allocation/unit-outputs", {"csv": "garbage\n1"})
    assert answer.status_code == 422
    error = answer.json()["error"]
    assert error["field"] == "body.csv" and "(at csv" in error["message"], error


def test_releasing_more_than_a_freeze_holds_points_at_the_quantity(world: World) -> None:
    order = {"unit_class": "DPEA-2016", "quantity_t": 2, "order_reference": "court 2",
             "reason": "claim"}  # fmt: skip
    made = _post(world, "regulator", "f", "/v1/accounts/DP-OH-A1/freezes", order)
    assert made.status_code == 201, made.text
    too_much = _post(world, "regulator", "r", f"/v1/freezes/{made.json()['id']}/release",
                     {"reason": "settled", "quantity_t": 5})  # fmt: skip
    error = too_much.json()["error"]
    assert (too_much.status_code, error["code"], error["field"]) == (
        422, "insufficient_units", "body.quantity_t")  # fmt: skip


def test_the_number_word_follows_the_fields_type(world: World) -> None:
    """A decimal field is "a number", a whole one (a query's ``limit`` too) "a whole number"."""
    stated = _post(world, "officer-a", "c", "/v1/reports/check",
                   {"year": 2016, "stated_t": -5, "csv": "x"}).json()["error"]  # fmt: skip
    assert stated["message"] == "stated_t must be a number of at least 0; you sent -5"
    limit = world.client.get("/v1/accounts?limit=0", headers=world.token("officer-a")).json()
    assert (limit["error"]["field"], limit["error"]["message"]) == (
        "query.limit", 'limit must be a whole number of at least 1; you sent "0"')  # fmt: skip


def test_true_inside_a_serial_block_is_no_number(world: World) -> None:
    order = {"unit_class": "DPEA-2016", "quantity_t": 1, "order_reference": "c",
             "reason": "r", "serials": [[True, 1]]}  # fmt: skip
    error = _post(world, "regulator", "t", "/v1/accounts/DP-OH-A1/freezes", order).json()["error"]
    assert (error["code"], error["field"]) == ("int_type", "body.serials")
    assert error["message"].startswith("serials holds true or false where a whole number belongs")
