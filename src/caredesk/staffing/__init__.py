"""A day's staffing plan from a forecast: agents needed per interval, with the service level,
ASA, abandonment and occupancy they give, and the day's totals.

The maths is `routing.staffing` (Erlang C and Erlang A); the service level is the written
definition of `routing.service_level`, taken from the routing configuration. This package reads
a forecast (`forecast`), builds the plan (`plan`), and serves it to the command line (`cli`) and
the API (`api`, with `schemas`).
"""
