"""Measurement on the target (no torch): a run's plan, trial store, worker launch and records
(``session.run_profile``), timing, memory, power, and environment capture. Nothing is imported here."""
