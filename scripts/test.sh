#!/usr/bin/env bash
# Install the dev extras into .venv, check lint, the import layers and types (ruff, import-linter, mypy),
# then run the test suite.
# Extra arguments go to pytest.
set -euo pipefail
cd "$(dirname "$0")/.."
./scripts/_install.sh "torch,dev"
# The report layout test renders report.html in headless Chromium; install it where it is missing and
# apt-get can (quietly, never failing the run); without it that test skips and says why.
if ! command -v chromium >/dev/null 2>&1 && ! command -v chromium-browser >/dev/null 2>&1 \
   && ! command -v google-chrome >/dev/null 2>&1 && command -v apt-get >/dev/null 2>&1; then
  SUDO=""; [ "$(id -u)" = 0 ] || SUDO="sudo -n"
  echo "[edgecrelu] installing chromium for the report layout test (apt-get; skipped if not possible)"
  { $SUDO apt-get update -qq && DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq chromium; } \
    >/dev/null 2>&1 || echo "[edgecrelu] chromium not installed: the report layout test will skip"
fi
# The `profile --host` tests start their own sshd on 127.0.0.1 (OpenSSH server, throwaway keys); install it
# the same way (quietly, never failing the run); without it those tests skip and say why.
if ! command -v sshd >/dev/null 2>&1 && [ ! -x /usr/sbin/sshd ] && command -v apt-get >/dev/null 2>&1; then
  SUDO=""; [ "$(id -u)" = 0 ] || SUDO="sudo -n"
  echo "[edgecrelu] installing openssh-server for the profile --host tests (apt-get; skipped if not possible)"
  { $SUDO apt-get update -qq && DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq openssh-server openssh-client; } \
    >/dev/null 2>&1 || echo "[edgecrelu] openssh-server not installed: the profile --host tests will skip"
fi
echo "[edgecrelu] ruff (lint + import order)"
.venv/bin/ruff check .
echo "[edgecrelu] import-linter (the layers of docs/architecture.md)"
.venv/bin/lint-imports --no-cache
echo "[edgecrelu] mypy (the package; settings in pyproject.toml [tool.mypy])"
.venv/bin/mypy
exec .venv/bin/python -m pytest "$@"
