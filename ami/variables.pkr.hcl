# Inputs of the golden AMI build. The Vault and Consul pins (version + the SHA-256 HashiCorp publishes for its
# linux_amd64 zip) live in versions.auto.pkrvars.hcl, which Packer loads automatically.

variable "system" {
  type        = string
  default     = "vault"
  description = "Which server the image carries: vault (a Vault node) or consul (a Consul server); the same template builds both."
  validation {
    condition     = contains(["vault", "consul"], var.system)
    error_message = "The system must be vault or consul."
  }
}

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

variable "consul_version" {
  type        = string
  description = "Consul release installed in the image with system = consul (official zip from releases.hashicorp.com)."
  validation {
    condition     = can(regex("^[0-9]+\\.[0-9]+\\.[0-9]+$", var.consul_version))
    error_message = "The consul_version must look like 1.16.3."
  }
}

variable "consul_sha256" {
  type        = string
  description = "SHA-256 of consul_<version>_linux_amd64.zip from the release's SHA256SUMS; the build fails on any other."
  validation {
    condition     = can(regex("^[0-9a-f]{64}$", var.consul_sha256))
    error_message = "The consul_sha256 must be 64 lowercase hex digits."
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
  description = "Builder instance type (x86_64, to match the linux_amd64 Vault and Consul builds)."
}

variable "ami_name_prefix" {
  type        = string
  default     = ""
  description = "AMI names are <prefix>-<server version>-<UTC timestamp>; empty means raft-lifecycle-<system>."
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
  description = "Root volume size in GiB (Raft data lives under /opt/vault/data or /opt/consul/data on it)."
}

variable "tags" {
  type        = map(string)
  default     = {}
  description = "Extra tags for the AMI and its snapshot."
}
