"""What each refusal code means, for the person who got it, as msgids of the web catalogs.

The API answers codes and English messages; the web shows the code and this explanation in
the visitor's language (locale/*/LC_MESSAGES/messages.po translates every entry here), with
the service's English detail (which carries the figures) beneath when there is one. The
shell-neutral codes (registry, exchange, surrender, people, auctions, verification, account
controls) are ``services.refusal_texts``, which the command line and the API say too; the
codes of the web's own forms and the names of the audit log's actions are here.
"""

from __future__ import annotations

from tanshi.services.refusal_texts import (
    AUCTIONS,
    CONTROLS,
    EXCHANGE,
    PEOPLE,
    REGISTRY,
    SURRENDER,
    VERIFICATION,
)

WEB = {
    "invalid_number": "enter a whole number",
    "text_too_long": "a text on the form is longer than allowed: shorten it",
    "invalid_date": "the date is not a day of the calendar: enter it as shown",
    "to_account_required": "enter the account to transfer to",
    "unit_class_required": "enter the unit class",
    "account_required": "enter the account's code",
    "declared_by_required": "name the representative who declared it",
    "no_company": "your organisation is not a covered company",
    "forbidden": "your role may not do this",
    "form_already_sent": "this form was already sent: its answer is shown; reload the page to "
        "send another",
    "form_in_progress": "this form is being sent already: wait for its answer",
    "form_key_missing": "the form has no key, so it could act twice: reload the page",
    "allocation_not_possible": "the year cannot be allocated as things stand: see why below",
    # the verification workflow's own codes, which the pages answer as unknown_case does
    "not_permitted": "no such verification case that you may act on",
    "case_unknown": "no such verification case that you may act on",
}  # fmt: skip
EXPLANATIONS: dict[str, str] = {**VERIFICATION, **REGISTRY, **EXCHANGE, **SURRENDER,
                                **PEOPLE, **AUCTIONS, **WEB, **CONTROLS}  # fmt: skip


# What each audit-log action is, for the audit page (the code stays in the row's title).
AUDIT_ACTIONS = {
    "login": "login", "logout": "logout", "token_issued": "API token issued",
    "token_revoked": "API token revoked", "password_change": "password changed",
    "transfer": "transfer proposed", "approve": "proposal approved",
    "cancel": "proposal cancelled", "proposal_release": "delayed transfer released",
    "surrender": "surrender", "retirement": "retirement", "account_status": "account status",
    "compliance_run": "compliance computed", "order": "order", "order_cancel": "order cancelled",
    "order_amend": "order amended", "plan_file": "monitoring plan filed",
    "report_submit": "report submitted", "verification_assign": "verifier assigned",
    "verification_recheck_assign": "re-check assigned", "verification_finding": "finding",
    "verification_verify": "verification concluded", "verification_recheck": "re-check",
    "verification_sample": "re-check sample drawn",
    "verification_reassign": "verifier replaced", "verification_withdraw": "finding withdrawn", "organisation_create": "organisation added",
    "organisation_jurisdiction": "organisation placed in a jurisdiction",
    "user_create": "user added", "user_password_reset": "password reset",
    "user_totp_reset": "second factor reset", "user_unlock": "user unlocked",
    "user_deactivate": "user deactivated", "representative_set": "account rights set",
    "secrets_resealed": "second-factor secrets sealed again",
    "admin_request": "asked a second administrator",
    "admin_request_approve": "request approved", "admin_request_reject": "request rejected",
    "auction_announce": "auction announced", "auction_bid": "auction bid",
    "auction_bid_revise": "auction bid revised", "auction_bid_withdraw": "auction bid withdrawn",
    "auction_clear": "auction cleared", "auction_cancel": "auction cancelled",
    "trusted_list_add": "trusted-list addition proposed",
    "trusted_list_confirm": "trusted-list change confirmed",
    "trusted_list_withdraw": "trusted-list change withdrawn",
    "account_limit_propose": "transfer limit change proposed",
    "account_limit_confirm": "transfer limit change confirmed",
    "account_limit_withdraw": "transfer limit change withdrawn",
    "trusted_list_remove": "trusted-list removal (done or proposed)", "approval_waiver": "second-approval waiver",
    "freeze": "units frozen by order", "unfreeze": "freeze order released",
    "allocation_run": "allocation run", "auction": "auction held in one step",
    "bilateral_trade": "bilateral trade recorded", "block_trade": "block trade recorded",
    "cash_deposit": "cash deposited", "cash_withdrawal": "cash withdrawn",
    "court_transfer": "court-ordered transfer proposed",
    "court_transfer_approve": "court-ordered transfer approved",
    "court_transfer_cancel": "court-ordered transfer cancelled",
    "production_activity_levels": "activity levels recorded",
    "production_unit_outputs": "generating units' output recorded",
    "verification_body_register": "verification body registered",
    "verification_conflict": "conflict of interest recorded",
}  # fmt: skip


def explain(code: str) -> str | None:
    """The English explanation (a msgid) of a refusal code, if it has one."""
    return EXPLANATIONS.get(code)
