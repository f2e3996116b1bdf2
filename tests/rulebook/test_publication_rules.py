"""The public transaction log's delay as a rule: what is published on a given day."""

from __future__ import annotations

from datetime import date, timedelta
from typing import get_args

import pytest
from hypothesis import given
from hypothesis import strategies as st
from pydantic import ValidationError

from tanshi.registry.accounts import AccountKind
from tanshi.resources import load_rulebook
from tanshi.rulebook.publication_rules import AccountKindName, PublicationRule

EU = load_rulebook("eu-ets")[0].publication[0]


def test_the_eu_publishes_on_1_may_what_was_booked_by_30_april_three_years_before() -> None:
    # Reg. (EU) 2019/1122 Annex XIII point 4.
    assert EU.published_before(date(2024, 4, 30)) == date(2020, 5, 1)
    assert EU.published_before(date(2024, 5, 1)) == date(2021, 5, 1)
    assert EU.next_release(date(2024, 5, 1)) == date(2025, 5, 1)
    assert EU.next_release(date(2024, 4, 30)) == date(2024, 5, 1)
    assert "management" in EU.source and EU.confidence.value == "V"


@given(st.dates(min_value=date(2000, 1, 1), max_value=date(2090, 12, 31)),
       st.integers(0, 10), st.sampled_from(["01-01", "05-01", "12-31", "02-28"]))  # fmt: skip
def test_nothing_is_published_before_its_delay(today: date, years: int, day: str) -> None:
    rule = EU.model_copy(update={"transaction_log_delay_years": years,
                                 "transaction_log_release_month_day": day})  # fmt: skip
    before = rule.published_before(today)
    released_on = rule.next_release(before.replace(year=before.year + years) - timedelta(days=1))
    assert released_on <= today  # what is public was released on a past release day
    assert rule.published_before(rule.next_release(today)) > before  # and the log grows
    assert rule.next_release(today) > today


def test_the_release_day_is_a_day_of_every_year() -> None:
    with pytest.raises(ValidationError, match="not a day of every year"):
        EU.model_validate(EU.model_dump() | {"transaction_log_release_month_day": "02-29"})


def test_the_account_kinds_a_rule_may_hide_are_the_registrys() -> None:
    assert set(get_args(AccountKindName)) == {kind.value for kind in AccountKind}
    assert set(EU.transaction_log_hidden_between) <= set(get_args(AccountKindName))
    assert isinstance(EU, PublicationRule)


def test_the_eu_shows_its_log_in_cet_read_as_brussels_time_and_a_zone_must_exist() -> None:
    # Annex XIII point 4: "date and time of completion (CET)".
    assert EU.transaction_log_display_timezone == "Europe/Brussels"
    demo = load_rulebook("demo-province")[0].publication[0]
    assert demo.transaction_log_display_timezone is None  # shown in UTC
    with pytest.raises(ValidationError, match="unknown time zone 'CET/Brussels'"):
        EU.model_validate(EU.model_dump() | {"transaction_log_display_timezone": "CET/Brussels"})
