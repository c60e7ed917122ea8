# Vault policy for the raft-lifecycle handlers that only look: the launching handler and the health publisher.
# Read the Raft configuration, autopilot's state and its configuration, and the telemetry; no change of any kind.
# Applied by scripts/configure-vault (role raft-lifecycle-read) in a deployment and by the test rig, from this file.

path "sys/storage/raft/configuration" {
  capabilities = ["read"]
}

path "sys/storage/raft/autopilot/state" {
  capabilities = ["read"]
}

# The publisher's RaftCommitTimeMs: the leader's telemetry (in-memory sink), read-only.
path "sys/metrics" {
  capabilities = ["read"]
}

# server_stabilization_time and last_contact_threshold, which the launch check and the quorum guard need.
path "sys/storage/raft/autopilot/configuration" {
  capabilities = ["read"]
}
