"""What a process builds once for callbacks: the policy (a bad file refused at start, the key
named), the message sender (SMTP when a host is set, else the log) and the voice gateway."""

from __future__ import annotations

from pathlib import Path

import pytest

from caredesk.bootstrap import build_callback_runtime, build_message_sender
from caredesk.callbacks.policy_file import PolicyFileError
from caredesk.channels.ports import Channel, OutboundMessage
from caredesk.channels.voice.simulated import SimulatedVoiceGateway
from caredesk.clock import FixedClock
from caredesk.config import Settings
from caredesk.db.session import Database
from caredesk.policy import LineOfBusiness
from tests.conftest import T0
from tests.integration.channels.conftest import SmtpServer, free_port


def test_a_bad_policy_file_stops_the_app_at_start_naming_the_key(
    tmp_path: Path, db: Database, database_url: str
) -> None:
    from caredesk.web.app import create_app

    bad = tmp_path / "policy.toml"
    bad.write_text('[lob.global_care]\nmax_attempts_without_contact = "once"\n')
    settings = Settings(database_url=database_url, policy_file=bad, log_json=False)
    with pytest.raises(PolicyFileError) as raised:
        create_app(settings, database=db)
    assert raised.value.key == "lob.global_care.max_attempts_without_contact"

    good = tmp_path / "strict.toml"
    good.write_text("[lob.care]\nmax_attempts_without_contact = 3\n")
    app = create_app(
        Settings(database_url=database_url, policy_file=good, log_json=False), database=db
    )
    policy = app.state.callbacks.policy
    assert app.state.policy is policy
    assert policy.for_lob(LineOfBusiness.CARE).max_attempts_without_contact == 3
    assert isinstance(app.state.callbacks.gateway, SimulatedVoiceGateway)


def test_email_goes_over_smtp_when_a_host_is_set_and_to_the_log_otherwise() -> None:
    server = SmtpServer(free_port())
    server.start()
    clock = FixedClock(T0)
    message = OutboundMessage(
        channel=Channel.EMAIL, to="ana@example.com", subject="Hi", text="Hello", idempotency_key="k"
    )
    try:
        smtp = build_message_sender(
            Settings(smtp_host="127.0.0.1", smtp_port=server.port, log_json=False), clock
        )
        assert smtp.send(message).provider == "smtp"
        assert len(server.inbox.received) == 1
    finally:
        server.stop()
    logged = build_message_sender(Settings(log_json=False), clock)
    assert logged.send(message).provider == "log"
    text = OutboundMessage(channel=Channel.SMS, to="+13035550123", subject="", text="Hi")
    assert logged.send(text).provider == "log"


def test_the_runtime_uses_the_configured_platform_lines() -> None:
    settings = Settings(voice_lines=["+12065550199"], log_json=False)
    runtime = build_callback_runtime(settings, FixedClock(T0))
    assert runtime.gateway.platform_lines() == frozenset({"+12065550199"})
    with pytest.raises(ValueError, match="voice_gateway"):
        build_callback_runtime(Settings(voice_gateway="sip", log_json=False), FixedClock(T0))
