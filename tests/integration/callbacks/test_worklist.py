"""An agent's calls in progress (`worklist.calls_of`): the callbacks dialling, on the line or in
wrap-up whose latest attempt is theirs, read in one statement however many there are. Both
engines."""

from __future__ import annotations

from caredesk.callbacks.models import CallbackAttempt, CallbackStatus
from caredesk.callbacks.worklist import calls_of
from caredesk.db.session import Database
from tests.integration.callbacks.dispatch_support import make_account, make_agent, make_callbacks
from tests.web.statements import statements

S = CallbackStatus


def _callback(db: Database, account_id: int, status: CallbackStatus, *dialled_by: int) -> int:
    """A callback in `status` dialled by each agent of `dialled_by` in turn."""
    [callback_id] = make_callbacks(db, account_id=account_id, due_at=db.clock.now(), status=status)
    with db.uow() as uow, uow.atomic():
        for agent_id in dialled_by:
            uow.session.add(
                CallbackAttempt(
                    callback_id=callback_id,
                    agent_id=agent_id,
                    number="+12065550123",
                    dial_string="12065550123",
                    from_line="+12065550100",
                    started_at=db.clock.now(),
                )
            )
            uow.flush()  # one id after the other: the last added is the latest
    return callback_id


def test_calls_of_are_the_callbacks_whose_latest_attempt_is_the_agents(db: Database) -> None:
    account_id = make_account(db)
    ana, ben = make_agent(db), make_agent(db)

    def mine(agent_id: int) -> tuple[int, list[int]]:
        with db.uow() as uow, statements(db.engine) as seen:
            found = [callback.id for callback in calls_of(uow, agent_id=agent_id)]
        return len(seen), found

    assert mine(ana) == (1, [])
    dialling = _callback(db, account_id, S.DIALING, ana)
    taken_over = _callback(db, account_id, S.IN_CALL, ana, ben)
    wrapping_up = _callback(db, account_id, S.WRAP_UP, ben, ana)
    _callback(db, account_id, S.SCHEDULED, ana)  # dialled before, not on a call now
    _callback(db, account_id, S.COMPLETED, ana)
    more = [_callback(db, account_id, S.WRAP_UP, ana) for _ in range(3)]
    assert mine(ana) == (1, [dialling, wrapping_up, *more])
    assert mine(ben) == (1, [taken_over])
