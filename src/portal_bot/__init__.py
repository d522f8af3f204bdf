"""portal-bot: registers candidates for vocational skill-level certification.

The library never configures logging sinks: it disables its own logger here, and only the CLI
(`portal_bot.cli`) enables it and adds sinks, all of them masking personal data.
"""

from loguru import logger

__version__ = "0.1.0"

logger.disable("portal_bot")
