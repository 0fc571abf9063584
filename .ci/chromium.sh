#!/usr/bin/env bash
# Install Debian's chromium for the real-browser tests (tests/browser.py drives it through
# Playwright; Playwright's own browser download is never run). Run as root on Debian bookworm.
# Where it cannot be installed this says why and exits 0: those tests then skip with the reason.
set -euo pipefail

if command -v chromium >/dev/null; then
    echo "chromium.sh: $(chromium --version 2>/dev/null || echo chromium) already installed"
    exit 0
fi
if apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >/dev/null; then
    echo "chromium.sh: installed $(chromium --version 2>/dev/null)"
else
    echo "chromium.sh: SKIP, apt-get install chromium failed: the browser tests will skip" >&2
fi
