"""How long each free text a person types may be: the API's request models and the web forms
read the same figures, so a text the API refuses as too long the web refuses too (stating
the limit), and neither cuts it."""

from __future__ import annotations

from tanshi.services import bid_book_cancel, identity, user_admin

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
COMPANY_CODE_CHARS = 40  # a covered company's code typed on a form (an organisation's company)
SERIALS_CHARS = 500  # a freeze's serial ranges as typed, e.g. 1001-1100, 2001-2005
TOTP_CHARS = 10  # a one-time code (six digits, with room for spaces)
# The services' own limits (they check them themselves), shown here so that the API's models,
# the web forms and the templates read every limit from this one place.
CANCEL_REASON_CHARS = bid_book_cancel.MAX_REASON_CHARS  # why an auction is cancelled
USERNAME_CHARS = identity.USERNAME_CHARS
ORGANISATION_CODE_CHARS = identity.ORGANISATION_CODE_CHARS
PASSWORD_CHARS = user_admin.MAX_PASSWORD_CHARS
# Numbers typed on a form are refused by value (web/forms.py, the API's models); a number
# field's maxlength is its largest value written with thousands separators, so any value the
# server takes fits and no more is typed.
MOST_UNITS = 10**12  # a quantity in whole units (tonnes)
MOST_SEED = 2**31 - 1  # a random seed
QUANTITY_CHARS = len(f"{MOST_UNITS:,}")  # 1,000,000,000,000
SEED_CHARS = len(f"{MOST_SEED:,}")  # 2,147,483,647
PRICE_CHARS = len(f"{10**9:,}.00")  # a price per tonne in yuan and fen: 1,000,000,000.00
YEAR_CHARS = 4  # a compliance year
FIGURE_CHARS = 24  # a tonnage with decimals and a sign, e.g. -1,000,000,000,000.5
