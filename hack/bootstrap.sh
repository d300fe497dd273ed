#!/usr/bin/env bash
# Installs what Erebor's tests and demo need on a Debian 12 machine (run as root), and builds
# kube-apiserver (and kubectl) 1.20.2 from Debian's source package once, cached outside the repo.
# Idempotent: a second run only checks that everything is there.
#
#   hack/bootstrap.sh            packages + kube binaries
#   EREBOR_CACHE=/path ...       where the build lives (default /var/cache/erebor)
set -euo pipefail

CACHE=${EREBOR_CACHE:-/var/cache/erebor}
BIN=$CACHE/bin
# Bump when the source patches below change: a cache built by an older recipe is rebuilt.
RECIPE=2
PACKAGES=(etcd-server golang-go rsync golang-github-modern-go-reflect2-dev dpkg-dev
  openvswitch-switch iproute2 busybox isc-dhcp-client iputils-ping iputils-arping ethtool
  prometheus dnsmasq-base kea-dhcp4-server kea-admin openssl lua5.1 curl)

log() { printf '[bootstrap] %s\n' "$*" >&2; }

missing_packages() {
  local p
  for p in "${PACKAGES[@]}"; do
    dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || echo "$p"
  done
}

ensure_packages() {
  local missing
  missing=$(missing_packages)
  [ -z "$missing" ] && return 0
  log "installing Debian packages: $(echo $missing)"
  if ! grep -rqs '^Types:.*deb-src' /etc/apt/sources.list.d/ && ! grep -qs '^deb-src' /etc/apt/sources.list; then
    cat >/etc/apt/sources.list.d/erebor-src.sources <<'EOF'
Types: deb-src
URIs: http://deb.debian.org/debian
Suites: bookworm
Components: main
Signed-By: /usr/share/keyrings/debian-archive-keyring.gpg
EOF
  fi
  apt-get update -qq
  # The services these packages start by default are not ours: keep them from running.
  DEBIAN_FRONTEND=noninteractive RUNLEVEL=1 apt-get install -y -qq --no-install-recommends $missing >/dev/null
  for svc in openvswitch-switch prometheus prometheus-node-exporter etcd kea-dhcp4-server; do
    command -v systemctl >/dev/null && systemctl disable --now "$svc" >/dev/null 2>&1 || true
  done
}

ensure_kube_binaries() {
  if [ -x "$BIN/kube-apiserver" ] && [ -x "$BIN/kubectl" ] && [ "$(cat "$BIN/.recipe" 2>/dev/null)" = "$RECIPE" ]; then return 0; fi
  mkdir -p "$CACHE/src" "$BIN"
  rm -f "$BIN/kube-apiserver" "$BIN/kubectl"
  cd "$CACHE/src"
  if [ "$(cat kubernetes/.erebor-recipe 2>/dev/null)" != "$RECIPE" ]; then rm -rf kubernetes; fi
  if [ ! -d kubernetes ]; then
    grep -rqs '^Types:.*deb-src' /etc/apt/sources.list.d/ || { log "no deb-src entry"; exit 1; }
    log "fetching Debian's kubernetes source package"
    rm -rf kubernetes-*
    apt-get source -qq --download-only kubernetes >/dev/null
    dpkg-source -x kubernetes_*.dsc kubernetes >/dev/null 2>&1
    # The vendored reflect2 1.0.1 makes the API server crash under Go >= 1.18 when it encodes maps.
    local reflect2
    reflect2=$(dpkg -L golang-github-modern-go-reflect2-dev | grep -m1 '/github.com/modern-go/reflect2$')
    rm -rf kubernetes/vendor/github.com/modern-go/reflect2
    cp -r "$reflect2" kubernetes/vendor/github.com/modern-go/reflect2
    # Built with a Go newer than 1.15, kube-openapi 1.20 rejects "" where a schema says
    # type: string (kubernetes/kubernetes#99804); apply the upstream fix (kube-openapi#230).
    sed -i 's/if data == nil || reflect.DeepEqual(reflect.Zero(reflect.TypeOf(data)), reflect.ValueOf(data)) {/if data == nil {/' \
      kubernetes/vendor/k8s.io/kube-openapi/pkg/validation/validate/type.go
    grep -q '^	if data == nil {$' kubernetes/vendor/k8s.io/kube-openapi/pkg/validation/validate/type.go ||
      { log "the kube-openapi empty-string patch did not apply"; exit 1; }
    mkdir -p kubernetes/.go/src/k8s.io
    ln -sfn ../../.. kubernetes/.go/src/k8s.io/kubernetes
    echo "$RECIPE" > kubernetes/.erebor-recipe
  fi
  cd kubernetes
  local what
  for what in kube-apiserver kubectl; do
    [ -x "$BIN/$what" ] && continue
    log "building $what 1.20.2 (about 10 minutes the first time; cached in $BIN)"
    GOPATH=$PWD/.go CGO_ENABLED=0 GOFLAGS=-mod=vendor make WHAT=cmd/$what >"$CACHE/build-$what.log" 2>&1 ||
      { tail -30 "$CACHE/build-$what.log"; exit 1; }
    cp "_output/local/bin/linux/amd64/$what" "$BIN/$what"
  done
  echo "$RECIPE" > "$BIN/.recipe"
}

# The S3 bank tests run s3rver (npm) under node; a machine with its own node (e.g. from
# NodeSource) keeps it, a bare Debian gets the distribution's.
ensure_node() {
  command -v node >/dev/null && command -v npm >/dev/null && return 0
  log "installing Debian packages: nodejs npm"
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends nodejs npm >/dev/null
}

ensure_packages
ensure_node
ensure_kube_binaries
log "ready: $BIN/kube-apiserver, $BIN/kubectl, etcd $(command -v etcd), ovs-vswitchd $(command -v ovs-vswitchd)"
