"""Torch side: the CReLU module, the model zoo, variant rewrites, parameter / MAC counting.

Importing this package imports torch; nothing on the target side (profile, report) may import it.
"""
