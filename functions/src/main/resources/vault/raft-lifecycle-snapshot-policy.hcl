# The snapshot function (raft-lifecycle-snapshot role): take a Raft snapshot, nothing else. A snapshot holds every
# secret of the cluster (encrypted by the barrier): reading it is as sensitive as the bucket it is written to.
path "sys/storage/raft/snapshot" {
  capabilities = ["read"]
}
