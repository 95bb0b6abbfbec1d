"""The quarantine tests' real stores and held decision, for the alerts' tests."""

from tests.quarantine.conftest import (  # noqa: F401 (fixtures)
    held_decision,
    held_scan,
    policy,
    postgres_schema_url,
    store_url,
)
