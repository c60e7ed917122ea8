// Command vault is a thin wrapper around Vault's own CLI entry point. It exists so that the
// test rig can build a real Vault 1.14 server from Go modules, pinned in go.mod, without a
// checkout of the Vault repository. It adds no behaviour of its own.
package main

import (
	"os"

	"github.com/hashicorp/vault/command"
)

func main() {
	os.Exit(command.Run(os.Args[1:]))
}
