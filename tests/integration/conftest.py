"""The email peers (real Dovecot, in-process aiosmtpd) for cross-component tests."""
from tests.connectors.email.conftest import dovecot, smtp_server  # noqa: F401 - fixtures re-exported
