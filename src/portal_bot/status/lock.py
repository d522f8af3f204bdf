"""The status run's lock: now :mod:`portal_bot.cohortrun.lock` (kept so old imports work)."""

from portal_bot.cohortrun.lock import LOCK_NAME, RunLock, pid_alive, status_lock

__all__ = ["LOCK_NAME", "RunLock", "pid_alive", "status_lock"]
