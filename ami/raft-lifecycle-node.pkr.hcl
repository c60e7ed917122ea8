# The golden AMI of a raft-lifecycle Vault node: Amazon Linux 2023, Vault (pinned, checksum-verified),
# Ansible with the first-boot playbook, the CloudWatch agent, and the first-boot systemd unit. Vault is
# installed but not configured or started: the first boot does that on each instance (ansible/README.md).
#
#   cd ami && packer init . && packer build .

packer {
  required_version = ">= 1.9.4"
  required_plugins {
    amazon = {
      source  = "github.com/hashicorp/amazon"
      version = ">= 1.2.9, < 2.0.0"
    }
  }
}

locals {
  build_time = formatdate("YYYYMMDDhhmmss", timestamp())
  ami_name   = "${var.ami_name_prefix}-${var.vault_version}-${local.build_time}"
  tags = merge(var.tags, {
    "raft-lifecycle:vault-version" = var.vault_version
    "raft-lifecycle:source-ami"    = "{{ .SourceAMI }}"
  })
}

source "amazon-ebs" "node" {
  region        = var.region
  instance_type = var.instance_type
  subnet_id     = var.subnet_id

  source_ami_filter {
    filters = {
      name                = var.source_ami_name
      architecture        = "x86_64"
      root-device-type    = "ebs"
      virtualization-type = "hvm"
    }
    owners      = [var.source_ami_owner]
    most_recent = true
  }

  communicator = "ssh"
  ssh_username = "ec2-user"
  # Only the address Packer runs from may reach the builder's SSH port.
  temporary_security_group_source_public_ip = true

  # IMDSv2 only, on the builder and (imds_support) on every instance launched from the image.
  metadata_options {
    http_endpoint               = "enabled"
    http_tokens                 = "required"
    http_put_response_hop_limit = 1
  }
  imds_support = "v2.0"

  launch_block_device_mappings {
    device_name           = "/dev/xvda"
    volume_size           = var.root_volume_size
    volume_type           = "gp3"
    encrypted             = true
    delete_on_termination = true
  }
  encrypt_boot = true
  kms_key_id   = var.ami_kms_key_id

  ami_name        = local.ami_name
  ami_description = "raft-lifecycle Vault node: Vault ${var.vault_version}, Ansible first boot, CloudWatch agent"
  tags            = local.tags
  snapshot_tags   = local.tags
  run_tags = {
    Name = "packer-${local.ami_name}"
  }
}

build {
  name    = "raft-lifecycle-node"
  sources = ["source.amazon-ebs.node"]

  provisioner "shell" {
    inline = ["install -d -m 0700 /tmp/raft-lifecycle"]
  }

  # The playbook and its role, exactly as in the repository (ami/scripts/install.sh moves them into place).
  provisioner "file" {
    source      = "${path.root}/../ansible"
    destination = "/tmp/raft-lifecycle/"
  }

  provisioner "file" {
    source      = "${path.root}/files"
    destination = "/tmp/raft-lifecycle/"
  }

  provisioner "shell" {
    script          = "${path.root}/scripts/install.sh"
    execute_command = "chmod +x {{ .Path }}; sudo env {{ .Vars }} {{ .Path }}"
    environment_vars = [
      "VAULT_VERSION=${var.vault_version}",
      "VAULT_SHA256=${var.vault_sha256}",
      "STAGING=/tmp/raft-lifecycle",
    ]
  }

  post-processor "manifest" {
    output     = "packer-manifest.json"
    strip_path = true
  }
}
