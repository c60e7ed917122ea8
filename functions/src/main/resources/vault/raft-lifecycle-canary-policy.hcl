# Vault policy for the health publisher's canary: what a client of the cluster does, through the load balancer, once
# a minute. Read one fixed secret and write one value, in a KV mount of the canary's own; nothing else.
# Applied by scripts/configure-vault (role raft-lifecycle-publisher, together with raft-lifecycle-read), from this file.

path "raft-lifecycle-canary/read" {
  capabilities = ["read"]
}

path "raft-lifecycle-canary/write" {
  capabilities = ["create", "update"]
}
