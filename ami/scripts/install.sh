#!/usr/bin/env bash
# Provisions the golden AMI. Run by Packer as root on the Amazon Linux 2023 builder instance, with the
# repository's ansible/ and ami/files/ uploaded to $STAGING. Vault is installed but neither configured nor
# started: the first boot does that on each instance.
set -euo pipefail

: "${VAULT_VERSION:?set by the Packer template}"
: "${VAULT_SHA256:?set by the Packer template}"
: "${STAGING:?set by the Packer template}"

log() { printf 'install: %s\n' "$*"; }

PREFIX=/opt/raft-lifecycle

log "OS updates and packages"
dnf -y upgrade
# python3.11: ansible-core 2.19 needs Python >= 3.11 (AL2023's default python3 is 3.9).
dnf -y install unzip python3.11 python3.11-pip amazon-cloudwatch-agent

log "Vault $VAULT_VERSION, verified against its published SHA-256"
work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT
zip="vault_${VAULT_VERSION}_linux_amd64.zip"
curl --proto '=https' --tlsv1.2 -fsSL --retry 3 -o "$work/$zip" \
  "https://releases.hashicorp.com/vault/${VAULT_VERSION}/${zip}"
echo "${VAULT_SHA256}  $work/$zip" | sha256sum --check --strict -
unzip -q -o "$work/$zip" vault -d "$work"
install -o root -g root -m 0755 "$work/vault" /usr/bin/vault
/usr/bin/vault version | grep -qF "Vault v${VAULT_VERSION}" \
  || { echo "installed vault is not v${VAULT_VERSION}" >&2; exit 1; }

log "vault account and directories"
getent group vault >/dev/null || groupadd --system vault
getent passwd vault >/dev/null \
  || useradd --system --gid vault --home-dir /etc/vault.d --no-create-home --shell /sbin/nologin \
       --comment "HashiCorp Vault" vault
install -d -o root -g vault -m 0750 /etc/vault.d
install -d -o root -g root -m 0755 /opt/vault
install -d -o vault -g vault -m 0750 /opt/vault/data /opt/vault/tls

log "Ansible (ansible/requirements.txt) and the first-boot playbook"
python3.11 -m venv "$PREFIX/venv"
"$PREFIX/venv/bin/pip" install --no-cache-dir --disable-pip-version-check --only-binary=:all: \
  -r "$STAGING/ansible/requirements.txt"
rm -rf "$PREFIX/ansible"
cp -r "$STAGING/ansible" "$PREFIX/ansible"
rm -f "$PREFIX/ansible/requirements-lint.txt" "$PREFIX/ansible/.ansible-lint"
chown -R root:root "$PREFIX"
chmod -R go-w "$PREFIX"
install -d -o root -g root -m 0750 /etc/raft-lifecycle
ANSIBLE_CONFIG="$PREFIX/ansible/ansible.cfg" ANSIBLE_HOME="$work/ansible-home" \
  "$PREFIX/venv/bin/ansible-playbook" --syntax-check "$PREFIX/ansible/firstboot.yml"

log "first-boot unit (enabled; it runs once /etc/raft-lifecycle/firstboot.json exists)"
install -o root -g root -m 0644 "$STAGING/files/raft-lifecycle-firstboot.service" /etc/systemd/system/
systemctl daemon-reload
systemctl enable raft-lifecycle-firstboot.service

log "CloudWatch agent: memory, disk, swap, and Vault's StatsD telemetry on 127.0.0.1:8125"
cwa=/opt/aws/amazon-cloudwatch-agent
install -o root -g root -m 0644 "$STAGING/files/cloudwatch-agent.json" "$cwa/etc/amazon-cloudwatch-agent.json"
# Translate the configuration now (without starting the agent); the enabled service starts with it at boot.
"$cwa/bin/amazon-cloudwatch-agent-ctl" -a fetch-config -m ec2 -c "file:$cwa/etc/amazon-cloudwatch-agent.json"
"$cwa/bin/amazon-cloudwatch-agent-ctl" -a stop || true
systemctl enable amazon-cloudwatch-agent.service

log "checks: no swap (disable_mlock = true with integrated storage), Vault not running"
if [ -n "$(swapon --show --noheadings)" ]; then
  echo "the base image has swap enabled; Vault with integrated storage needs it off" >&2
  exit 1
fi
if systemctl is-active --quiet vault.service; then
  echo "vault.service is running at bake time; it must only start at first boot" >&2
  exit 1
fi

log "cleanup"
dnf clean all
rm -rf "$STAGING"
log "done: Vault $VAULT_VERSION, $("$PREFIX/venv/bin/ansible" --version | head -n1)"
