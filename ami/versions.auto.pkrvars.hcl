# The Vault release baked into the image: version and the SHA-256 of vault_<version>_linux_amd64.zip as
# published in https://releases.hashicorp.com/vault/<version>/vault_<version>_SHA256SUMS. Change both together.
vault_version = "1.21.4"
vault_sha256  = "889b681990fe221b884b7932fa9c9dd0ee9811b9349554f1aa287ab63c9f3dae"
