"""Run a coroutine to completion from a synchronous test.

pytest-playwright's sync API keeps an event loop running in the main thread for the whole session
once a browser test has run, so ``asyncio.run`` there fails; ``run_sync`` then uses a fresh thread.
"""

from portal_bot.portal._sync import run_sync as run_async

__all__ = ["run_async"]
