"""The cohort-run layer: what ``register`` and ``status`` share when they work through a cohort.

One module per concern, each the only place that does it:

* :mod:`.launch`     choose the browser outside any event loop, launch it once (async API);
* :mod:`.each`       every candidate, a few at a time; any exception is that candidate's outcome;
* :mod:`.retry`      the retry policy (tries, backoff) every retry loop uses;
* :mod:`.sessions`   where each candidate's saved login lives;
* :mod:`.plans`      which plan the cohort is about (the same answer for both commands);
* :mod:`.politeness` per-host concurrency cap and spacing of page loads;
* :mod:`.states`     the vocabulary of application states;
* :mod:`.accounts`, :mod:`.humans`, :mod:`.relay`  logins and the people behind human steps.

This package never prints and never prompts: the commands pass a console, a way to ask and a
progress view in. Nothing is imported here so that :mod:`.retry` stays usable from below.
"""
