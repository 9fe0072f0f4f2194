"""Cases: lifecycle, escalation, SLA, follow-ups and resolution check."""
