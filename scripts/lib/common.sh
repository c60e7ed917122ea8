# Shared helpers for the scripts in scripts/. Sourced, never executed.
# Everything the project installs goes into a cache outside the work tree (RAFT_LIFECYCLE_CACHE),
# keyed by version, so a fresh clone reuses earlier downloads and builds.

set -euo pipefail

REPO_ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
RAFT_LIFECYCLE_CACHE="${RAFT_LIFECYCLE_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/raft-lifecycle}"
export REPO_ROOT RAFT_LIFECYCLE_CACHE

# Pinned tool versions: one place.
MOTO_VERSION="5.2.5"
MAVEN_VERSION="3.9.9"
VAULT_VERSION="1.14.10"
# Go toolchain used to build Vault 1.14 (its own branch used Go 1.20/1.21; newer Go rejects some
# of its dependencies). Fetched through the Go module proxy by GOTOOLCHAIN.
VAULT_GO_TOOLCHAIN="go1.21.13"

log() { printf '%s\n' "$*" >&2; }
die() { printf 'error: %s\n' "$*" >&2; exit 1; }

# Runs a long command and says every 30 s that it still runs, with the time so far: no silent minutes.
# with_ticker <label> <command>...   (the command's exit status is returned)
with_ticker() {
  local label="$1" start pid status
  shift
  start=$(date +%s)
  "$@" &
  pid=$!
  while kill -0 "$pid" 2>/dev/null; do
    for _ in 1 2 3 4 5 6 7 8 9 10 11 12 13 14 15; do
      sleep 2
      kill -0 "$pid" 2>/dev/null || break
    done
    kill -0 "$pid" 2>/dev/null && log "$label: still running ($(( ($(date +%s) - start) / 60 ))m$(( ($(date +%s) - start) % 60 ))s)"
  done
  status=0
  wait "$pid" || status=$?
  return "$status"
}

need_cmd() { # need_cmd <command> <how to provide it>
  command -v "$1" >/dev/null 2>&1 || die "'$1' is missing: $2"
}

java_major() { # java_major <java binary> -> prints the feature version, e.g. 21
  "$1" -XshowSettings:properties -version 2>&1 | sed -n 's/^ *java\.specification\.version = \([0-9]*\).*/\1/p' | head -n1
}

# Locate a JDK >= 21: JAVA_HOME if it qualifies, else the newest under /usr/lib/jvm.
find_jdk() {
  local candidate major best="" best_major=0
  if [ -n "${JAVA_HOME:-}" ] && [ -x "$JAVA_HOME/bin/javac" ]; then
    major="$(java_major "$JAVA_HOME/bin/java")"
    if [ "${major:-0}" -ge 21 ]; then printf '%s\n' "$JAVA_HOME"; return 0; fi
    log "JAVA_HOME=$JAVA_HOME is Java ${major:-?}; looking for a JDK >= 21 under /usr/lib/jvm instead"
  fi
  for candidate in /usr/lib/jvm/*; do
    [ -x "$candidate/bin/javac" ] || continue
    major="$(java_major "$candidate/bin/java")"
    if [ "${major:-0}" -gt "$best_major" ]; then best="$candidate"; best_major="$major"; fi
  done
  if [ -n "$best" ] && [ "$best_major" -ge 21 ]; then printf '%s\n' "$best"; return 0; fi
  return 1
}

use_jdk() {
  local jdk
  jdk="$(find_jdk)" || die "no JDK >= 21 found: set JAVA_HOME to a JDK 21+ (JAVA_HOME=${JAVA_HOME:-unset}; searched /usr/lib/jvm)"
  export JAVA_HOME="$jdk"
  export PATH="$JAVA_HOME/bin:$PATH"
}

# Download a file and check its SHA-512 against the checksum published beside it.
fetch_verified() { # fetch_verified <url> <dest>
  local url="$1" dest="$2" expected actual tmp
  need_cmd curl "install curl (apt-get install curl)"
  tmp="$(mktemp "${dest}.XXXXXX")"
  curl -fsSL --retry 3 -o "$tmp" "$url" || { rm -f "$tmp"; die "download failed: $url"; }
  expected="$(curl -fsSL --retry 3 "${url}.sha512" | awk '{print $1}')" || { rm -f "$tmp"; die "checksum download failed: ${url}.sha512"; }
  actual="$(sha512sum "$tmp" | awk '{print $1}')"
  [ -n "$expected" ] && [ "$expected" = "$actual" ] || { rm -f "$tmp"; die "checksum mismatch for $url"; }
  mv "$tmp" "$dest"
}

# Maven, pinned: downloaded once from Maven Central into the cache and verified.
use_maven() {
  local home="$RAFT_LIFECYCLE_CACHE/maven/apache-maven-$MAVEN_VERSION"
  if [ ! -x "$home/bin/mvn" ]; then
    log "setup: installing Maven $MAVEN_VERSION into $RAFT_LIFECYCLE_CACHE/maven"
    mkdir -p "$RAFT_LIFECYCLE_CACHE/maven"
    local archive="$RAFT_LIFECYCLE_CACHE/maven/apache-maven-$MAVEN_VERSION-bin.tar.gz"
    fetch_verified "https://repo.maven.apache.org/maven2/org/apache/maven/apache-maven/$MAVEN_VERSION/apache-maven-$MAVEN_VERSION-bin.tar.gz" "$archive"
    tar -xzf "$archive" -C "$RAFT_LIFECYCLE_CACHE/maven"
    rm -f "$archive"
  fi
  MVN="$home/bin/mvn"
  export MVN
  # Maven 3.9 on JDK 24+ warns about jansi's native access and Guice's sun.misc.Unsafe use; both harmless.
  if [ "$(java_major "$JAVA_HOME/bin/java")" -ge 24 ]; then
    export MAVEN_OPTS="${MAVEN_OPTS:-} --enable-native-access=ALL-UNNAMED --sun-misc-unsafe-memory-access=allow"
  fi
}

# A pinned tool from PyPI in a virtualenv of its own in the cache, installed if missing or broken:
#   pip_tool NAME VERSION PIP_SPEC BIN [CHECK_ARG]
# A broken install is one whose BIN is not executable or, given CHECK_ARG, fails `BIN CHECK_ARG`.
# Sets PIP_TOOL to BIN's path.
pip_tool() {
  local name="$1" version="$2" spec="$3" bin="$4" check="${5:-}"
  local venv="$RAFT_LIFECYCLE_CACHE/$name-$version"
  if [ ! -x "$venv/bin/$bin" ] || { [ -n "$check" ] && ! "$venv/bin/$bin" "$check" >/dev/null 2>&1; }; then
    need_cmd python3 "install Python 3 (apt-get install python3 python3-venv)"
    log "setup: installing $name $version into $venv"
    rm -rf "$venv"
    mkdir -p "$RAFT_LIFECYCLE_CACHE"
    python3 -m venv "$venv" || die "python3 -m venv failed: install python3-venv (apt-get install python3-venv)"
    "$venv/bin/pip" install -q --disable-pip-version-check "$spec" \
      || { rm -rf "$venv"; die "pip could not install $name $version"; }
  fi
  PIP_TOOL="$venv/bin/$bin"
}

# The tool cache is shared by every run on the machine: two first runs at once (scripts/lab started while
# scripts/test builds Vault) would both build into it. tools_lock holds an exclusive lock on the cache while a
# script ensures its tools, so the second run waits for the first's builds and then finds them done; tools_unlock
# releases it before the long part (Maven, the lab).
tools_lock() {
  need_cmd flock "install util-linux (apt-get install util-linux)"
  mkdir -p "$RAFT_LIFECYCLE_CACHE"
  exec 9>"$RAFT_LIFECYCLE_CACHE/.tools.lock"
  # A few seconds silently: another run that only checks its tools holds the lock that long.
  if ! flock -w 5 9; then
    log "setup: another run is installing tools into $RAFT_LIFECYCLE_CACHE; waiting for it"
    flock 9
  fi
}

tools_unlock() {
  exec 9>&-
}

# moto (the AWS emulator), pinned.
ensure_moto() {
  pip_tool moto "$MOTO_VERSION" \
    "moto[server,ec2,autoscaling,kms,iam,sts,cloudwatch,secretsmanager,dynamodb]==$MOTO_VERSION" moto_server
  export RIG_MOTO_SERVER="$PIP_TOOL"
}

# Where scripts/build-vault puts its binary: keyed by the version and by what the build is made of (the wrapper
# module, its compatibility snippets and the build script), so a change to any of them builds afresh.
vault_build_dir() {
  local key
  key="$(cat "$REPO_ROOT"/rig/vault-build/go.mod "$REPO_ROOT"/rig/vault-build/go.sum "$REPO_ROOT"/rig/vault-build/main.go \
    "$REPO_ROOT"/rig/vault-build/compat/* "$REPO_ROOT/scripts/build-vault" | sha256sum | cut -c1-12)"
  printf '%s\n' "$RAFT_LIFECYCLE_CACHE/vault/$VAULT_VERSION-$key"
}

# Vault: VAULT_BIN, else `vault` on PATH, else build 1.14.x from Go modules (scripts/build-vault).
ensure_vault() {
  if [ -n "${VAULT_BIN:-}" ]; then
    [ -x "$VAULT_BIN" ] || die "VAULT_BIN=$VAULT_BIN is not an executable file"
    export RIG_VAULT_BIN="$VAULT_BIN"
  elif command -v vault >/dev/null 2>&1; then
    export RIG_VAULT_BIN="$(command -v vault)"
  else
    local built
    built="$(vault_build_dir)/vault"
    if [ ! -x "$built" ]; then
      "$REPO_ROOT/scripts/build-vault" >&2
    fi
    export RIG_VAULT_BIN="$built"
  fi
}
