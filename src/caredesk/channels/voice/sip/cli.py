"""`caredesk sip serve`: the SIP phone line. Heavy modules are imported inside the command so
that `--help` stays fast and loads no ORM."""

from __future__ import annotations

import ipaddress
import threading
from typing import TYPE_CHECKING

import typer

from caredesk.cli_support import console, fail, run_command
from caredesk.signals import stop_on_signals

if TYPE_CHECKING:
    from caredesk.channels.voice.sip.server import SipServer

app = typer.Typer(
    help="The SIP phone line: callers from a trunk or PBX walk the IVR menus.",
    no_args_is_help=True,
)


@app.command("serve")
def serve(
    host: str = typer.Option("127.0.0.1", help="Address to listen on (UDP)."),
    port: int = typer.Option(5060, min=1, max=65535, help="SIP port to listen on (UDP)."),
    advertise: str = typer.Option(
        None,
        help="Address peers reach this server at, put in the SDP and our requests "
        "(default: --host; give it when --host is 0.0.0.0).",
    ),
    ring_seconds: float = typer.Option(
        0.0, min=0, max=30, help="Seconds of 180 Ringing before the answer (0: answer at once)."
    ),
) -> None:
    """Answer SIP calls over UDP and walk each caller through the IVR menus, recording every
    step on the call as the /phone page does. DTMF by SIP INFO or RFC 4733 in RTP; no audio.
    SIGTERM or Ctrl-C hangs up every call and stops."""
    import asyncio

    from caredesk.bootstrap import (
        build_callback_runtime,
        connect_database,
        load_routing_config,
    )
    from caredesk.channels.voice.sip.server import SipServer
    from caredesk.config import get_settings
    from caredesk.inbound.phone_line import StoredPhoneMenu
    from caredesk.logs import configure_logging

    settings = get_settings()
    configure_logging(settings.log_level, json_logs=settings.log_json)
    shown = advertise or host
    if _unspecified(shown):
        raise fail(f"--advertise: give the address peers reach this server at, not {shown}")
    with run_command():
        db = connect_database(settings)
        routing = load_routing_config()
        runtime = build_callback_runtime(settings, db.clock, routing=routing)
        menu = StoredPhoneMenu(db, routing, runtime)
        server = SipServer(
            menu, host=host, port=port, ring_seconds=ring_seconds, advertise=advertise
        )
        stop = threading.Event()
        with stop_on_signals(stop) as received:
            asyncio.run(_serve(server, stop))
        if received:
            console.print(f"stopped on {received[0]}", markup=False, highlight=False)


def _unspecified(address: str) -> bool:
    try:
        return ipaddress.ip_address(address).is_unspecified
    except ValueError:
        return False


async def _serve(server: SipServer, stop: threading.Event) -> None:
    import asyncio

    try:
        await server.start()
    except OSError as exc:
        raise fail(
            f"--port: the SIP phone line cannot listen on {server.host}:{server.port} (UDP: "
            f"{exc.strerror or exc}); choose another port"
        ) from None
    console.print(
        f"answering SIP calls on {server.host}:{server.port} (udp); Ctrl-C stops",
        markup=False,
        highlight=False,
    )
    try:
        # A signal handler only runs when the main thread runs again: wait in short steps.
        while not stop.is_set():
            await asyncio.sleep(0.2)
    finally:
        await server.stop()
