"""Voice gateways: the simulated one for demos and load runs; a SIP adapter implements the same
port."""
