"""Pages answer while another connection holds SQLite's write lock (store/engine.py
``reader``): showing a page neither waits for a writer nor takes the lock."""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor

from service_world import World, held_write_lock

REGULATOR_PAGES = (
    "/public", "/regulator", "/regulator/companies/A1", "/regulator/registry",
    "/regulator/allocation?year=2016", "/regulator/verification?year=2016",
    "/regulator/surveillance?on=2017-03-01", "/approvals", "/audit", "/market",
    "/trade",
)  # fmt: skip
OFFICER_PAGES = ("/company", "/account", "/accounts/DP-OH-A1/controls", "/reports?year=2016")


def test_pages_answer_while_a_writer_holds_the_lock(world: World) -> None:
    regulator, officer = world.browser("regulator"), world.browser("officer-a")
    visits = [(regulator, p) for p in REGULATOR_PAGES] + [(officer, p) for p in OFFICER_PAGES]
    with held_write_lock(world.engine), ThreadPoolExecutor(1) as thread:
        for client, path in visits:
            answer = thread.submit(client.get, path).result(timeout=3)
            assert answer.status_code == 200, (path, answer.status_code)
            assert "csrf_token" in answer.text or path == "/public", path  # logged in
