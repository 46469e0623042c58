#!/usr/bin/env bash
# Fetches the real control-plane binaries the conformance suite runs against, without Docker:
#   - etcd from Debian's etcd-server package (or a PATH etcd already there),
#   - kube-apiserver built from the Kubernetes Go modules through the Go module proxy.
# Both are cached OUTSIDE the repo, keyed by version, so only the first run pays for the build:
#   ${SWITCHBOARD_CACHE:-~/.cache/switchboard}/k8s/<version>/kube-apiserver
#
# Usage: conformance/get-binaries.sh [--print-env] [--no-install]
#   --print-env   print KUBE_APISERVER=... and ETCD=... lines on stdout (what run.ts reads)
#   --no-install  never run apt-get (fail with a reason instead)
# Exit codes: 0 ok, 3 skipped (a tool is missing: one line with the reason on stderr), other = error.
set -euo pipefail

K8S_VERSION="${SWITCHBOARD_K8S_VERSION:-v1.32.13}"   # matches kubectl 1.32 on the dev machines
CACHE_ROOT="${SWITCHBOARD_CACHE:-$HOME/.cache/switchboard}/k8s"
OUT_DIR="$CACHE_ROOT/$K8S_VERSION"
APISERVER="$OUT_DIR/kube-apiserver"
PRINT_ENV=0
NO_INSTALL=0
for arg in "$@"; do
  case "$arg" in
    --print-env) PRINT_ENV=1 ;;
    --no-install) NO_INSTALL=1 ;;
    *) echo "unknown argument: $arg" >&2; exit 2 ;;
  esac
done

skip() { echo "conformance skipped: $*" >&2; exit 3; }
log() { echo "[get-binaries] $*" >&2; }

# ---------- etcd ----------
find_etcd() {
  if [ -n "${ETCD:-}" ] && [ -x "$ETCD" ]; then echo "$ETCD"; return 0; fi
  command -v etcd 2>/dev/null || { [ -x /usr/bin/etcd ] && echo /usr/bin/etcd; } || return 1
}
ETCD_BIN="$(find_etcd || true)"
if [ -z "$ETCD_BIN" ] && [ "$NO_INSTALL" = 0 ] && [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null; then
  log "installing Debian's etcd-server"
  if ! apt-cache policy etcd-server 2>/dev/null | grep -q 'Candidate: [0-9]'; then apt-get update -qq >&2 || true; fi
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq etcd-server >&2 || true
  ETCD_BIN="$(find_etcd || true)"
fi
[ -n "$ETCD_BIN" ] || skip "etcd not found (install Debian's etcd-server, or set ETCD=/path/to/etcd)"

# ---------- kube-apiserver ----------
if [ ! -x "$APISERVER" ]; then
  GO="${GO:-}"
  if [ -z "$GO" ]; then
    GO="$(command -v go || true)"
    if [ -z "$GO" ] && [ -x /usr/local/go/bin/go ]; then GO=/usr/local/go/bin/go; fi
  fi
  { [ -n "$GO" ] && command -v "$GO" >/dev/null 2>&1; } || skip "go not found (needed once to build kube-apiserver $K8S_VERSION into $OUT_DIR; or set KUBE_APISERVER and ETCD)"
  export GOTOOLCHAIN=local GOFLAGS=-mod=mod CGO_ENABLED=0
  BUILD_DIR="$OUT_DIR/build"
  mkdir -p "$BUILD_DIR"
  cd "$BUILD_DIR"
  MINOR="${K8S_VERSION#v1.}"; STAGING_VERSION="v0.${MINOR}"   # v1.32.13 -> v0.32.13
  log "building kube-apiserver $K8S_VERSION with $("$GO" version) (first run only; ~10-20 min on 2 cores)"
  start=$(date +%s)
  # k8s.io/kubernetes replaces its k8s.io/* staging modules with ./staging/... paths; replace
  # directives of a dependency are ignored, so a throwaway main module pins them to the matching
  # published versions instead.
  "$GO" mod download -json "k8s.io/kubernetes@$K8S_VERSION" > download.json
  KMOD="$(sed -n 's/^[[:space:]]*"GoMod": "\(.*\)",$/\1/p' download.json)"
  [ -f "$KMOD" ] || { echo "cannot find go.mod of k8s.io/kubernetes@$K8S_VERSION" >&2; exit 1; }
  {
    echo "module switchboard.local/kube-apiserver-build"
    echo
    sed -n 's/^go \(.*\)$/go \1/p' "$KMOD"
    echo
    grep -E '^godebug ' "$KMOD" || true
    echo
    echo "require k8s.io/kubernetes $K8S_VERSION"
    echo
    grep -E '^[[:space:]]*k8s\.io/[a-z0-9-]+ => \./staging/' "$KMOD" \
      | awk -v v="$STAGING_VERSION" '{ printf "replace %s => %s %s\n", $1, $1, v }'
  } > go.mod
  : > go.sum
  LDFLAGS="-s -w"
  for pkg in k8s.io/component-base/version k8s.io/client-go/pkg/version; do
    LDFLAGS="$LDFLAGS -X $pkg.gitVersion=$K8S_VERSION -X $pkg.gitMajor=1 -X $pkg.gitMinor=${MINOR%%.*}"
    LDFLAGS="$LDFLAGS -X $pkg.gitTreeState=clean -X $pkg.buildDate=1970-01-01T00:00:00Z"
  done
  # nice: the build is CPU-heavy and other work (tests) shares the 2 cores.
  nice -n 10 "$GO" build -trimpath -ldflags "$LDFLAGS" -o "$APISERVER.tmp" k8s.io/kubernetes/cmd/kube-apiserver
  mv "$APISERVER.tmp" "$APISERVER"
  end=$(date +%s)
  echo "$((end - start))" > "$OUT_DIR/build-seconds"
  log "built $APISERVER in $((end - start))s"
fi

"$APISERVER" --version >/dev/null 2>&1 || { echo "kube-apiserver at $APISERVER does not run" >&2; exit 1; }

if [ "$PRINT_ENV" = 1 ]; then
  echo "KUBE_APISERVER=$APISERVER"
  echo "ETCD=$ETCD_BIN"
  echo "K8S_VERSION=$K8S_VERSION"
fi
