"""The demo before its 2016 surrender deadline (docs/compliance.md): the regulator's and the
public pages list each covered company's position without a status, as the README says, and
the drill-down links only to pages its reader may open."""

from __future__ import annotations

import re
from collections.abc import Iterator

import pytest
from fastapi.testclient import TestClient
from test_labels import VisibleText, _logged_in, _switch

from service_world import fast_hashing
from tanshi.api.app import make_service
from tanshi.api.clock import service_clock
from tanshi.api.settings import Settings
from tanshi.resources import load_rulebook, parameter_table
from tanshi.services import compliance, views, year_positions
from tanshi.services.demo import run_demo
from tanshi.services.demo_users import create_demo_users
from tanshi.services.jurisdiction import load_jurisdiction
from tanshi.store.engine import open_database
from tanshi.web.app import create_app


@pytest.fixture(scope="module")
def demo(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[TestClient, dict, str]]:
    """The demo at its own moment (21 June 2017), with ten companies: one of them reports
    nothing (services/demo.py ``silent``)."""
    fast_hashing()
    engine = open_database(f"sqlite:///{tmp_path_factory.mktemp('before') / 'demo.sqlite'}")
    rulebook, text = load_rulebook("demo-province")
    run_demo(engine, rulebook, text, parameter_table(), seed=7, company_count=10)
    clock = service_clock("demo", True, engine)
    assert clock is not None
    jurisdiction = load_jurisdiction(engine, "DP")
    users = create_demo_users(engine, jurisdiction, 7, clock())
    found = compliance.positions(engine, jurisdiction, 2016)
    silent = [p.company for p in found if p.covered and p.verified_tco2 is None]
    assert len(silent) == 1 and views.compliance_years(engine) == []  # before the deadline
    client = TestClient(create_app(make_service(Settings(), engine, clock=clock)))
    yield client, {user.username: user for user in users}, silent[0]
    engine.dispose()


def _text(html: str) -> str:
    parser = VisibleText()
    parser.feed(html)
    return " ".join(" ".join(parser.parts).split())


def _row(html: str, company: str) -> str:
    found = re.search(rf"<tr[^>]*>\s*<td>(?:<a [^>]*>)?{company}\b.*?</tr>", html, re.S)
    assert found, f"no row of {company}"
    return _text(found.group())


@pytest.mark.parametrize("username", ["regulator", "auditor"])
def test_the_regulator_sees_each_position_before_the_deadline(demo, username: str) -> None:
    client, users, silent = demo
    _logged_in(client, users[username])
    _switch(client, "en")
    page = client.get("/regulator").text
    assert "No compliance table has been computed yet" not in page
    assert 'href="/regulator/companies/C001?year=2016"' in page
    assert f'href="/regulator/companies/{silent}?year=2016"' in page
    assert "none yet" in _row(page, silent)
    first = _row(page, "C001")
    assert "set at the deadline, 2017-06-30" in first and "compliant" not in first
    tiles = _text(page.split('class="tiles"')[1].split("</section>")[0])
    assert "1 no verified emissions" in tiles and "— compliant" in tiles
    filtered = client.get("/regulator?year=2016&status=no_verified_emissions").text
    assert f"/regulator/companies/{silent}?" in filtered
    assert "/regulator/companies/C001?" not in filtered
    _switch(client, "zh")
    chinese = client.get("/regulator?year=2016").text
    assert "尚未计算履约结果" not in chinese and "尚无" in _row(chinese, silent)
    # The drill-down links only to pages the reader may open (not /reports: 403).
    detail = client.get(f"/regulator/companies/{silent}?year=2016").text
    assert "/regulator/verification?year=2016" in detail and '"/reports"' not in detail
    for link in set(re.findall(r'href="(/[^"#]*)"', detail)):
        if not link.startswith(("/logout", "/lang", "/static", "/v1", "/statements")):
            assert client.get(link.replace("&amp;", "&")).status_code == 200, link


def test_the_public_page_lists_who_is_covered_and_no_figures(demo) -> None:
    client, _users, silent = demo
    client.cookies.clear()
    for locale, words in (("en", "published after the deadline, 2017-06-30"),
                          ("zh", "清缴截止日 2017-06-30 后公布")):  # fmt: skip
        page = client.get("/public", headers={"Accept-Language": locale}).text
        row = _row(page, silent)
        assert words in row, row
        assert "/regulator/companies/" not in page
        # Nothing the rules keep private before the deadline: no emissions, no surrenders.
        assert not re.search(r"\d,\d{3}", _row(page, "C001"))
        assert "status-no_verified_emissions" not in page  # who has not reported is not public


def test_the_public_list_is_the_positions_covered_companies(tmp_path) -> None:
    """The public's light read (a few queries, no figures) names exactly the companies the
    regulator's positions count covered, a surrender alone making a company covered too."""
    engine = open_database(f"sqlite:///{tmp_path / 'demo.sqlite'}")
    rulebook, text = load_rulebook("demo-province")
    run_demo(engine, rulebook, text, parameter_table(), seed=7, company_count=10)
    jurisdiction = load_jurisdiction(engine, "DP")
    for year, some in ((2016, True), (2017, False)):  # 2017: nothing allocated or verified yet
        covered = [c.company for c in year_positions.covered_companies(engine, jurisdiction, year)]
        counted = [p.company for p in compliance.positions(engine, jurisdiction, year) if p.covered]
        assert covered == counted and bool(covered) is some, year
    engine.dispose()
