# The Vault release baked into the image: version and the SHA-256 of vault_<version>_linux_amd64.zip as
# published in https://releases.hashicorp.com/vault/<version>/vault_<version>_SHA256SUMS. Change both together.
vault_version = "1.21.4"
vault_sha256  = "889b681990fe221b884b7932fa9c9dd0ee9811b9349554f1aa287ab63c9f3dae"

# The Consul release baked into the image with system = consul: version and the SHA-256 of
# consul_<version>_linux_amd64.zip as published in
# https://releases.hashicorp.com/consul/<version>/consul_<version>_SHA256SUMS. 1.16.3 is the last MPL-2.0 release
# (the rig's tests run it too). Change both together.
consul_version = "1.16.3"
consul_sha256  = "9d0d7ad123844d43543d285cc0b3e15393d75ffa384bf84e5d64226a7f3d3132"
