#!/usr/bin/env bash
# Sets up and runs the whole test suite on a fresh machine (run as root; apt and npm reachable).
# The last line it prints is "N passed, N failed", so a run that executed nothing is visible.
set -uo pipefail
cd "$(dirname "$0")/.."

if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then
  # Build tools for better-sqlite3 (compiled from source here).
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq >/dev/null
  apt-get install -y -qq --no-install-recommends python3 make g++ ca-certificates >/dev/null
fi

set -e
npm ci --no-audit --no-fund
npm run check
npm run build
set +e

rm -f .vitest-report.json
npx vitest run --reporter=default --reporter=json --outputFile=.vitest-report.json
status=$?
if [ -f .vitest-report.json ]; then
  node -e 'const r = JSON.parse(require("fs").readFileSync(".vitest-report.json", "utf8"));
    console.log(`${r.numPassedTests} passed, ${r.numFailedTests} failed`);'
else
  echo "0 passed, 0 failed"
  [ "$status" = 0 ] && status=1
fi
exit "$status"
