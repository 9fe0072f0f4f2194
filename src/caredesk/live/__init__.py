"""Live events: a row per change that a signed-in person may want to see at once (an offer, a
state change, a case update), written in the transaction of the change by ``publish`` and read
by every server process for its ``/live`` streams. Catch-up after a disconnect is a query."""

from caredesk.live.publish import Audience, publish

__all__ = ["Audience", "publish"]
