"""The regulator's market surveillance page: linked from its market overview, the alerts of
its own jurisdiction's exchange only, filtered, in Chinese (DP beside SZ, which has no
exchange)."""

from __future__ import annotations

from test_pages import _login

from service_world import World
from two_jurisdictions import add_shenzhen


def test_the_regulator_reads_its_exchanges_alerts(world: World) -> None:
    add_shenzhen(world)
    client = _login(world, "regulator")
    assert 'href="/regulator/surveillance"' in client.get("/regulator").text
    page = client.get("/regulator/surveillance?on=2017-03-01")
    assert page.status_code == 200
    assert "市场监察" in page.text and "3 条提示" in page.text and "大户持仓" in page.text
    assert all(f">DP-OH-{c}</a>" in page.text for c in ("A1", "B1", "C1"))
    assert "SZ-OH" not in page.text
    # The alert itself in Chinese, written from its params (the API's message is English).
    assert (
        "持有 1,000 吨，占各账户所持 DPEA-2016 共 3,000 吨的 33.3%（达到 5% 须报告）" in page.text
    )
    assert "in accounts" not in page.text
    one = client.get("/regulator/surveillance?account=DP-OH-B1&kind=large_holder").text
    assert "1 条提示" in one and "DP-OH-A1" not in one
    none = client.get("/regulator/surveillance?kind=wash_trade_suspected").text
    assert "暂无提示。" in none


def test_another_jurisdiction_and_other_roles_are_turned_away(world: World) -> None:
    add_shenzhen(world)
    sz = _login(world, "regulator-sz")
    page = sz.get("/regulator/surveillance")
    assert page.status_code == 404 and "no_exchange" in page.text and "DP-OH" not in page.text
    sz.cookies.clear()
    trader = _login(world, "trader")
    refused = trader.get("/regulator/surveillance")
    assert refused.status_code == 403 and "regulators_and_exchange_only" in refused.text
    assert "市场监察仅供主管部门" in refused.text
