"""A SIP user agent server over UDP that answers callers and walks them through the IVR menus.

- `message`: SIP messages parsed from one datagram and written back (pure).
- `sdp`: the caller's offer and our answer (pure).
- `dtmf`: digits from SIP INFO bodies and from RFC 4733 telephone-events in RTP (pure).
- `menu`: the port the server walks menus through (`PhoneMenu`); `inbound.phone_line` stores
  each step on the call's interaction, exactly as the HTTP walk does.
- `calls`, `server`: the calls, their transactions and timers, on asyncio.
- `cli`: `caredesk sip serve`.
"""
