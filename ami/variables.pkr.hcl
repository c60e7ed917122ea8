# Inputs of the golden AMI build. The Vault pin (version + the SHA-256 HashiCorp publishes for its
# linux_amd64 zip) lives in versions.auto.pkrvars.hcl, which Packer loads automatically.

variable "vault_version" {
  type        = string
  description = "Vault release installed in the image (official zip from releases.hashicorp.com)."
  validation {
    condition     = can(regex("^[0-9]+\\.[0-9]+\\.[0-9]+(\\+ent)?$", var.vault_version))
    error_message = "The vault_version must look like 1.21.4 (or 1.21.4+ent)."
  }
}

variable "vault_sha256" {
  type        = string
  description = "SHA-256 of vault_<version>_linux_amd64.zip from the release's SHA256SUMS; the build fails on any other."
  validation {
    condition     = can(regex("^[0-9a-f]{64}$", var.vault_sha256))
    error_message = "The vault_sha256 must be 64 lowercase hex digits."
  }
}

variable "region" {
  type        = string
  default     = "us-east-1"
  description = "Region the builder runs in and the AMI is registered in."
}

variable "instance_type" {
  type        = string
  default     = "t3.small"
  description = "Builder instance type (x86_64, to match the linux_amd64 Vault build)."
}

variable "ami_name_prefix" {
  type        = string
  default     = "raft-lifecycle-vault"
  description = "AMI names are <prefix>-<vault version>-<UTC timestamp>."
}

variable "source_ami_name" {
  type        = string
  default     = "al2023-ami-2023.*-kernel-6.1-x86_64"
  description = "Name filter of the base image; the most recent match owned by source_ami_owner is used."
}

variable "source_ami_owner" {
  type        = string
  default     = "amazon"
  description = "Owner of the base image (\"amazon\" for Amazon Linux)."
}

variable "subnet_id" {
  type        = string
  default     = null
  description = "Subnet for the builder; null lets Packer use the default VPC."
}

variable "ami_kms_key_id" {
  type        = string
  default     = null
  description = "KMS key for the AMI's encrypted snapshot; null uses the account's default EBS key."
}

variable "root_volume_size" {
  type        = number
  default     = 20
  description = "Root volume size in GiB (Raft data lives under /opt/vault/data on it)."
}

variable "tags" {
  type        = map(string)
  default     = {}
  description = "Extra tags for the AMI and its snapshot."
}
