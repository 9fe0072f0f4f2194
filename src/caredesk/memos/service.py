"""Use cases for account memos. There is no use case that changes or removes one. Reading them
is ``memos.queries``, whose functions are named here too."""

from __future__ import annotations

from sqlalchemy import select

from caredesk.agents.agent_models import Agent
from caredesk.audit.service import Actor, record
from caredesk.db.references import require_reference
from caredesk.db.session import UnitOfWork
from caredesk.errors import NotFound, ValidationFailed
from caredesk.memos.models import Memo, MemoKind
from caredesk.memos.queries import account_memos as account_memos
from caredesk.memos.queries import get_memo as get_memo
from caredesk.memos.queries import list_memos as list_memos
from caredesk.privacy import refuse_secrets
from caredesk.tickets.models import Ticket
from caredesk.tickets.numbers import is_case_number
from caredesk.users.models import User

# OB-MEMO: an outbound call's memo must carry reason, summary and the customer's response.
CALL_MEMO_CHECKED = frozenset({MemoKind.OUTBOUND_CALL})


def _ticket_numbers(uow: UnitOfWork, numbers: list[str], account_id: int) -> list[str]:
    cleaned: list[str] = []
    for index, raw in enumerate(numbers):
        number = raw.strip().upper()
        field = f"ticket_numbers[{index}]"
        if not is_case_number(number):
            raise ValidationFailed("must be a case number like CS-000123", field=field)
        if number in cleaned:
            continue
        owner = uow.session.scalar(select(Ticket.account_id).where(Ticket.case_number == number))
        if owner is None:
            raise NotFound(f"no case {number}", field=field)
        if owner != account_id:
            raise ValidationFailed(f"case {number} is on another account", field=field)
        cleaned.append(number)
    return cleaned


def create_memo(
    uow: UnitOfWork,
    *,
    actor: Actor,
    account_id: int,
    kind: MemoKind,
    reason: str,
    summary: str,
    customer_response: str | None = None,
    ticket_numbers: list[str] | None = None,
    author_user_id: int | None = None,
    author_agent_id: int | None = None,
    author_name: str | None = None,
    interaction_id: int | None = None,
) -> Memo:
    """Adds a memo to an account. The author is a user, an agent, or both; when not given, the
    name shown is the agent's when the user is an agent (or no user is named), else the user's.
    Text holding an SSN, PIN/passcode or card number is refused with the field, kind and
    character span, never the value."""
    with uow.atomic():
        reason, summary = reason.strip(), summary.strip()
        customer_response = (customer_response or "").strip() or None
        if not reason or len(reason) > 500:
            raise ValidationFailed(
                "a memo needs the reason for the contact, at most 500 characters", field="reason"
            )
        if not summary:
            raise ValidationFailed("a memo needs a summary of what was said", field="summary")
        if author_user_id is None and author_agent_id is None:
            raise ValidationFailed("a memo needs an author", field="author_user_id")
        refuse_secrets(
            {"reason": reason, "summary": summary, "customer_response": customer_response}
        )
        if kind in CALL_MEMO_CHECKED:
            # The policy's memo rules are loaded for a call's memo only, not for every note.
            from caredesk.memos.lint import refuse_incomplete_call_memo

            refuse_incomplete_call_memo(
                reason=reason,
                summary=summary,
                customer_response=customer_response,
                ticket_numbers=ticket_numbers or [],
            )
        require_reference(uow, "accounts", account_id, field="account_id")
        require_reference(uow, "agents", author_agent_id, field="author_agent_id")
        require_reference(uow, "interactions", interaction_id, field="interaction_id")
        writer_agent_id = author_agent_id
        if author_user_id is not None:
            user = uow.session.get(User, author_user_id)
            if user is None:
                raise NotFound(f"no user with id {author_user_id}", field="author_user_id")
            # A user who is an agent writes as that agent; anyone else under their own name.
            writer_agent_id = user.agent_id
            if writer_agent_id is None:
                author_name = author_name or user.display_name
        if not author_name and writer_agent_id is not None:
            agent = uow.session.get(Agent, writer_agent_id)
            author_name = agent.name if agent is not None else None
        numbers = _ticket_numbers(uow, ticket_numbers or [], account_id)
        memo = Memo(
            account_id=account_id,
            kind=kind.value,
            author_user_id=author_user_id,
            author_agent_id=author_agent_id,
            author_name=(author_name or f"agent {author_agent_id}")[:200],
            reason=reason,
            ticket_numbers=numbers,
            summary=summary,
            customer_response=customer_response,
            interaction_id=interaction_id,
            created_at=uow.clock.now(),
        )
        uow.session.add(memo)
        uow.flush()
        # The memo's text stays out of the audit trail; the memo itself is the record.
        record(
            uow,
            actor=actor,
            action="memo.created",
            subject_type="account",
            subject_id=account_id,
            details={"memo_id": memo.id, "kind": memo.kind, "ticket_numbers": numbers},
        )
        return memo
