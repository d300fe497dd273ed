#!/usr/bin/env bash
# make demo: runs the narrated demo (test/Erebor.Demo) with the operator built in Release.
set -euo pipefail
cd "$(dirname "$0")/.."
configuration=${CONFIGURATION:-Release}
export EREBOR_OPERATOR_BIN=$PWD/operator/Erebor.Operator/bin/$configuration/net10.0/erebor-operator
export EREBOR_AGENT_BIN=$PWD/agent/Erebor.Agent/bin/$configuration/net10.0/erebor-agent
exec dotnet test/Erebor.Demo/bin/$configuration/net10.0/erebor-demo.dll ${ARGS:-} "$@"
