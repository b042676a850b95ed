#!/usr/bin/env bash
# `npm run cli`: runs the built CLI, building first only when a source file is newer than the build
# (so it does not rebuild dist/ under a running service that is already up to date). The working
# directory is kept: the embedded PostgreSQL's data (./.data/) is found from it, as `npm start` does.
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
newer_sources() {
  find "$root/src" "$root/package.json" "$root/tsconfig.json" "$root/tsconfig.build.json" -newer "$root/dist/cli.js" ! -name '*.spec.ts' -print -quit
}
if [ ! -f "$root/dist/cli.js" ] || [ -n "$(newer_sources)" ]; then
  npm --prefix "$root" run --silent build >&2
fi
exec node "$root/dist/cli.js" "$@"
