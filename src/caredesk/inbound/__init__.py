"""Inbound calls on the stored path: a caller's walk through the IVR menus, recorded step by step
on the call's interaction, the estimated wait when the walk ends in a queue and the "call me back,
keep my place" offer, whose acceptance goes through the callback request use case (and so through
the same outbound policy gate as every other callback).

The decisions are the pure core's (`caredesk.routing.ivr`, `wait`, `announce`); this package
loads and stores what they need and what they decide.

- `models`: the walk (where the caller is, how it ended) and its steps.
- `walks`: start a walk, take a caller's input, read a walk.
- `waits`: the estimated wait from the queue's callers and agents as stored.
- `entry`: the end of a walk in an open queue: the wait told, entry overflow rules.
- `offers`: the callback offer and the caller's answer to it.
- `announcements`: the wait told again to a caller already waiting.
- `hangup`: the caller hangs up (an abandonment, with its time, when they were waiting).
- `wrapup`: a connected call ends (by its agent, a leader or the caller), and the agent's
  After-Call Work after it is timed by the queue and ended by the dispatcher's round.
- `voicemail`: a message left after hours that opens a case.
- `views`: a call as the caller hears it (the API's and the phone page's answer).
- `words`: what the caller hears that the routing file does not say (the offer's prompts).
"""
