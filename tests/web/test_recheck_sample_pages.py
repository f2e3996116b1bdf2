"""The regulator's verification page draws the re-check sample from its own jurisdiction's
verified reports only (DP beside SZ, tests/two_jurisdictions.py)."""

from __future__ import annotations

import re

from test_pages import _csrf, _login

from service_world import World
from two_jurisdictions import add_shenzhen, verified_in_both


def test_the_page_draws_from_the_regulators_own_reports(world: World) -> None:
    add_shenzhen(world)
    verified_in_both(world)
    client = _login(world, "regulator")
    page = client.get("/regulator/verification?year=2016")
    assert page.status_code == 200
    assert "抽样只在本辖区已核查的报告中进行。" in page.text
    drawn = set()
    for seed in range(1, 13):
        token = _csrf(client.get("/regulator/verification?year=2016").text)
        answer = client.post("/regulator/verification/2016/sample",
                             data={"csrf_token": token, "seed": str(seed)},
                             headers={"HX-Request": "true"})  # fmt: skip
        assert answer.status_code == 200, answer.text
        drawn |= set(re.findall(r"\b([A-Z]\d)\b", answer.text))
    assert drawn and drawn <= {"A1", "B1", "C1"}
