# Erebor: the two commands a new user needs are `make demo` and `make test` (see README.md).
SHELL := /bin/bash
.DEFAULT_GOAL := help
DOTNET ?= dotnet
CONFIGURATION ?= Release
EREBOR_CACHE ?= /var/cache/erebor
export EREBOR_CACHE
export DOTNET_CLI_TELEMETRY_OPTOUT := 1
export DOTNET_NOLOGO := 1
OPERATOR_BIN := operator/Erebor.Operator/bin/$(CONFIGURATION)/net10.0/erebor-operator
AGENT_BIN := agent/Erebor.Agent/bin/$(CONFIGURATION)/net10.0/erebor-agent
# The benchmarks start the operator and agent binaries the build produced.
BENCH := EREBOR_OPERATOR_BIN=$(CURDIR)/$(OPERATOR_BIN) EREBOR_AGENT_BIN=$(CURDIR)/$(AGENT_BIN) $(DOTNET) test/Erebor.Bench/bin/$(CONFIGURATION)/net10.0/erebor-bench.dll

.PHONY: help bootstrap build test test-unit test-integration crds verify-crds chart demo bench bench-operator bench-flows bench-l3 bench-dhcp bench-protection format clean

help: ## show the targets
	@grep -hE '^[a-z-]+:.*## ' $(MAKEFILE_LIST) | awk -F':.*## ' '{printf "  make %-18s %s\n", $$1, $$2}'

bootstrap: ## install Debian packages and build kube-apiserver/kubectl 1.20.2 once (cached in $(EREBOR_CACHE))
	@bash hack/bootstrap.sh

build: ## restore and build everything
	$(DOTNET) build Operator.sln -c $(CONFIGURATION) --nologo -v quiet

test: bootstrap build ## run every test: unit, then integration against a real kube-apiserver, etcd and Open vSwitch
	@bash hack/run-tests.sh all

test-unit: build ## unit tests only (seconds, no root needed)
	@bash hack/run-tests.sh unit

test-integration: bootstrap build ## integration tests only
	@bash hack/run-tests.sh integration

crds: ## regenerate crds/ from the C# API types (and the chart's copies)
	$(DOTNET) run --project operator/Erebor.Operator -c $(CONFIGURATION) -- generate-crds --out $(CURDIR)/crds
	@$(MAKE) --no-print-directory chart

chart: ## sync charts/erebor with crds/ and config/rbac (a test fails when they drift)
	rm -f charts/erebor/crds/*.yaml && cp crds/*.yaml charts/erebor/crds/
	for who in operator agent; do sed 's/namespace: erebor-system/namespace: {{ .Release.Namespace }}/' config/rbac/$$who.yaml > charts/erebor/templates/$$who/rbac.yaml; done

verify-crds: crds ## fail if crds/ (or the chart's copy) is not what the types generate
	git diff --exit-code -- crds/ charts/erebor/crds/

demo: bootstrap build ## control plane, operator, samples, two simulated nodes: DHCP and pings across subnets and nodes (see README.md)
	@bash hack/demo.sh

bench: bench-operator bench-flows bench-l3 bench-dhcp bench-protection ## every benchmark (results as JSON in bench/results/)

bench-operator: bootstrap build ## 1000 Subnets applied -> all Ready, vs kubectl apply alone
	$(BENCH) operator 1000

bench-flows: bootstrap ## 10k and 100k flows: our OpenFlow bundle vs ovs-ofctl --bundle add-flows, single flow-mod latency (root)
	$(DOTNET) build test/Erebor.Bench -c $(CONFIGURATION) --nologo -v quiet
	$(BENCH) flows 10000,100000

bench-l3: bootstrap build ## reactive L3: first-packet vs steady RTT through a Router, reactive flows vs proactive (root; real OVS, agent, operator)
	$(BENCH) l3 20 5

bench-dhcp: bootstrap build ## DORA/s and p50/p99 of our agent vs dnsmasq vs kea-dhcp4, same subnet, same clients (root; real OVS, agent, operator)
	$(BENCH) dhcp 16 10 3

bench-protection: bootstrap build ## protect and restore 1k and 10k objects (checkpoint/restore run as processes: objects/s, bank bytes, peak RSS) vs kubectl get -o json
	$(BENCH) protection 1000,10000

format: ## apply dotnet format
	$(DOTNET) format Operator.sln

clean:
	$(DOTNET) clean Operator.sln -v quiet
