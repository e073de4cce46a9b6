"""Measurement: timing statistics, memory, accuracy, environment capture, power (no torch)."""
