"""Web writes: the CSRF check, the form's key (sent once), the audit line and the answer.

Every form that changes something carries a ``form_key`` made when the page was rendered;
the first answer under it is kept (services/form_keys.py), so a double click or a resubmit
acts once and shows the same answer. After each answer htmx swaps a fresh key into the form
(``key_input``), so the next submission from the same page is a new request.
"""

from __future__ import annotations

import hashlib
import json
import uuid
from collections.abc import Callable, Mapping, Sequence
from typing import Any

from fastapi import Request
from fastapi.responses import HTMLResponse

from tanshi.api.context import Service, client_address
from tanshi.api.errors import ApiError, refusal_status
from tanshi.api.limits import MOST_SEED, MOST_UNITS
from tanshi.core.errors import StepRefused, TanshiError
from tanshi.core.issues import Issue
from tanshi.rulebook.in_force import NoRuleInForce
from tanshi.services import access_log, form_keys
from tanshi.services.jurisdiction import Jurisdiction
from tanshi.services.principals import Principal
from tanshi.web.i18n import translator
from tanshi.web.labels import name_of
from tanshi.web.numbers import read_whole
from tanshi.web.problems import NAMED, detail_of, from_kept
from tanshi.web.problems import kept as kept_problems
from tanshi.web.refusals import explain
from tanshi.web.render import render
from tanshi.web.sentences import read_detail
from tanshi.web.session import Visitor, csrf_ok

Message = tuple[str, Mapping[str, object]]  # an English template (the msgid) and its values
MAX_KEY_CHARS = 64
SECRET_FIELDS = ("password", "totp", "csrf_token")  # never written to the audit log


class Verbatim(str):
    """A value shown as it is, never looked up in the catalog (a username, a secret)."""

    __slots__ = ()


class Secret(Verbatim):
    """A secret shown once (a temporary password, a TOTP secret): never kept with the form's
    answer, so a resent form shows that it was done, not the secret again."""

    __slots__ = ()


class Phrase(str):
    """A value that is itself a msgid with values (``str`` of it is the English), said in
    the visitor's language by ``say``."""

    def __new__(cls, msgid: str, **values: object) -> Phrase:
        made = super().__new__(cls, msgid.format(**values))
        made.msgid, made.values = msgid, values
        return made

    msgid: str
    values: dict[str, object]


class Listed(str):
    """Several values, each said by ``template`` (a msgid) with its own values, joined by
    the page's list separator (the msgid "; ") in the visitor's language by ``say``."""

    def __new__(cls, template: str, items: Sequence[Mapping[str, object]]) -> Listed:
        made = super().__new__(cls, "; ".join(template.format(**item) for item in items))
        made.template, made.items = template, tuple(items)
        return made

    template: str
    items: tuple[Mapping[str, object], ...]


# What a resent form answers instead of an answer that showed a secret.
SECRET_NOT_KEPT = ("this form was already sent and done; the secret it made was shown once "
                   "and is not kept: act again if it was lost")  # fmt: skip


class Refused(Exception):
    """A web write that cannot go ahead: a code, a message for the person (a msgid with its
    values) and, optionally, the service's own English detail. A detail made of problems
    (``issues``, each after its code if ``coded``, after its location if ``located``) is said
    in the page's language."""

    def __init__(self, code: str, message: str, *, detail: str | None = None,
                 issues: Sequence[Issue] = (), coded: bool = False, located: bool = False,
                 **values: object) -> None:  # fmt: skip
        super().__init__(message)
        self.code, self.message, self.values, self.detail = code, message, values, detail
        self.issues, self.coded, self.located = tuple(issues), coded, located


def refusal(code: str, detail: str | None = None, issues: Sequence[Issue] = (),
            coded: bool = False, located: bool = False) -> Refused:  # fmt: skip
    """A refusal by its code: the code's explanation (web/refusals.py), with ``detail`` (or
    ``issues``, the detail's sentences said in the page's language)."""
    if issues:
        detail = detail_of(issues, lambda text: text, coded, located=located)
    explained = explain(code)
    if explained is None:
        return Refused(code, "refused: {what}", detail=detail, issues=issues, coded=coded,
                       located=located, what=code)  # fmt: skip
    if detail == explained:
        detail, issues = None, ()
    return Refused(code, explained, detail=detail, issues=issues, coded=coded, located=located)


def refusal_for(code: str, error: TanshiError) -> Refused:
    """A refusal by ``code`` for a service's ``error``: the issue a StepRefused carries, said
    in the page's language, else the error's English message as the detail."""
    if isinstance(error, StepRefused):
        return refusal(code, issues=[error.issue])
    return refusal(code, str(error))


def refused_page(request: Request, svc: Service, who: Visitor, error: ApiError) -> HTMLResponse:
    """The result page for an ``ApiError`` a page's read raised (its status, code explained)."""
    shown = refusal(error.code, error.message)
    return render(request, svc, who, "result.html", error.status, ok=False, code=error.code,
                  message=say(who.locale, shown.message, shown.values),
                  detail=read_detail(shown.detail, translator(who.locale)))  # fmt: skip


def no_rules(error: NoRuleInForce) -> Refused:
    """A year chosen on a form that the rulebook does not rule on, in one sentence: what the
    year lacks, the years the rulebook has rules for, and to choose one of them
    (``NoRuleInForce.advice``, said from its template in the page's language)."""
    advice = error.advice()
    if not advice.template:
        return Refused("no_rule_in_force", "the rulebook has no rules for this year",
                       detail=str(error), issues=[error.issue])  # fmt: skip
    values: dict[str, Any] = {  # the issue's figures, a code NAMED read by its name
        name: value if name in NAMED else Verbatim(value) for name, value in advice.params
    }
    return Refused("no_rule_in_force", advice.template, **values)


def detail_in(locale: str, refused: Refused) -> str | None:
    """A refusal's detail in ``locale``: its problems said from their templates, if any,
    else its English sentences read back (sentences.py)."""
    if not refused.issues:
        return read_detail(refused.detail, translator(locale))
    return detail_of(refused.issues, translator(locale), refused.coded, located=refused.located)


def account_jurisdiction(svc: Service, code: str, who: Principal | None = None) -> Jurisdiction:
    """The jurisdiction account ``code`` was opened in (``Service.jurisdiction_of_account``),
    refused as a form is: no such account (or one ``who`` may not see) ``unknown_account``."""
    try:
        return svc.jurisdiction_of_account(code, who=who)
    except ApiError as error:
        raise refusal(error.code) from error


def refusal_of(issues: Sequence[Issue]) -> Refused:
    """The first issue's code explained; every issue's message as the detail."""
    return refusal(issues[0].code, issues=issues)


def say(locale: str, message: str, values: Mapping[str, object]) -> str:
    """``message`` in the visitor's language, with its values (themselves translated, a
    status by its name in labels.py, a ``Phrase`` with its own values, unless ``Verbatim``)."""
    translate = translator(locale)

    def value(v: object) -> object:
        if isinstance(v, Listed):
            return translate("; ").join(
                translate(v.template).format(**{k: value(x) for k, x in item.items()})
                for item in v.items
            )
        if isinstance(v, Phrase):
            return translate(v.msgid).format(**v.values)
        return v if isinstance(v, Verbatim) else translate(name_of(v))

    return translate(message).format(**{k: value(v) for k, v in values.items()})


def whole_number(text: str | None, name: str) -> int:
    """A form's whole number from 1 to 10^12, plain or grouped (``1,000``; web/numbers.py)."""
    value = read_whole(text)
    if value is None:
        raise Refused("invalid_number", "{name}: enter a whole number, e.g. 1,000 or 1000",
                      name=name)  # fmt: skip
    if not 0 < value <= MOST_UNITS:
        raise Refused("invalid_number", "{name}: enter a number from 1 to 10^12", name=name)
    return value


def text_field(form: Mapping[str, str], field: str, name: str, most: int, *,
               strip: bool = True) -> str:  # fmt: skip
    """A form's free text (stripped unless ``strip`` is false), refused, never cut, when it
    is longer than ``most`` characters (the API's limit, api/limits.py): ``name`` is the
    field's label (a msgid)."""
    value = form.get(field, "")
    value = value.strip() if strip else value
    if len(value) > most:
        raise Refused("text_too_long", "{name}: at most {most} characters are allowed and this "
                      "has {chars}: shorten it", name=name, most=Verbatim(f"{most:,}"),
                      chars=Verbatim(f"{len(value):,}"))  # fmt: skip
    return value


def seed_number(text: str | None) -> int:
    """A form's random seed from 0 to 2^31 − 1, plain or grouped; 0 when left empty."""
    value = read_whole(text) if (text or "").strip() else 0
    if value is None:
        raise Refused("invalid_number", "{name}: enter a whole number, e.g. 1,000 or 1000",
                      name="Seed")  # fmt: skip
    if not 0 <= value <= MOST_SEED:
        raise Refused("invalid_number", "{name}: enter a whole number from 0 to 2,147,483,647",
                      name="Seed")  # fmt: skip
    return value


# ok, code, message, values, detail, problems (the detail's issues), whether coded, located
Answer = tuple[bool, str, str, Mapping[str, object], str | None, tuple[Issue, ...], bool, bool]


def _kept(answer: dict) -> Answer:
    verbatim = set(answer.get("verbatim", ()))
    values = {k: Verbatim(v) if k in verbatim else v for k, v in answer["values"].items()}
    return (answer["ok"], answer["code"], answer["message"], values, answer.get("detail"),
            from_kept(answer.get("problems", ())), answer.get("coded", False),
            answer.get("located", False))  # fmt: skip


def _status(ok: bool, code: str) -> int:
    """200 done; a refusal as the API answers its code (``refusal_status``): 403 "you may
    not", 409 a name already taken, else 422."""
    return 200 if ok else refusal_status(code)


def _answer(
    request: Request, svc: Service, visitor: Visitor, ok: bool, code: str, message: str,
    values: Mapping[str, object], detail: str | None, problems: tuple[Issue, ...], coded: bool,
    located: bool, key_input: str | None, trigger: str | None,
) -> HTMLResponse:  # fmt: skip
    text = say(visitor.locale, message, values)
    translate = translator(visitor.locale)

    def reread(english: str | None) -> str:  # the figures of an English detail, read back
        return read_detail(english, translate) or ""

    # Each problem said from its template (problems.py), else read back (sentences.py).
    detail = detail_of(problems, translate, coded, reread, located) if problems else reread(detail)
    fresh = uuid.uuid4().hex if key_input else None
    response = render(request, svc, visitor, "result.html", _status(ok, code), ok=ok,
                      message=text, code=code, detail=detail, key_input=key_input,
                      fresh_key=fresh)  # fmt: skip
    if trigger:
        response.headers["HX-Trigger"] = trigger
    return response


async def web_write(
    request: Request, svc: Service, visitor: Visitor, action: str, target: str,
    run: Callable[[dict[str, str], Principal], Message], *, key_input: str | None = None,
    trigger: str | None = None, key_required: bool = False,
) -> HTMLResponse:  # fmt: skip
    """Check the session and the CSRF token, run the write once per form key, audit it,
    show the result. ``run`` gets the form and the signed-in principal (checked here, so never
    None). ``key_input`` is the id of the form's key field (a fresh key replaces it);
    ``trigger`` an htmx event the answer raises (e.g. to refresh a list);
    ``key_required`` refuses a form sent without its key (``form_key_missing``)."""
    form = {k: str(v) for k, v in (await request.form()).items()}
    sent = form.get("csrf_token") or request.headers.get("x-csrf-token")
    if visitor.principal is None:
        return render(request, svc, visitor, "result.html", 401, ok=False,
                      message="log in first", code="unauthenticated")  # fmt: skip
    if not csrf_ok(visitor.csrf, sent):
        access_log.audit(svc.engine, visitor.principal, action, target, client_address(request),
                       "csrf_token_invalid", svc.now())  # fmt: skip
        return render(request, svc, visitor, "result.html", 403, ok=False,
                      message="the form's security token is missing or stale: reload the page",
                      code="csrf_token_invalid")  # fmt: skip
    me = visitor.principal
    safe = {k: v for k, v in form.items() if not any(s in k for s in SECRET_FIELDS)}
    key = form.get("form_key", "")[:MAX_KEY_CHARS]
    if key_required and not key:
        problem = refusal("form_key_missing")
        return _answer(request, svc, visitor, False, problem.code, problem.message, {}, None,
                       (), False, False, key_input, None)  # fmt: skip
    if key:
        printed = hashlib.sha256(json.dumps([action, target, safe], sort_keys=True).encode())
        owned, earlier = form_keys.claim(svc.engine, me.user_id, key, printed.hexdigest(),
                                         svc.now())  # fmt: skip
        if not owned:
            assert earlier is not None
            if earlier[1] == form_keys.PENDING:
                problem = refusal("form_in_progress")
            elif earlier[0] != printed.hexdigest():
                problem = refusal("form_already_sent")
            else:
                return _answer(request, svc, visitor, *_kept(earlier[2]), key_input, trigger)
            return _answer(request, svc, visitor, False, problem.code, problem.message, {},
                           None, (), False, False, key_input, None)  # fmt: skip
    try:
        try:
            message, values = run(form, me)
        except NoRuleInForce as error:  # a year on the form the rulebook does not rule on
            raise no_rules(error) from error
    except Refused as refused:
        access_log.audit(svc.engine, me, action, target, client_address(request),
                       refused.code, svc.now(), {"form": safe})  # fmt: skip
        answer: Answer = (False, refused.code, refused.message, refused.values,
                          refused.detail, refused.issues, refused.coded, refused.located)  # fmt: skip
    except BaseException:
        if key:
            form_keys.release(svc.engine, me.user_id, key)
        raise
    else:
        access_log.audit(svc.engine, me, action, target, client_address(request), "ok",
                       svc.now(), {"form": safe})  # fmt: skip
        answer = (True, "ok", message, values, None, (), False, False)
    if key:
        kept: dict[str, object] = dict(
            zip(("ok", "code", "message", "values", "detail"), answer[:5], strict=True)
        )
        kept["values"] = {k: str(v) for k, v in answer[3].items()}
        if answer[5]:
            kept["problems"], kept["coded"] = kept_problems(answer[5]), answer[6]
            kept["located"] = answer[7]
        if any(isinstance(v, Secret) for v in answer[3].values()):
            kept["message"], kept["values"] = SECRET_NOT_KEPT, {}
        kept["verbatim"] = [k for k, v in answer[3].items() if isinstance(v, Verbatim)]
        form_keys.keep(svc.engine, me.user_id, key, _status(answer[0], answer[1]), kept)
    return _answer(request, svc, visitor, *answer, key_input, trigger if answer[0] else None)
