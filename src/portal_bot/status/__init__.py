"""Status runs: watching candidates' applications after 提交 (issue 6), in plain, testable pieces.

- :mod:`.states`: the portal's state texts → :class:`~.states.State`, and the coordinator's action.
- :mod:`.changes`: observations, what changed since the last run, grouping and exit codes.
- :mod:`.messages` and :mod:`.notify`: notifications (webhook, WeCom, DingTalk, Feishu, SMTP).
- :mod:`.lock`: runs never overlap. :mod:`.schedule`: ``--every 6h`` with jitter and a floor.
- :mod:`.report`: HTML (with a chart) and .xlsx reports of a cohort's states over time.
- :mod:`.table`: the console table grouped by action, and the list of changes.

Nothing in this package reads the portal or the ledger: the ``status`` command wires them in.
"""
