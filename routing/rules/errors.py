"""The one error the rules package raises for a bad rules file."""
from __future__ import annotations


class RulesError(ValueError):
    """A rules file that can't be used. `errors` holds one line per problem, each naming file, rule and key."""

    def __init__(self, errors: list[str]) -> None:
        self.errors = list(errors)
        super().__init__("\n".join(self.errors))


class FieldError(ValueError):
    """A problem with one key while compiling; the loader adds the file and rule name."""

    def __init__(self, key: str, message: str) -> None:
        self.key = key
        self.message = message
        super().__init__(f"key '{key}': {message}")
