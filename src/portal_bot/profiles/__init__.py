"""Candidate profiles: the cohort folder's YAML files, their rules, and roster import.

Public API (other parts of portal-bot call only these):

- :func:`load_cohort` — ``cohort.yaml`` → :class:`Cohort` (raises ProfileError when broken)
- :func:`validate_cohort` — every candidate file → list of :class:`CandidateResult`
- :func:`check_file` — one candidate file (optionally with its Cohort) → :class:`CandidateResult`
- :class:`Candidate`, :class:`Promotion`, :class:`Account`, :class:`PlanSelector` — the models
- :class:`Problem` — ``field``, ``severity`` ("error" | "warning"), ``message`` (starts with file:line)
"""

from portal_bot.profiles.loader import CandidateResult, Cohort, Problem, load_cohort
from portal_bot.profiles.models import Account, Candidate, PlanSelector, Promotion
from portal_bot.profiles.validate import check_file, validate_cohort

__all__ = [
    "Account",
    "Candidate",
    "CandidateResult",
    "Cohort",
    "PlanSelector",
    "Problem",
    "Promotion",
    "check_file",
    "load_cohort",
    "validate_cohort",
]
