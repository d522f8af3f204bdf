"""`python -m portal_bot` is the `portal-bot` command."""

from portal_bot.cli import main

main()
