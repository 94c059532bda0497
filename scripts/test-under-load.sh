#!/usr/bin/env bash
# Runs `npm test` ROUNDS times (default 3), each beside one busy loop per core, to shake out tests
# that only pass on a quiet machine (CI machines are shared and often busy). Every busy loop and
# every round is bounded by `timeout`; exits 1 if any round failed. Logs: test-results/load-N.log.
set -uo pipefail
cd "$(dirname "$0")/.."
rounds="${1:-3}"
cores="$(nproc)"
mkdir -p test-results
failed=0
for round in $(seq 1 "$rounds"); do
  hogs=()
  for _ in $(seq 1 "$cores"); do
    timeout 900 sh -c 'while :; do :; done' &
    hogs+=("$!")
  done
  timeout 900 npm test > "test-results/load-$round.log" 2>&1
  status=$?
  kill "${hogs[@]}" 2>/dev/null
  wait "${hogs[@]}" 2>/dev/null
  summary="$(grep -E '^ℹ (pass|fail|duration_ms)' "test-results/load-$round.log" | tr '\n' ' ')"
  echo "round $round/$rounds: exit $status; $summary"
  [ "$status" -eq 0 ] || failed=1
done
exit "$failed"
