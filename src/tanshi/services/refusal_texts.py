"""What each refusal code means, for the person who got it: one English sentence per code.

The shell-neutral table every front end says a refusal with (the registry, the exchange,
surrender, people, auctions, verification, account controls): the web shows the explanation
in the visitor's language (``web.refusals`` adds its own form codes; the web catalogs
translate every entry here as a msgid), the API answers verification's refusals with it
(``api.mrv_desk.explain``), the command line prints it as a problem's message
(``cli.common.registry_refusal``), and a registry result code without an explanation is
said by ``unexplained``, the sentence the API answers too (``api.errors.from_result``).
Plain data and pure functions: nothing here reads a database or knows a language.
"""

from __future__ import annotations

# Where every registry result code is described (the fallback for a code without a sentence).
RESULT_CODES_DOC = "docs/registry.md, Result codes"

REGISTRY = {
    "idempotency_key_must_be_1_to_200_characters": "the form's key is malformed: reload the page",
    "idempotency_key_reused_with_different_request":
        "this form was already sent with other values: reload the page to send another",
    "unknown_transaction_type": "the registry does not know this kind of transaction",
    "transaction_type_not_open_to_people": "only the registry itself makes this kind of "
        "transaction",
    "proposal_must_have_one_source_account": "a proposal moves units out of one account only",
    "proposal_not_found": "no such proposal that you may see",
    "proposal_not_awaiting_approval": "the proposal is no longer waiting for approval",
    "proposal_not_cancellable": "only a proposal that awaits approval or is delayed can be "
        "cancelled",
    "initiator_lacks_right_on_source_account": "you may not initiate transfers from this "
        "account: ask an administrator for the right",
    "approver_must_differ_from_initiator": "four eyes: another representative must approve "
        "what you proposed",
    "approver_lacks_right_on_source_account": "you may not approve transfers from this account",
    "outside_business_hours": "the registry takes transfers only in business hours on working "
        "days",
    "transaction_has_no_movements": "the transaction moves nothing",
    "compliance_year_required": "name the compliance year",
    "quantity_must_be_positive": "the quantity must be more than zero",
    "accounts_must_be_different": "send to another account than the one sending",
    "unknown_account": "no such account",
    "unknown_unit_class": "no unit class with that code, e.g. DPEA-2016",
    "account_closed": "an account of the transfer is closed",
    "account_suspended": "an account of the transfer is suspended",
    "account_frozen": "the account is frozen: no units may leave it",
    "account_restricted": "the account is restricted: it may not make this transaction",
    "account_closure_pending": "an account of the transfer is being closed",
    "unit_kind_not_allowed_for_transaction_type": "this kind of unit cannot be used in this "
        "transaction",
    "source_account_kind_not_allowed": "units cannot be sent from this kind of account",
    "destination_account_kind_not_allowed": "units cannot be sent to this kind of account",
    "carry_over_must_delete_and_reissue_the_same_quantity": "a carry-over must delete and "
        "reissue the same quantity",
    "frozen_units_must_stay_with_their_account": "frozen units stay with their own account: a "
        "freeze moves them to it, a release back",
    "court_transfer_must_go_to_another_account": "a court transfer goes to the account the "
        "court names, not back to the holder: lift the freeze instead",
    "serials_do_not_match_quantity": "the serial numbers do not add up to the quantity",
    "insufficient_units": "the account does not hold that many units of this class",
    "units_reserved_for_sell_orders": "some of these units wait for the account's sell orders: "
        "have the exchange cancel the orders, then freeze again, or freeze what the account "
        "holds",
    "serials_not_held_by_source": "the sending account does not hold those serial numbers",
    "daily_limit_exceeded": "the account's daily transfer limit would be exceeded",
    "account_transaction_limit_exceeded": "the transfer is above the account's own limit per "
        "transfer",
    "untrusted_transfer_above_threshold": "above the registry's threshold a transfer may only "
        "go to an account on the trusted list",
}  # fmt: skip
EXCHANGE = {
    "unknown_product": "the exchange does not list this product",
    "market_closed": "the exchange is not trading now: see its trading days and hours",
    "duplicate_order_id": "an order with this number exists already",
    "unknown_order": "no such order of yours",
    "not_order_owner": "no such order of yours",
    "market_order_not_accepted_in_call_auction": "the call auction takes limit orders only: "
        "give a price",
    "time_in_force_not_allowed_in_this_phase": "this time in force is not allowed in the "
        "present trading phase",
    "quantity_not_a_multiple_of_the_lot": "the quantity must be a whole number of lots",
    "quantity_above_the_listed_maximum_use_a_block_trade": "the quantity is above the largest "
        "listed order: use a block trade",
    "price_must_be_positive": "the price must be more than zero",
    "price_not_a_multiple_of_the_tick": "the price is not a whole number of ticks: round it "
        "to the tick given below",
    "price_outside_the_daily_price_limits": "the price is outside today's price limits",
    "amend_changes_nothing": "the amendment changes nothing",
    "order_would_cross_own_order_in_call_auction": "the order would trade with your own order "
        "in the call auction",
    "fill_or_kill_order_cannot_fill_completely": "a fill-or-kill order must fill at once and "
        "completely, and cannot",
    "insufficient_funds": "the account does not have enough money for this order",
    "amend_exceeds_reservation": "an amendment may not need more than the order reserved",
    "invalid_price": "enter the price in CNY per tonne, e.g. 28.50",
    "invalid_side": "choose buy or sell",
    "invalid_time_in_force": "choose GTC, IOC or FOK as the time in force",
    "no_exchange": "this jurisdiction has no exchange in tanshi",
    "regulators_and_exchange_only": "market surveillance is for regulators, the exchange "
        "operator, auditors and administrators",
    "account_not_in_exchange_jurisdiction": "this account was opened in another jurisdiction, "
        "and this exchange trades only its own jurisdiction's accounts: choose one of those",
}  # fmt: skip
SURRENDER = {
    "surrender_after_deadline": "the surrender deadline of that year has passed",
    "unit_type_not_eligible": "units of this type do not count for that year",
    "offset_not_eligible": "these offsets do not count for that year",
    "vintage_not_banked": "units of an earlier vintage must be carried over (banked) first",
    "vintage_not_eligible": "a later vintage counts only up to what was borrowed for the year",
    "offsets_need_verified_emissions": "surrender offsets after the emissions are verified",
    "offset_cap_exceeded": "offsets may cover only a share of the obligation",
    "international_offset_cap_exceeded": "international credits may cover only a share of the "
        "obligation",
    "unknown_company": "no such covered company",
}  # fmt: skip
PEOPLE = {
    "invalid_username": "use 2-60 lower-case letters, digits, '.', '_' or '-' for the username",
    "unknown_role": "choose one of the roles",
    "display_name_required": "give the user's display name",
    "password_too_short": "the password is too short",
    "password_too_long": "the password is too long",
    "password_contains_username": "do not put the username in the password",
    "password_unchanged": "choose a password other than the current one",
    "passwords_differ": "the two new passwords differ",
    "current_password_wrong": "the current password is wrong",
    "account_locked": "too many failed attempts: try again later, or ask an administrator",
    "unknown_locale": "choose Chinese or English",
    "unknown_organisation": "no organisation with that code",
    "username_taken": "that username is taken",
    "unknown_user": "no such user",
    "cannot_reset_yourself": "another administrator must do this; change your own password "
        "under My account",
    "administrator_needs_the_command_line": "administrators are created and reset only on the "
        "server: tanshi user … --db …",
    "second_factor_not_enrolled": "the user has no second factor, which a representative "
        "needs: reset their second factor first",
    "invalid_code": "use 1-40 letters, digits, '-' or '_' for the code",
    "unknown_kind": "choose one of the kinds of organisation",
    "name_required": "give the organisation's name",
    "organisation_exists": "an organisation with that code exists already",
    "jurisdiction_required": "choose the regulator's jurisdiction: this database holds several",
    "jurisdiction_mismatch": "a company's organisation is in its company's jurisdiction",
    "unknown_jurisdiction": "no such jurisdiction",
    "not_your_jurisdiction": "your organisation belongs to another jurisdiction: you see and act "
        "in your own only",
    "no_jurisdiction": "your organisation belongs to no jurisdiction yet: ask an operator to "
        "place it in one",
    "login_failed": "the username, password or one-time code is wrong",
    "password_change_required": "an administrator set your password: choose your own first",
    "request_pending": "a request for this user already awaits a second administrator",
    "not_an_administrator": "this user is not an administrator: reset their second factor "
        "directly",
    "request_not_pending": "no request with that number awaits a decision",
    "approver_must_differ_from_requester": "four eyes: another administrator must approve what "
        "you asked for",
    "cannot_approve_your_own_rights": "another administrator must approve rights given to you",
    "representative_needs_second_administrator": "the user represents a registry account: ask "
        "for a new second factor, which another administrator approves",
    "second_administrator_needed": "a regulator is added by a request that a second "
        "administrator approves",
}  # fmt: skip
AUCTIONS = {
    "unknown_auction": "no such announced auction",
    "unknown_bid": "no such bid of yours",
    "bid_not_live": "the bid was already revised, withdrawn or cleared",
    "bidding_window_not_open": "the bidding window has not opened yet",
    "bidding_window_closed": "the bidding window has closed: bids are taken only while it is open",
    "bidding_window_still_open": "the bidding window is still open: clear the auction once "
        "it has closed",
    "not_whole_lots": "the quantity must be a whole number of the auction's lots",
    "not_whole_ticks": "the price must be a whole number of the auction's ticks",
    "below_reserve_price": "the price is below the auction's reserve price",
    "price_not_payable": "the price may have at most two decimal places",
    "bidder_not_eligible": "companies of this sector may not bid in this auction",
    "exceeds_purchase_limit": "your live bids together would ask more than a bidder may buy in "
        "this auction",
    "not_your_bidding_account": "choose a company you bid for",
    "window_closes_before_it_opens": "the bidding window must close after it opens",
    "auction_day_outside_window": "the auction day must be the day the bidding window closes "
        "or later",
    "moment_without_offset": "give the window's moments with their time zone",
    "auction_code_taken": "an auction with this code is already announced or recorded",
    "no_auction_terms": "the rulebook has no auction rule for that year",
    "auction_cancelled": "the auction was cancelled: it takes no bids and is not cleared",
    "auction_already_cleared": "the auction is cleared: it can no longer be cancelled",
    "cancel_reason_required": "say why the auction is cancelled",
    "cancel_reason_too_long": "the reason may have at most 2,000 characters",
    "cancel_not_confirmed": "tick the box to confirm the cancellation",
    # a bid file (or guarantees) given to the regulator's one-step auction (auction/bids.py)
    "empty_file": "the first line must be the header, as shown",
    "bad_header": "the first line must name the columns as shown",
    "bad_row": "every line needs each column, separated by commas",
    "missing_bidder": "every bid names its bidder",
    "bad_price": "a bid's price must be a number above 0",
    "bad_quantity": "a bid's quantity must be a whole number of tonnes above 0",
    "bad_guarantee": "a guarantee must be an amount of 0 or more",
    "duplicate_guarantee": "give each bidder's guarantee once",
    "unknown_bidder": "a bidder is not a registered company of this jurisdiction",
}  # fmt: skip
# The verification workflow's steps (docs/verification.md, Result codes; the API's reports and
# verification answers, the web's verification pages).
VERIFICATION = {
    "unknown_case": "no such verification case that you may act on",
    "case_exists": "a report was already submitted; resubmit only after a correction request",
    "invalid_state": "the case is not in a state this step starts from",
    "finding_unknown": "no such finding of your body stands on the current report: it was "
        "withdrawn already, or belongs to another revision or body",
    "body_unknown": "no registered verification body has that code",
    "body_not_accredited": "the body is registered but not accredited",
    "recheck_by_same_body": "a re-check must go to another body than the verifier",
    "conflict_of_interest": "the body declared a conflict of interest with the company",
    "rotation_limit": "the body verified the company in each of the last years the rules allow",
    "finding_invalid": "a misstatement needs an amount in t other than 0 that takes at most "
        "the reported figure off; a non-conformity has none; a withdrawal needs a reason",
    "report_has_errors": "the data checks found errors: fix every one listed and upload again",
    "no_verification_rules": "the jurisdiction's rulebook has no verification rules: its "
        "verification is not modelled in tanshi yet",
}  # fmt: skip
# Trusted lists, waivers and freeze orders (the registry's pages, API and commands).
CONTROLS = {
    "already_trusted": "that account is on the trusted list already",
    "trusted_account_request_pending": "an addition of that account already awaits "
        "confirmation",
    "trusted_account_removal_pending": "a removal of that account already awaits confirmation",
    "account_cannot_trust_itself": "an account is not put on its own trusted list",
    "trusted_list_change_refused": "only an authorised representative of the account changes "
        "its trusted list",
    "not_on_trusted_list": "that account is not on the trusted list",
    "approval_waiver_not_allowed": "the rulebook does not let account holders waive the "
        "second approval: every transfer needs one",
    "approval_waiver_refused": "only a representative who may approve declares the waiver; "
        "any representative withdraws it",
    "freeze_refused": "the freeze cannot be made as asked: see the details",
    "freeze_order_not_found": "no such freeze order",
    "freeze_order_released": "this freeze order was released already",
    "account_limits_not_offered": "the rulebook does not let representatives set an "
        "account's transaction limit",
    "limit_must_be_positive": "a limit is a positive number of units per transfer",
    "limit_unchanged": "the account has that limit already",
    "account_limit_request_pending": "a change of the limit already awaits confirmation",
    "account_limit_change_refused": "only an authorised representative of the account "
        "changes its limit",
    "account_limit_needs_regulator": "only the regulator confirms a change of the account's "
        "limit",
    "limit_above_registry_threshold": "an account's own limit may not be above the registry's "
        "threshold per transfer",
}  # fmt: skip
EXPLANATIONS: dict[str, str] = {**VERIFICATION, **REGISTRY, **EXCHANGE, **SURRENDER, **PEOPLE,
                                **AUCTIONS, **CONTROLS}  # fmt: skip


def explain(code: str) -> str | None:
    """The English explanation of a refusal code, if it has one."""
    return EXPLANATIONS.get(code)


def unexplained(code: str, figures: str = "", *, what: str = "the registry refused") -> str:
    """A registry result code said without an explanation: ``WHAT: CODE IN WORDS[: FIGURES]
    (see docs/registry.md, Result codes)``; ``figures`` is what the registry knows about it
    (held against needed, the serials)."""
    said = f"{what}: {code.replace('_', ' ')}"
    if figures:
        said = f"{said}: {figures}"
    return f"{said} (see {RESULT_CODES_DOC})"
