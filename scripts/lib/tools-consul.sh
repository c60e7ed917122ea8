# shellcheck shell=bash
# A real Consul server for the test rig, pinned. Sourced by scripts/test (and scripts/build-consul) after
# scripts/lib/common.sh, which provides log, die, need_cmd, REPO_ROOT, RAFT_LIFECYCLE_CACHE and VAULT_GO_TOOLCHAIN.
# Defines ensure_tools_consul; exports RIG_CONSUL_BIN.

# Consul 1.16.3 is the last MPL-2.0 release (later 1.16 patches are BSL; the module proxy does not serve 1.16.4).
# Built from Go modules by scripts/build-consul out of rig/consul-build (see its README).
CONSUL_VERSION="1.16.3"
# Consul 1.16 declares go 1.20 and its releases used Go 1.20/1.21: the same toolchain as the Vault build.
CONSUL_GO_TOOLCHAIN="$VAULT_GO_TOOLCHAIN"

# Where scripts/build-consul puts its binary: keyed by the version and by what the build is made of (the wrapper
# module and the build script), so a change to any of them builds afresh.
consul_build_dir() {
  local src="$REPO_ROOT/rig/consul-build" key
  key="$(cat "$src/go.mod" "$src/go.sum" "$src/main.go" "$REPO_ROOT/scripts/build-consul" | sha256sum | cut -c1-12)"
  printf '%s\n' "$RAFT_LIFECYCLE_CACHE/consul/$CONSUL_VERSION-$key"
}

# Consul: CONSUL_BIN if set, else build 1.16.3 from Go modules (scripts/build-consul; reused once built).
ensure_tools_consul() {
  if [ -n "${CONSUL_BIN:-}" ]; then
    [ -x "$CONSUL_BIN" ] || die "CONSUL_BIN=$CONSUL_BIN is not an executable file"
    RIG_CONSUL_BIN="$CONSUL_BIN"
  else
    RIG_CONSUL_BIN="$(consul_build_dir)/consul"
    if [ ! -x "$RIG_CONSUL_BIN" ]; then
      "$REPO_ROOT/scripts/build-consul" >&2 || die "scripts/build-consul failed (or set CONSUL_BIN to a consul $CONSUL_VERSION binary)"
    fi
  fi
  export RIG_CONSUL_BIN
}
