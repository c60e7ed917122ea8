# The golden AMI of a raft-lifecycle node: Amazon Linux 2023, Vault or (system = consul) Consul (pinned,
# checksum-verified), Ansible with the first-boot playbook, the CloudWatch agent, and the first-boot systemd
# unit. The server is installed but not configured or started: the first boot does that on each instance
# (ansible/README.md).
#
#   cd ami && packer init . && packer build .                 # a Vault node
#   packer build -var system=consul .                          # a Consul server

packer {
  required_version = ">= 1.9.4"
  required_plugins {
    # Exactly the release the tests build and validate with (packer-plugin-build/go.mod; a test keeps them equal).
    amazon = {
      source  = "github.com/hashicorp/amazon"
      version = "= 1.2.9"
    }
  }
}

locals {
  build_time     = formatdate("YYYYMMDDhhmmss", timestamp())
  server_version = var.system == "consul" ? var.consul_version : var.vault_version
  server_sha256  = var.system == "consul" ? var.consul_sha256 : var.vault_sha256
  server_name    = var.system == "consul" ? "Consul" : "Vault"
  name_prefix    = var.ami_name_prefix != "" ? var.ami_name_prefix : "raft-lifecycle-${var.system}"
  ami_name       = "${local.name_prefix}-${local.server_version}-${local.build_time}"
  tags = merge(var.tags, {
    "raft-lifecycle:system"                = var.system
    "raft-lifecycle:${var.system}-version" = local.server_version
    "raft-lifecycle:source-ami"            = "{{ .SourceAMI }}"
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
  ami_description = "raft-lifecycle ${var.system} node: ${local.server_name} ${local.server_version}, Ansible first boot, CloudWatch agent"
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
      "SYSTEM=${var.system}",
      "SERVER_VERSION=${local.server_version}",
      "SERVER_SHA256=${local.server_sha256}",
      "STAGING=/tmp/raft-lifecycle",
    ]
  }

  post-processor "manifest" {
    output     = "packer-manifest.json"
    strip_path = true
  }
}
