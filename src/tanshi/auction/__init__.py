"""Auctions of allowances: uniform-price sealed-bid clearing, pure functions of bids and terms."""

from tanshi.auction.bids import Bid, parse_bids, parse_guarantees
from tanshi.auction.clearing import (
    AuctionResult,
    AuctionTerms,
    Award,
    check_terms,
    clear_auction,
)

__all__ = [
    "AuctionResult",
    "AuctionTerms",
    "Award",
    "Bid",
    "check_terms",
    "clear_auction",
    "parse_bids",
    "parse_guarantees",
]
