#!/usr/bin/env bash
# Runs the test projects and ends with one line "N passed, N failed" (what CI reads).
#   hack/run-tests.sh unit|integration|all
# Unit tests are every test without [Trait("Category","Integration")]; integration tests need
# root (network namespaces, Open vSwitch) and the binaries hack/bootstrap.sh provides.
set -uo pipefail
cd "$(dirname "$0")/.."
scope=${1:-all}
configuration=${CONFIGURATION:-Release}
results=$(mktemp -d /tmp/erebor-test-results.XXXXXX)
trap 'rm -rf "$results"' EXIT

case "$scope" in
  unit) filters=("Category!=Integration") ;;
  integration) filters=("Category=Integration") ;;
  all) filters=("Category!=Integration" "Category=Integration") ;;
  *) echo "usage: $0 unit|integration|all" >&2; exit 2 ;;
esac

status=0
for filter in "${filters[@]}"; do
  echo "== dotnet test ($filter)"
  start=$SECONDS
  dotnet test Operator.sln -c "$configuration" --no-build --nologo --filter "$filter" \
    --logger "trx;LogFilePrefix=$(echo "$filter" | tr -c 'a-zA-Z' '_')" --results-directory "$results" \
    -- RunConfiguration.TreatNoTestsAsError=false 2>&1 | grep -vE '^\s*$' || status=1
  echo "== ($filter) took $((SECONDS - start)) s"
done

# Count from the TRX files: one per test assembly and filter. A crashed test host leaves no
# counters behind, so a missing or short file counts as a failure through dotnet's exit status.
passed=0; failed=0
for trx in "$results"/*.trx; do
  [ -e "$trx" ] || continue
  counters=$(grep -o '<Counters [^>]*>' "$trx" | head -1)
  p=$(sed -nE 's/.* passed="([0-9]+)".*/\1/p' <<<"$counters"); f=$(sed -nE 's/.* failed="([0-9]+)".*/\1/p' <<<"$counters")
  passed=$((passed + ${p:-0})); failed=$((failed + ${f:-0}))
done
if [ "$status" -ne 0 ] && [ "$failed" -eq 0 ]; then failed=1; fi  # a test host crash or build problem
echo "$passed passed, $failed failed"
[ "$failed" -eq 0 ]
