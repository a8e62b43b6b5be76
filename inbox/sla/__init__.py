"""Service levels: SLA policies measured in business time, their timers, follow-ups and satisfaction ratings."""
