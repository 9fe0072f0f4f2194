"""Leaders' figures: what the floor is doing now (agents by state, callbacks due, overdue,
offered and needing attention, notices stuck in the outbox, cases past their SLA) and what it
did over a period in a reader's zone (callbacks by hour, refusals by rule), each with the query
that lists the records behind it.

Every figure is one SQL aggregate over the shared database, so any server process answers the
same; the web dashboard and the /metrics collector read the same definitions from here.

- ``periods``: a period of local days in a zone, and its hour buckets (DST-aware);
- ``floor``: agents by state, callbacks by standing, the outbox, cases past SLA;
- ``refusals``: refusals by rule, and each refusal's rules with their sentences;
- ``hours``: callback activity per local hour;
- ``export``: rows to CSV, escaped and scrubbed.
"""
