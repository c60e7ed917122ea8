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
  pip_tool cfn-lint "$CFN_LINT_VERSION" "cfn-lint==$CFN_LINT_VERSION" cfn-lint --version
  RIG_CFN_LINT="$PIP_TOOL"
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
