#!/usr/bin/env bash
# The whole test suite: unit tests, then end-to-end tests against real PostgreSQL and Redis
# (TEST_DATABASE_URL, default postgres://postgres@127.0.0.1:5432/postgres; TEST_REDIS_URL, default redis://127.0.0.1:6379).
set -euo pipefail
cd "$(dirname "$0")/.."

[ -d node_modules ] || npm install --no-audit --no-fund
# Type-check everything (jest transpiles without checking types; the dashboard's browser code has its
# own tsconfig), then build as `npm start` does: the zero-configuration test starts the built service,
# and the dashboard's browser tests load the compiled client from dist/dashboard/client.
npx tsc --noEmit -p tsconfig.json
npx tsc --noEmit -p src/dashboard/client/tsconfig.json
npm run --silent build

results=$(mktemp -d)
status=0
npx jest --runInBand --json --outputFile="$results/jest.json" "$@" || status=$?
if [ -f "$results/jest.json" ]; then
  node -e '
    const r = require(process.argv[1]);
    // A suite that fails to load counts as a failure too.
    console.log(`\n${r.numPassedTests} passed, ${r.numFailedTests + r.numRuntimeErrorTestSuites} failed` + (r.numPendingTests ? `, ${r.numPendingTests} skipped` : ""));
  ' "$results/jest.json"
fi
rm -rf "$results"
exit $status
