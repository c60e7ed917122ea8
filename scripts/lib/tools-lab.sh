# Tools the lab's tests need, pinned: the AWS CLI from PyPI (the lab's `env` is checked by driving it) and
# Debian's Chromium (the timeline page is checked in a headless browser). Sourced by scripts/test after
# scripts/lib/common.sh. Defines ensure_tools_lab; exports RIG_AWS_CLI and RIG_CHROMIUM.

AWSCLI_VERSION="1.46.3"

ensure_tools_lab() {
  local venv="$RAFT_LIFECYCLE_CACHE/awscli-$AWSCLI_VERSION"
  if [ ! -x "$venv/bin/aws" ] || ! "$venv/bin/aws" --version >/dev/null 2>&1; then
    need_cmd python3 "install Python 3 (apt-get install python3 python3-venv)"
    log "setup: installing the AWS CLI $AWSCLI_VERSION into $venv"
    rm -rf "$venv"
    mkdir -p "$RAFT_LIFECYCLE_CACHE"
    python3 -m venv "$venv" || die "python3 -m venv failed: install python3-venv (apt-get install python3-venv)"
    "$venv/bin/pip" install -q --disable-pip-version-check "awscli==$AWSCLI_VERSION" \
      || { rm -rf "$venv"; die "pip could not install awscli $AWSCLI_VERSION"; }
  fi
  RIG_AWS_CLI="$venv/bin/aws"
  export RIG_AWS_CLI

  local chromium="${CHROMIUM:-}"
  [ -n "$chromium" ] || chromium="$(command -v chromium || command -v chromium-browser || true)"
  if [ -z "$chromium" ]; then
    command -v apt-get >/dev/null 2>&1 || die "Chromium is missing and there is no apt-get: install Chromium, or set CHROMIUM"
    log "setup: installing Chromium from Debian's packages (apt-get install chromium)"
    local sudo=""
    [ "$(id -u)" = 0 ] || sudo="sudo"
    with_ticker "setup: installing Chromium" $sudo apt-get update -qq >&2 \
      && with_ticker "setup: installing Chromium" $sudo env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >&2 \
      || die "apt-get could not install chromium: install it, or set CHROMIUM to a Chromium or Chrome binary"
    chromium="$(command -v chromium)"
  fi
  RIG_CHROMIUM="$chromium"
  export RIG_CHROMIUM
}
