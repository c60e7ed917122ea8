# Tools the infra module's tests need, installed into the cache outside the work tree, pinned.
# Sourced by scripts/test after scripts/lib/common.sh (which provides log, die, need_cmd,
# RAFT_LIFECYCLE_CACHE, REPO_ROOT). Defines ensure_tools_infra; exports RIG_CFN_LINT, which
# infra/src/test/.../CfnLintTest runs on every synthesized template.

# cfn-lint from PyPI. A recent release is needed: its resource schemas must know
# AWS::AutoScaling::AutoScalingGroup.InstanceLifecyclePolicy (retain instances on an ABANDONed
# terminate hook), which older schemas reject as an unknown property.
CFN_LINT_VERSION="1.58.0"
# The AWS CDK CLI from npm, for `cdk synth` / `cdk deploy` by hand (the tests do not need it; they
# synthesize in-process). ensure_cdk_cli installs it on request.
CDK_CLI_VERSION="2.1148.1"

ensure_tools_infra() {
  local venv="$RAFT_LIFECYCLE_CACHE/cfn-lint-$CFN_LINT_VERSION"
  if [ ! -x "$venv/bin/cfn-lint" ] || ! "$venv/bin/cfn-lint" --version >/dev/null 2>&1; then
    need_cmd python3 "install Python 3 (apt-get install python3 python3-venv)"
    log "setup: installing cfn-lint $CFN_LINT_VERSION into $venv"
    rm -rf "$venv"
    mkdir -p "$RAFT_LIFECYCLE_CACHE"
    python3 -m venv "$venv" || die "python3 -m venv failed: install python3-venv (apt-get install python3-venv)"
    "$venv/bin/pip" install -q --disable-pip-version-check "cfn-lint==$CFN_LINT_VERSION" \
      || { rm -rf "$venv"; die "pip could not install cfn-lint $CFN_LINT_VERSION"; }
  fi
  RIG_CFN_LINT="$venv/bin/cfn-lint"
  export RIG_CFN_LINT
}

# Optional: the CDK CLI, for running `cdk synth` / `cdk deploy` in infra/ without a global install.
# Prints nothing; exports RIG_CDK_CLI (the cdk executable).
ensure_cdk_cli() {
  local prefix="$RAFT_LIFECYCLE_CACHE/cdk-cli-$CDK_CLI_VERSION"
  if [ ! -x "$prefix/node_modules/.bin/cdk" ]; then
    need_cmd npm "install Node.js 20+ and npm (https://nodejs.org or apt-get install nodejs npm)"
    log "setup: installing aws-cdk $CDK_CLI_VERSION into $prefix"
    rm -rf "$prefix"
    mkdir -p "$prefix"
    npm install --silent --no-audit --no-fund --prefix "$prefix" "aws-cdk@$CDK_CLI_VERSION" >&2 \
      || { rm -rf "$prefix"; die "npm could not install aws-cdk $CDK_CLI_VERSION"; }
  fi
  RIG_CDK_CLI="$prefix/node_modules/.bin/cdk"
  export RIG_CDK_CLI
}
