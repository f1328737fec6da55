"""Account recovery: a stolen-account report freezes outgoing money at once (same transaction,
before anyone looks); the customer proves the account by SMS code, named transactions, an ID
document and a selfie; staff decide (unlock, unfreeze by maker-checker, emergency freeze) and
a stolen account gets a new password and sessions; the customer reads the outcome."""

from __future__ import annotations

import re
import uuid
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from anyio import open_file  # noqa: F401 (imported now: the first file served would do it on the loop)
from sqlalchemy import select

from tests.cases.conftest import PDF
from tests.conftest import PASSWORD, bearer, csrf_of, sign_in
from tests.identity.support import texts_to
from tests.images import png_bytes
from tests.risk.conftest import fund, prepare
from walletdesk.approvals import service as approvals
from walletdesk.audit.models import AuditEntry
from walletdesk.cases import recovery
from walletdesk.cases import service as cases
from walletdesk.cases.attachments import Upload
from walletdesk.cases.display import Display
from walletdesk.cases.models import Case, CaseMessage
from walletdesk.cases.recovery_models import RecoveryRequest
from walletdesk.db import session_scope
from walletdesk.errors import Conflict, Forbidden, NotFound, ValidationFailed
from walletdesk.i18n import Translator
from walletdesk.identity import service as identity
from walletdesk.identity.models import AuthSession, User
from walletdesk.risk import service as risk
from walletdesk.wallet.transactions import record_transaction


def last_code(app, phone: str) -> str:
    """The newest code texted to `phone` (the freeze notice, texted too, names a case number)."""
    for body in texts_to(app, phone):
        found = re.search(r"(?:验证码|code is)\D*(\d{6})", body)
        if found:
            return found.group(1)
    raise AssertionError(f"no code was texted to {phone}")


def _report(app, who: User, reason: str = "stolen") -> int:
    with session_scope(app.state.sessionmaker) as db:
        case = recovery.report(
            db,
            settings=app.state.settings,
            customer=db.get(User, who.id),
            reason=reason,
            description="我的手机丢了，账户可能被盗",
        )
        return case.id


def _case(db, case_id: int) -> Case:
    case = db.get(Case, case_id)
    assert case is not None
    return case


def _timeline(app, case_id: int, lang: str = "en") -> list[str]:
    with session_scope(app.state.sessionmaker) as db:
        show = Display(Translator(lang), tz=app.state.settings.timezone, staff=True)
        return [show.event(e) for e in cases.timeline(db, case=_case(db, case_id))]


def _told(app, case_id: int, lang: str = "en") -> list[str]:
    """The system's messages in the conversation, as the customer reads them."""
    with session_scope(app.state.sessionmaker) as db:
        show = Display(Translator(lang), tz=app.state.settings.timezone, staff=False)
        rows = db.scalars(
            select(CaseMessage)
            .where(CaseMessage.case_id == case_id, CaseMessage.author_id.is_(None))
            .order_by(CaseMessage.id)
        )
        return [show.body(m) for m in rows]


def test_a_stolen_report_freezes_outgoing_money_in_the_same_transaction(app, client, people):
    prepare(app, people.customer)
    fund(app, people.customer, 100_000)
    case_id = _report(app, people.customer)
    with session_scope(app.state.sessionmaker) as db:
        freezes = risk.active_freezes(db, user_id=people.customer.id)
        assert [(f.rule, f.case_id) for f in freezes] == [("reported_stolen", case_id)]
        case = _case(db, case_id)
        assert (case.type, case.status, case.priority) == (
            "account_recovery",
            "verifying",
            "urgent",
        )
        assert db.get(RecoveryRequest, case_id).freeze_id == freezes[0].id
        audited = db.scalars(
            select(AuditEntry.action).where(AuditEntry.subject_id == str(people.customer.id))
        ).all()
        assert "account.reported_stolen" in audited
    lines = _timeline(app, case_id)
    assert any("froze outgoing money at once" in x and "before anyone looked" in x for x in lines)
    # money cannot leave: the transfer is refused, naming the freeze
    sent = client.post(
        "/api/v1/wallet/transfer",
        json={"phone": "13900139000", "amount": "1", "idempotency_key": uuid.uuid4().hex},
        headers=bearer(client, people.customer),
    )
    assert sent.status_code == 403 and sent.json()["error"]["code"] == "account_frozen"
    assert any("froze outgoing money at once" in x for x in _told(app, case_id))
    assert any("冻结" in x for x in _told(app, case_id, "zh"))


def test_locked_and_frozen_reports_freeze_nothing(app, people):
    case_id = _report(app, people.customer, "locked")
    with session_scope(app.state.sessionmaker) as db:
        assert not risk.is_frozen(db, user_id=people.customer.id)
        assert _case(db, case_id).priority == "high"
    with session_scope(app.state.sessionmaker) as db, pytest.raises(ValidationFailed):
        recovery.report(
            db,
            settings=app.state.settings,
            customer=db.get(User, people.customer.id),
            reason="bored",
            description="",
        )


def test_the_customer_proves_the_phone_names_transactions_and_uploads_id(app, people):
    _history(app, people.customer, 12_345, 500)
    case_id = _report(app, people.customer, "frozen")
    settings = app.state.settings
    with session_scope(app.state.sessionmaker) as db:
        recovery.send_code(db, settings=settings, case=_case(db, case_id))
    code = last_code(app, people.customer.phone)
    with session_scope(app.state.sessionmaker) as db, pytest.raises(ValidationFailed):
        recovery.verify_phone(db, settings=settings, case=_case(db, case_id), code="000000")
    with session_scope(app.state.sessionmaker) as db:
        recovery.verify_phone(db, settings=settings, case=_case(db, case_id), code=code)
    today = datetime.now(ZoneInfo(settings.timezone)).date()
    named = [
        recovery.Named("123.45", today.isoformat()),
        recovery.Named("5", today.isoformat()),
        recovery.Named("999", (today - timedelta(days=3)).isoformat()),
    ]
    with session_scope(app.state.sessionmaker) as db:
        matched = recovery.name_transactions(
            db, settings=settings, case=_case(db, case_id), named=named
        )
    assert matched == 2
    # a selfie is a photo, not a PDF
    with session_scope(app.state.sessionmaker) as db, pytest.raises(ValidationFailed):
        recovery.add_evidence(
            db,
            settings=settings,
            case=_case(db, case_id),
            kind="selfie",
            upload=Upload("me.pdf", PDF),
        )
    with session_scope(app.state.sessionmaker) as db:
        case = _case(db, case_id)
        recovery.add_evidence(
            db, settings=settings, case=case, kind="id_document", upload=Upload("id.pdf", PDF)
        )
        recovery.add_evidence(
            db, settings=settings, case=case, kind="selfie", upload=Upload("me.png", png_bytes())
        )
        recovery.submit_for_review(db, case=case)
    with session_scope(app.state.sessionmaker) as db:
        case = _case(db, case_id)
        assert case.status == "under_review"
        review = recovery.review_of(db, case=case, staff=db.get(User, people.agent.id))
        assert (review.named_count, review.request.matched_count) == (3, 2)
        assert [e.kind for e in review.evidence] == ["id_document", "selfie"]
        assert review.request.phone_verified_at is not None
        # the customer's own case files do not include the evidence
        assert cases.case_files(db, case=case, user=db.get(User, people.customer.id)) == []
        with pytest.raises(Forbidden):
            recovery.review_of(db, case=case, staff=db.get(User, people.customer.id))
    lines = _timeline(app, case_id)
    assert any("proved the registered phone" in x for x in lines)
    assert any("named 3 recent transactions; 2 match" in x for x in lines)
    assert any("uploaded Selfie" in x for x in lines)
    with session_scope(app.state.sessionmaker) as db, pytest.raises(Conflict):
        recovery.send_code(db, settings=settings, case=_case(db, case_id))  # in review now


def _history(app, who: User, *amounts: int) -> None:
    """Transactions of today in the customer's history, as the wallet records them."""
    with session_scope(app.state.sessionmaker) as db:
        for amount in amounts:
            record_transaction(
                db,
                user_id=who.id,
                kind="deposit",
                amount_minor=amount,
                currency="CNY",
                status="succeeded",
                method="bank_card",
            )


def test_submitting_needs_the_phone_or_both_documents(app, people):
    case_id = _report(app, people.customer, "locked")
    with session_scope(app.state.sessionmaker) as db, pytest.raises(ValidationFailed):
        recovery.submit_for_review(db, case=_case(db, case_id))


def _to_review(app, case_id: int, who: User) -> None:
    with session_scope(app.state.sessionmaker) as db:
        recovery.send_code(db, settings=app.state.settings, case=_case(db, case_id))
    code = last_code(app, who.phone)
    with session_scope(app.state.sessionmaker) as db:
        case = _case(db, case_id)
        recovery.verify_phone(db, settings=app.state.settings, case=case, code=code)
        recovery.submit_for_review(db, case=case)


def _decide(app, case_id: int, staff: User, outcome: str, reason: str = "ID matches") -> None:
    with session_scope(app.state.sessionmaker) as db:
        recovery.decide(
            db,
            settings=app.state.settings,
            case=_case(db, case_id),
            staff=db.get(User, staff.id),
            outcome=outcome,
            reason=reason,
        )


def test_unfreezing_a_stolen_account_resets_it_and_a_second_person_lifts_the_freeze(
    app, client, people
):
    case_id = _report(app, people.customer)
    sign_in(client, people.customer)
    _to_review(app, case_id, people.customer)
    _decide(app, case_id, people.agent, "unfreeze")
    with session_scope(app.state.sessionmaker) as db:
        assert _case(db, case_id).status == "decided"
        assert risk.is_frozen(db, user_id=people.customer.id)  # until a second person approves
        pending = approvals.pending_for(db, customer_id=people.customer.id, kind="unfreeze")
        assert [a.case_id for a in pending] == [case_id]
        sessions = db.scalars(
            select(AuthSession).where(
                AuthSession.user_id == people.customer.id, AuthSession.revoked_at.is_(None)
            )
        ).all()
        assert sessions == []
    # the browser that was signed in is signed out, and the old password no longer works
    assert client.get("/portal", follow_redirects=False).status_code in (303, 401)
    response = client.post(
        "/api/v1/auth/token", json={"login": "13800138000", "password": PASSWORD}
    )
    assert response.status_code == 401
    assert any("忘记密码" in text for text in texts_to(app, people.customer.phone))
    told = _told(app, case_id)
    assert any(x.startswith("To secure your account") for x in told)
    assert any("We confirmed that the account is yours" in x and "ID matches" in x for x in told)
    with session_scope(app.state.sessionmaker) as db:
        approval = pending[0].id
        with pytest.raises(Forbidden):  # an agent may not approve
            approvals.decide(
                db, approval_id=approval, staff=db.get(User, people.agent.id), approve=True
            )
    with session_scope(app.state.sessionmaker) as db:
        approvals.decide(
            db, approval_id=approval, staff=db.get(User, people.supervisor.id), approve=True
        )
    with session_scope(app.state.sessionmaker) as db:
        assert not risk.is_frozen(db, user_id=people.customer.id)
    assert any("lifted the freeze" in x for x in _timeline(app, case_id))
    audited = _audit_actions(app)
    assert {"account.secure", "account.unfreeze", "case.status"} <= audited


def test_a_freeze_by_risk_control_lifted_from_a_recovery_case_is_told_on_both_cases(app, people):
    """Risk control froze the account on its own review case; the customer proves the account on
    a recovery case, which promises to say there when the freeze is lifted: both cases say so."""
    with session_scope(app.state.sessionmaker) as db:
        freeze = risk.freeze_account(
            db,
            user_id=people.customer.id,
            reason=risk.R.REASONS["velocity"],
            staff=None,
            rule="velocity",
        )
        freeze_case = freeze.case_id
    assert freeze_case is not None
    case_id = _report(app, people.customer, reason="frozen")
    assert case_id != freeze_case
    _to_review(app, case_id, people.customer)
    _decide(app, case_id, people.agent, "unfreeze", reason="The payments were yours")
    assert not any("no longer frozen" in x for x in _told(app, case_id))
    with session_scope(app.state.sessionmaker) as db:
        (pending,) = approvals.pending_for(db, customer_id=people.customer.id, kind="unfreeze")
        approvals.decide(
            db, approval_id=pending.id, staff=db.get(User, people.supervisor.id), approve=True
        )
    with session_scope(app.state.sessionmaker) as db:
        assert not risk.is_frozen(db, user_id=people.customer.id)
    for told_on in (case_id, freeze_case):
        assert [x for x in _told(app, told_on) if "no longer frozen" in x] == [
            "Your account is no longer frozen: you can send and withdraw again."
        ]
    assert any("lifted the freeze" in x for x in _timeline(app, case_id))
    with session_scope(app.state.sessionmaker) as db:  # the freeze's review has nothing left
        assert _case(db, freeze_case).status == "resolved"
        assert _case(db, freeze_case).sla_due_at is None
        assert _case(db, case_id).status == "decided"


def _audit_actions(app) -> set[str]:
    with session_scope(app.state.sessionmaker) as db:
        return set(db.scalars(select(AuditEntry.action)))


def test_unlock_lifts_the_customers_own_lock(app, people):
    with session_scope(app.state.sessionmaker) as db:
        user = db.get(User, people.customer.id)
        from walletdesk.identity import account

        account.lock_account(db, user=user, reason="lost phone", ip="", device="")
    case_id = _report(app, people.customer, "locked")
    _to_review(app, case_id, people.customer)
    _decide(app, case_id, people.agent, "unlock", "Verified by SMS and ID")
    with session_scope(app.state.sessionmaker) as db:
        assert not identity.is_self_locked(db, user_id=people.customer.id)
    told = _told(app, case_id, "zh")
    assert any("Verified by SMS and ID" in x for x in told)


def test_an_emergency_freeze_and_a_declined_recovery(app, people):
    case_id = _report(app, people.customer, "locked")
    _to_review(app, case_id, people.customer)
    _decide(app, case_id, people.agent, "freeze", "Someone else is using the account")
    with session_scope(app.state.sessionmaker) as db:
        assert risk.is_frozen(db, user_id=people.customer.id)
    other = _report(app, people.other_customer, "frozen")
    _to_review(app, other, people.other_customer)
    with session_scope(app.state.sessionmaker) as db, pytest.raises(ValidationFailed):
        recovery.decide(
            db,
            settings=app.state.settings,
            case=_case(db, other),
            staff=db.get(User, people.agent.id),
            outcome="decline",
            reason=" ",
        )
    _decide(app, other, people.agent, "decline", "The selfie does not match the ID")
    assert any("could not confirm" in x for x in _told(app, other))
    with session_scope(app.state.sessionmaker) as db, pytest.raises(Conflict):
        recovery.decide(  # decided already: the path has no second decision
            db,
            settings=app.state.settings,
            case=_case(db, other),
            staff=db.get(User, people.agent.id),
            outcome="decline",
            reason="again",
        )


def test_the_public_form_does_not_tell_whether_a_phone_is_registered(app, people):
    settings = app.state.settings
    with session_scope(app.state.sessionmaker) as db:
        nobody = recovery.report_by_phone(
            db, settings=settings, phone="13700137000", reason="stolen", description=""
        )
        found = recovery.report_by_phone(
            db, settings=settings, phone="138 0013 8000", reason="stolen", description=""
        )
    assert nobody.case_id is None and nobody.token
    assert found.case_id is not None
    with session_scope(app.state.sessionmaker) as db:
        assert risk.is_frozen(db, user_id=people.customer.id)
        assert recovery.case_by_token(db, case_id=found.case_id, token=found.token) is not None
        with pytest.raises(NotFound):
            recovery.case_by_token(db, case_id=found.case_id, token=nobody.token)
    assert texts_to(app, "+8613800138000")


# --- through the pages ---------------------------------------------------------------------------


def _post(client, url: str, data: dict | None = None, files=None):
    return client.post(
        url,
        data={"csrf_token": csrf_of(client), **(data or {})},
        files=files,
        follow_redirects=False,
    )


def test_a_signed_in_customer_reports_proves_and_an_agent_decides(app, client, people):
    _history(app, people.customer, 2_000)
    sign_in(client, people.customer)
    assert client.get("/portal/recovery/new?lang=en").status_code == 200
    made = _post(
        client, "/portal/recovery/new?lang=en", {"reason": "stolen", "description": "手机丢了"}
    )
    assert made.status_code == 303
    base = made.headers["location"]
    page = client.get(base + "?lang=en")
    assert "Outgoing money from this account is frozen" in page.text
    assert _post(client, base + "/code").status_code == 303
    wrong = _post(client, base + "/verify?lang=en", {"code": "000000"})
    assert wrong.status_code == 422 and "The code is wrong" in wrong.text
    code = last_code(app, people.customer.phone)
    assert _post(client, base + "/verify", {"code": code}).status_code == 303
    today = datetime.now(ZoneInfo(app.state.settings.timezone)).date().isoformat()
    named = _post(client, base + "/transactions", {"amount_0": "20", "day_0": today})
    assert named.status_code == 303
    bad = _post(
        client,
        base + "/evidence?lang=en",
        {"kind": "selfie"},
        files={"file": ("x.exe", b"MZ" * 50)},
    )
    assert bad.status_code == 422 and "not a file type we accept" in bad.text
    sent = _post(
        client, base + "/evidence", {"kind": "id_document"}, files={"file": ("id.png", png_bytes())}
    )
    assert sent.status_code == 303
    assert _post(client, base + "/submit").status_code == 303
    case_id = int(base.rsplit("/", 1)[1])
    # another customer cannot see it
    other = client.__class__(app, base_url="http://testserver")
    with other:
        sign_in(other, people.other_customer)
        assert other.get(base).status_code == 404
        assert other.get(f"/console/recovery/{case_id}").status_code == 403

    agent = client.__class__(app, base_url="http://testserver")
    with agent:
        sign_in(agent, people.agent)
        review = agent.get(f"/console/recovery/{case_id}?lang=en")
        assert review.status_code == 200
        assert "1 of 1 match the wallet" in review.text
        assert (
            "Confirmed by SMS code" in review.text and "Frozen: 1 freezes in force" in review.text
        )
        with session_scope(app.state.sessionmaker) as db:
            evidence = recovery.evidence_of(db, case=_case(db, case_id))[0].id
        shown = agent.get(f"/console/recovery/{case_id}/evidence/{evidence}")
        assert shown.status_code == 200 and shown.headers["content-type"] == "image/png"
        assert "recovery.evidence.view" in _audit_actions(app)
        refused = _post(
            agent,
            f"/console/recovery/{case_id}/decide?lang=en",
            {"outcome": "unlock", "reason": "ok"},
        )
        assert refused.status_code == 409 and "This account is not locked." in refused.text
        with session_scope(app.state.sessionmaker) as db:
            assert _case(db, case_id).status == "under_review"  # nothing of it was kept
        decided = _post(
            agent,
            f"/console/recovery/{case_id}/decide",
            {"outcome": "unfreeze", "reason": "ID and phone match"},
        )
        assert decided.status_code == 303
    # the customer's session ended with the reset; the case tells the outcome
    assert client.get(base, follow_redirects=False).status_code in (303, 401)
    assert any("ID and phone match" in x for x in _told(app, case_id, "zh"))


def test_the_public_form_opens_a_case_the_reporter_can_continue(app, client, people):
    anonymous = _post(client, "/recovery?lang=en", {"phone": "13800138000", "reason": "stolen"})
    assert anonymous.status_code == 303 and anonymous.headers["location"] == "/recovery/case"
    with session_scope(app.state.sessionmaker) as db:
        assert risk.is_frozen(db, user_id=people.customer.id)
    page = client.get("/recovery/case?lang=en")
    assert page.status_code == 200 and "Prove the account is yours" in page.text
    code = last_code(app, people.customer.phone)
    assert _post(client, "/recovery/case/verify", {"code": code}).status_code == 303
    assert _post(client, "/recovery/case/submit").status_code == 303
    with session_scope(app.state.sessionmaker) as db:
        case = db.scalars(select(Case).where(Case.customer_id == people.customer.id)).one()
        assert (case.status, case.channel) == ("under_review", "recovery_form")
    # a number that is no customer's gets the same answer, and no code works
    stranger = client.__class__(app, base_url="http://testserver")
    with stranger:
        sent = _post(stranger, "/recovery?lang=en", {"phone": "13700137000", "reason": "locked"})
        assert sent.status_code == 303 and sent.headers["location"] == "/recovery/case"
        assert "If this number belongs to an account" in stranger.get("/recovery/case?lang=en").text
        assert (
            _post(stranger, "/recovery/case/verify?lang=en", {"code": "123456"}).status_code == 422
        )
        stranger.cookies.set("wd_recovery", f"{case.id}.forged", path="/recovery")
        assert stranger.get("/recovery/case").status_code == 404


def test_a_report_without_a_reason_is_refused_with_the_form_again(app, client, people):
    sign_in(client, people.customer)
    refused = _post(client, "/portal/recovery/new?lang=en", {"reason": ""})
    assert refused.status_code == 422 and "Choose what happened to your account." in refused.text
    with session_scope(app.state.sessionmaker) as db:
        assert db.scalars(select(Case)).all() == []


def test_the_demo_seeds_a_stolen_account_waiting_for_review_and_feedback(app, people):
    from walletdesk.cases.demo_paths import seed_demo_paths
    from walletdesk.cases.feedback import tags_of

    for _ in range(2):  # idempotent
        with session_scope(app.state.sessionmaker) as db:
            seed_demo_paths(db, settings=app.state.settings)
    with session_scope(app.state.sessionmaker) as db:
        found = db.scalars(
            select(Case).where(Case.type.in_(("account_recovery", "feedback"))).order_by(Case.id)
        ).all()
        assert [(c.type, c.status) for c in found] == [
            ("account_recovery", "under_review"),
            ("feedback", "answered"),
            ("feedback", "received"),
        ]
        review = recovery.review_of(db, case=found[0], staff=db.get(User, people.agent.id))
        assert (review.request.matched_count, review.named_count, len(review.evidence)) == (2, 2, 2)
        assert review.freezes and review.freezes[0].rule == "reported_stolen"
        assert tags_of(db, case=found[2]) == ["fees"]


def test_the_api_reports_a_stolen_account_and_reads_its_state(app, client, people):
    headers = bearer(client, people.customer)
    made = client.post("/api/v1/cases/recovery", json={"reason": "stolen"}, headers=headers)
    assert made.status_code == 201, made.text
    shown = made.json()
    assert (shown["status"], shown["frozen_at_once"], shown["outcome"]) == ("verifying", True, None)
    read = client.get(f"/api/v1/cases/recovery/{shown['case_id']}", headers=headers)
    assert read.status_code == 200 and read.json()["number"] == shown["number"]
    others = bearer(client, people.other_customer)
    assert (
        client.get(f"/api/v1/cases/recovery/{shown['case_id']}", headers=others).status_code == 404
    )
    bad = client.post("/api/v1/cases/recovery", json={"reason": "bored"}, headers=headers)
    assert bad.status_code == 422
    staff = bearer(client, people.agent)
    refused = client.post("/api/v1/cases/recovery", json={"reason": "locked"}, headers=staff)
    assert refused.status_code == 403
