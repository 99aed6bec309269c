#!/usr/bin/env bash
# `npm test`: Biome (lint and format check), then the TypeScript check and vitest side by side.
# tsc is single-threaded and takes ~25 s; the test run leaves CPU idle while its suites wait on
# mail servers and daemons, so running the two together saves most of those seconds. tsc's
# output is printed after the tests, with its verdict; the command fails if either fails.
# Arguments go to vitest (`npm test -- tests/domain`).
set -uo pipefail
cd "$(dirname "$0")/.."

npx biome check . || exit 1

types_log=$(mktemp)
trap 'rm -f "$types_log"' EXIT
npx tsc -p tsconfig.json --noEmit >"$types_log" 2>&1 &
types=$!

npx vitest run "$@"
tests_status=$?

wait "$types"
types_status=$?
if [ "$types_status" -eq 0 ]; then
  echo "typecheck: no errors (tsc -p tsconfig.json --noEmit)"
else
  cat "$types_log"
  echo "typecheck: FAILED (tsc -p tsconfig.json --noEmit)"
fi
[ "$tests_status" -eq 0 ] && [ "$types_status" -eq 0 ]
