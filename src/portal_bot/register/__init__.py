"""Registration of a cohort: orchestration, politeness towards the portal, and relaying human steps."""
