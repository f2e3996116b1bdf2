"""The regulator cancels an announced auction from the allocation page, with a reason and a
confirmation; the bidder's page and the public auction page then say it was cancelled, and
why."""

from __future__ import annotations

from test_auction_bid_pages import _open_book
from test_pages import _csrf, _login

from service_world import World

WHY = "交易系统故障，暂停拍卖 <script>"  # kept and shown as given, escaped


def test_the_regulator_cancels_with_a_reason_and_everyone_sees_it(world: World) -> None:
    _open_book(world)
    bid = world.client.post("/v1/auction-notices/2016-B1/bids",
                            json={"price_per_t": "21.00", "quantity_t": 2000},
                            headers=world.token("officer-a") | {"Idempotency-Key": "wb"})  # fmt: skip
    assert bid.status_code == 201, bid.json()
    client = _login(world, "regulator")
    page = client.get("/regulator/allocation?year=2016").text
    assert 'action="/regulator/auction-notices/2016-B1/cancel"' in page and "取消拍卖" in page
    token = _csrf(page)
    form = {"csrf_token": token, "reason": WHY, "confirm": "on"}
    stale = client.post("/regulator/auction-notices/2016-B1/cancel",
                        data=form | {"csrf_token": "forged", "form_key": "x0"})  # fmt: skip
    assert stale.status_code == 403
    unconfirmed = client.post("/regulator/auction-notices/2016-B1/cancel",
                              data={"csrf_token": token, "reason": WHY, "form_key": "x1"})  # fmt: skip
    assert unconfirmed.status_code == 422 and 'data-code="cancel_not_confirmed"' in unconfirmed.text
    bare = client.post("/regulator/auction-notices/2016-B1/cancel",
                       data=form | {"reason": " ", "form_key": "x2"})  # fmt: skip
    assert bare.status_code == 422 and 'data-code="cancel_reason_required"' in bare.text
    officer = world.browser("officer-a")
    forbidden = officer.post("/regulator/auction-notices/2016-B1/cancel",
                             data=form | {"csrf_token": _csrf(officer.get("/company").text),
                                          "form_key": "x3"})  # fmt: skip
    assert forbidden.status_code == 403 and 'data-code="forbidden"' in forbidden.text

    done = client.post("/regulator/auction-notices/2016-B1/cancel", data=form | {"form_key": "c1"})

    assert done.status_code == 200, done.text
    assert "拍卖 2016-B1 已取消：1 笔有效投标终止，释放冻结资金 42,000.00" in done.text
    desk = client.get("/regulator/allocation?year=2016").text
    assert "2016-B1 · 已取消" in desk and "regulator 于 2017-03-01 10:00 取消" in desk
    assert "暂停拍卖 &lt;script&gt;" in desk
    assert "/regulator/auction-notices/2016-B1/cancel" not in desk
    assert "/regulator/auction-notices/2016-B1/clear" not in desk
    again = client.post("/regulator/auction-notices/2016-B1/cancel",
                        data=form | {"form_key": "c2"})  # fmt: skip
    assert again.status_code == 422 and 'data-code="auction_cancelled"' in again.text

    panel = officer.get("/auctions/bids").text
    assert "2016-B1 · 已取消" in panel and "暂停拍卖 &lt;script&gt;" in panel
    assert "/auctions/bids/1/withdraw" not in panel and 'id="bid-form"' not in panel
    client.cookies.clear()
    public = client.get("/public/auctions").text
    assert "已取消的拍卖" in public and "暂停拍卖 &lt;script&gt;" in public
    assert "regulator" not in public.split("已取消的拍卖")[1].split("</table>")[0]
