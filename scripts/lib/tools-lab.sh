# Tools the lab's tests need, pinned: the AWS CLI from PyPI (the lab's `env` is checked by driving it) and
# Debian's Chromium (the timeline page is checked in a headless browser). Sourced by scripts/test after
# scripts/lib/common.sh. Defines ensure_tools_lab; exports RIG_AWS_CLI and RIG_CHROMIUM.

AWSCLI_VERSION="1.46.3"

ensure_tools_lab() {
  pip_tool awscli "$AWSCLI_VERSION" "awscli==$AWSCLI_VERSION" aws --version
  RIG_AWS_CLI="$PIP_TOOL"
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
