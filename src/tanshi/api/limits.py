"""How long each free text a person types may be: the API's request models and the web forms
read the same figures, so a text the API refuses as too long the web refuses too (stating
the limit), and neither cuts it."""

from __future__ import annotations

MEMO_CHARS = 500  # a transfer's memo
VERIFICATION_TEXT_CHARS = 2000  # a finding's description, a withdrawal's reason, a re-check note
BODY_CODE_CHARS = 40  # a verification body's code
AUCTION_CODE_CHARS = 80  # an announced auction's code
ACCOUNT_CODE_CHARS = 40  # an account's code typed on a form (trusted list, freeze, waiver)
UNIT_CLASS_CHARS = 60  # a unit class's code, e.g. DPEA-2016
ORDER_REFERENCE_CHARS = 200  # a freeze order's reference
CONTROL_REASON_CHARS = 500  # why units are frozen or released
DECLARED_BY_CHARS = 60  # the representative who declared a waiver (a username)
FILE_TEXT_CHARS = 60_000  # a monitoring plan (TOML) or an annual report (CSV)
NAME_CHARS = 200  # a person's or an organisation's name
