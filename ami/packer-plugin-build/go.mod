// Builds the Packer Amazon plugin for the tests (scripts/lib/tools-node.sh), where no prebuilt plugin can be
// downloaded. A module of its own because the plugin's go.mod carries a replace directive, which
// `go install <module>@<version>` refuses; go.sum pins every dependency.
module raftlifecycle.local/packer-plugin-amazon-build

go 1.21

require github.com/hashicorp/packer-plugin-amazon v1.2.9

// The plugin's own replace (packer-plugin-sdk issue 187), which a dependent module must repeat.
replace github.com/zclconf/go-cty => github.com/nywilken/go-cty v1.13.3
