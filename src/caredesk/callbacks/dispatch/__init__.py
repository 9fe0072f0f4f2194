"""The dispatch wing: the leased process that hands due callbacks to agents.

- ``claims``: leases on due callbacks (any number of workers share the table without a broker);
- ``offers``: who may take a claimed callback, the offer under the lease, offers that expire;
- ``pooling``: owned callbacks overdue past the owner's grace go to the pool (OB-SA-OWNERSHIP);
- ``report``: what a round did, and every worker's totals kept in the database for /metrics;
- ``worker``: one round and the loop that repeats it until a signal stops it;
- ``cli``: ``caredesk dispatcher run``.
"""
