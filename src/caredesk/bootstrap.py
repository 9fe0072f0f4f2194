"""The only place that picks implementations: engine, clock and adapters.

An adapter's module is imported when it is picked, so that a command that only reads the
database does not load the mail, voice and callback machinery."""

from __future__ import annotations

from typing import TYPE_CHECKING

from caredesk.clock import Clock, FixedClock, SystemClock
from caredesk.config import Settings
from caredesk.db.migrate import ensure_sqlite_directory
from caredesk.db.session import Database
from caredesk.security import load_pepper, use_pepper

if TYPE_CHECKING:
    from caredesk.callbacks.runtime import CallbackRuntime, RoundStep
    from caredesk.channels.ports import MessageSender, VoiceGateway
    from caredesk.policy import PolicyConfig
    from caredesk.routing.config import RoutingConfig


def load_secrets(settings: Settings) -> None:
    """The pepper of PIN and SSN-last-4 hashes, for this process. A short or exposed key stops
    the start here with a message saying what to change (``PepperError``)."""
    use_pepper(load_pepper(settings))


def build_clock(settings: Settings) -> Clock:
    """The real time, unless the settings stop the clock (tests and demonstrations)."""
    if settings.fixed_clock is not None:
        return FixedClock(settings.fixed_clock)
    return SystemClock()


def connect_database(settings: Settings, clock: Clock | None = None) -> Database:
    load_secrets(settings)
    ensure_sqlite_directory(settings.database_url)
    return Database.connect(settings.database_url, clock or build_clock(settings))


def load_callback_policy(settings: Settings) -> PolicyConfig:
    """The outbound-call policy in force. A bad file is refused here, at start, with the key
    named (``PolicyFileError``); a missing default file means the handbook's values."""
    from caredesk.callbacks.policy_file import DEFAULT_POLICY_PATH, load_policy_file
    from caredesk.policy import PolicyConfig

    path = settings.policy_file
    if path == DEFAULT_POLICY_PATH and not path.is_file():
        return PolicyConfig()
    return load_policy_file(path)


def load_routing_config() -> RoutingConfig:
    """The IVR menus and queues in force: $CAREDESK_ROUTING_FILE, else config/routing.toml, else
    the shipped default. A bad file is refused here, at start, with the key named
    (``RoutingFileError``)."""
    from caredesk.routing.config_file import load_routing

    return load_routing()


def build_message_sender(settings: Settings, clock: Clock) -> MessageSender:
    """Email over SMTP when a host is configured, else to the log (the demo); text messages go to
    the log until an SMS provider is configured."""
    from caredesk.channels.email.log_sender import LogSender
    from caredesk.channels.ports import Channel
    from caredesk.channels.senders import SenderByChannel

    log_sender = LogSender()
    email: MessageSender = log_sender
    if settings.smtp_host:
        from caredesk.channels.email.smtp import SmtpSender, SmtpSettings

        password = settings.smtp_password.get_secret_value() if settings.smtp_password else None
        email = SmtpSender(
            SmtpSettings(
                host=settings.smtp_host,
                port=settings.smtp_port,
                from_address=settings.smtp_from_address,
                from_name=settings.smtp_from_name,
                starttls=settings.smtp_starttls,
                timeout_seconds=settings.smtp_timeout_seconds,
                username=settings.smtp_username,
                password=password,
            ),
            clock,
        )
    return SenderByChannel({Channel.EMAIL: email, Channel.SMS: log_sender})


def build_voice_gateway(settings: Settings, clock: Clock) -> VoiceGateway:
    from caredesk.channels.voice.simulated import SimulatedVoiceGateway

    if settings.voice_gateway != "simulated":
        raise ValueError(
            f"voice_gateway: {settings.voice_gateway!r} has no adapter in this build; use simulated"
        )
    return SimulatedVoiceGateway(clock, lines=settings.voice_lines, seed=settings.voice_seed)


def build_callback_runtime(
    settings: Settings,
    clock: Clock,
    *,
    policy: PolicyConfig | None = None,
    routing: RoutingConfig | None = None,
    dispatching: bool = True,
) -> CallbackRuntime:
    """The callback machinery, with inbound routing as a round step of the dispatcher (its
    rounds offer waiting callers to Ready agents by the routing file in force), after the step
    that puts agents whose wrap-up time is over back to Ready (so they count in that round).
    ``dispatching=False`` for a process that runs no rounds (a command requesting or dialling
    one callback): the round steps, and the routing code behind them, are not loaded."""
    from caredesk.callbacks.runtime import CallbackRuntime

    rules = policy if policy is not None else load_callback_policy(settings)
    return CallbackRuntime(
        policy=rules,
        sender=build_message_sender(settings, clock),
        gateway=build_voice_gateway(settings, clock),
        settings=settings,
        round_steps=_round_steps(settings, rules, routing) if dispatching else (),
    )


def _round_steps(
    settings: Settings, policy: PolicyConfig, routing: RoutingConfig | None
) -> tuple[RoundStep, ...]:
    from caredesk.inbound.routing_round import InboundRouting
    from caredesk.inbound.wrapup import WrapUpTimer

    inbound = InboundRouting(
        routing if routing is not None else load_routing_config(),
        policy=policy,
        callback_offer_seconds=settings.dispatcher_lease_seconds,
    )
    return (WrapUpTimer(), inbound)
