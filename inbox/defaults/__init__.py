"""Files the inbox ships with and uses when the config names none (the default rule set)."""
