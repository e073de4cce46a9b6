"""Measurement on the target (no torch): a run's plan, trial store, worker launch and records
(``session.run_profile``), timing, memory, power, and environment capture. Nothing is imported here,
so the CLI takes the names below from it without loading numpy or a backend."""

ISOLATION = ("process", "none")  # each trial in a fresh worker process, or in this one
POWER_MODES = ("auto", "none")  # auto: the profile's source, or none with a recorded warning where it cannot start
