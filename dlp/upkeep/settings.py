"""``[upkeep]`` in the settings file: how often each job runs in the gateway.

```toml
[upkeep]
enabled = true
purge_hours = 6
checkpoint_minutes = 60
agreement_hours = 24
roster_hours = 24
```
"""

from __future__ import annotations

from dataclasses import dataclass

from dlp.tomlreader import Table


@dataclass(frozen=True, slots=True)
class UpkeepSettings:
    enabled: bool = True  # the gateway runs the jobs as they come due
    purge_hours: float = 6.0
    checkpoint_minutes: float = 60.0
    agreement_hours: float = 24.0
    roster_hours: float = 24.0
    # A runner that died holding a job's lock (SQLite's lock row) gives it up after this long.
    lock_minutes: float = 30.0

    def every(self) -> dict[str, float]:
        """Each job's period in seconds."""
        return {
            "retention-purge": self.purge_hours * 3600,
            "audit-checkpoint": self.checkpoint_minutes * 60,
            "agreement-expiry": self.agreement_hours * 3600,
            "roster-age": self.roster_hours * 3600,
        }


def read_upkeep(table: Table) -> UpkeepSettings:
    default = UpkeepSettings()

    def period(key: str, maximum: float) -> float:
        value: float = table.number(key, getattr(default, key), minimum=0.1, maximum=maximum)
        return value

    settings = UpkeepSettings(
        enabled=table.boolean("enabled", default.enabled),
        purge_hours=period("purge_hours", 24 * 30),
        checkpoint_minutes=period("checkpoint_minutes", 24 * 60),
        agreement_hours=period("agreement_hours", 24 * 30),
        roster_hours=period("roster_hours", 24 * 30),
        lock_minutes=period("lock_minutes", 24 * 60),
    )
    table.done()
    return settings
