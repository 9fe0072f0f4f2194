"""Prometheus figures: the business gauges and counters read from the database at scrape time
(so every server process answers alike) and the bounded labels of the HTTP metrics."""
