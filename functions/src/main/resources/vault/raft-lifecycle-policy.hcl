# Vault policy for the raft-lifecycle handlers that change the cluster: the terminating handler and the reconciler
# (the launching handler and the publisher get raft-lifecycle-read-policy.hcl, which only reads).
# Least privilege: read the Raft and autopilot state, remove a departed peer, and hand leadership
# off before removing the leader. Nothing else: no secrets, no mounts, no auth or policy changes.
# Applied by scripts/configure-vault (role raft-lifecycle) in a deployment and by the test rig, from this file.

path "sys/storage/raft/configuration" {
  capabilities = ["read"]
}

path "sys/storage/raft/autopilot/state" {
  capabilities = ["read"]
}

# server_stabilization_time and last_contact_threshold, which the launch check needs.
path "sys/storage/raft/autopilot/configuration" {
  capabilities = ["read"]
}

path "sys/storage/raft/remove-peer" {
  capabilities = ["update"]
}

# Vault requires root privileges (sudo) for a step-down.
path "sys/step-down" {
  capabilities = ["update", "sudo"]
}
