"""Packaging beyond pyproject.toml: the device profiles live in the top-level ``profiles/`` folder of
the repository and install inside the package as ``edgecrelu/profiles/*.toml`` (see
``edgecrelu/devices.py``), which a ``packages.find`` table cannot express."""

from setuptools import find_packages, setup

setup(
    packages=find_packages(include=["edgecrelu", "edgecrelu.*"]) + ["edgecrelu.profiles"],
    package_dir={"edgecrelu.profiles": "profiles"},
    package_data={"edgecrelu.profiles": ["*.toml"]},
)
