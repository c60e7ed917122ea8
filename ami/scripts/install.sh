#!/usr/bin/env bash
# Provisions the golden AMI. Run by Packer as root on the Amazon Linux 2023 builder instance, with the
# repository's ansible/ and ami/files/ uploaded to $STAGING. The server ($SYSTEM: vault or consul) is installed
# but neither configured nor started: the first boot does that on each instance.
set -euo pipefail

: "${SYSTEM:?set by the Packer template}"
: "${SERVER_VERSION:?set by the Packer template}"
: "${SERVER_SHA256:?set by the Packer template}"
: "${STAGING:?set by the Packer template}"

log() { printf 'install: %s\n' "$*"; }

case "$SYSTEM" in
  vault) server_name=Vault ;;
  consul) server_name=Consul ;;
  *) echo "SYSTEM must be vault or consul, not '$SYSTEM'" >&2; exit 1 ;;
esac

PREFIX=/opt/raft-lifecycle

log "OS updates and packages"
dnf -y upgrade
# python3.11: ansible-core 2.19 needs Python >= 3.11 (AL2023's default python3 is 3.9). rsyslog writes the journal
# to a file the CloudWatch agent can read (AL2023 keeps logs in the journal only); logrotate rotates that file and
# Vault's audit log.
dnf -y install unzip python3.11 python3.11-pip amazon-cloudwatch-agent rsyslog logrotate

log "$server_name $SERVER_VERSION, verified against its published SHA-256"
work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT
zip="${SYSTEM}_${SERVER_VERSION}_linux_amd64.zip"
curl --proto '=https' --tlsv1.2 -fsSL --retry 3 -o "$work/$zip" \
  "https://releases.hashicorp.com/${SYSTEM}/${SERVER_VERSION}/${zip}"
echo "${SERVER_SHA256}  $work/$zip" | sha256sum --check --strict -
unzip -q -o "$work/$zip" "$SYSTEM" -d "$work"
install -o root -g root -m 0755 "$work/$SYSTEM" "/usr/bin/$SYSTEM"
"/usr/bin/$SYSTEM" version | grep -qF "$server_name v${SERVER_VERSION}" \
  || { echo "installed $SYSTEM is not v${SERVER_VERSION}" >&2; exit 1; }

log "$SYSTEM account and directories"
getent group "$SYSTEM" >/dev/null || groupadd --system "$SYSTEM"
getent passwd "$SYSTEM" >/dev/null \
  || useradd --system --gid "$SYSTEM" --home-dir "/etc/$SYSTEM.d" --no-create-home --shell /sbin/nologin \
       --comment "HashiCorp $server_name" "$SYSTEM"
install -d -o root -g "$SYSTEM" -m 0750 "/etc/$SYSTEM.d"
install -d -o root -g root -m 0755 "/opt/$SYSTEM"
install -d -o "$SYSTEM" -g "$SYSTEM" -m 0750 "/opt/$SYSTEM/data" "/opt/$SYSTEM/tls"

log "Ansible (ansible/requirements.txt) and the first-boot playbook"
python3.11 -m venv "$PREFIX/venv"
# --require-hashes: only the exact files whose SHA-256 requirements.txt lists can be installed.
"$PREFIX/venv/bin/pip" install --no-cache-dir --disable-pip-version-check --only-binary=:all: --require-hashes \
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

log "CloudWatch agent: memory, disk, swap, and the server's StatsD telemetry on 127.0.0.1:8125"
cwa=/opt/aws/amazon-cloudwatch-agent
install -o root -g root -m 0644 "$STAGING/files/cloudwatch-agent.json" "$cwa/etc/amazon-cloudwatch-agent.json"
# Translate the configuration now (without starting the agent); the enabled service starts with it at boot.
"$cwa/bin/amazon-cloudwatch-agent-ctl" -a fetch-config -m ec2 -c "file:$cwa/etc/amazon-cloudwatch-agent.json"
"$cwa/bin/amazon-cloudwatch-agent-ctl" -a stop || true
systemctl enable amazon-cloudwatch-agent.service

log "logs: the journal as a file for the CloudWatch agent (rsyslog), rotated daily; the first boot adds what it ships"
# The agent runs as cwagent (files/cloudwatch-agent.json) and reads the files it ships through the cwagent group:
# the journal file here, Vault's audit log (its directory is prepared by the first boot).
getent group cwagent >/dev/null || { echo "the amazon-cloudwatch-agent package created no cwagent group" >&2; exit 1; }
install -d -o root -g cwagent -m 0750 /var/log/raft-lifecycle
install -o root -g root -m 0644 "$STAGING/files/rsyslog-journal.conf" /etc/rsyslog.d/raft-lifecycle-journal.conf
install -o root -g root -m 0644 "$STAGING/files/logrotate-journal" /etc/logrotate.d/raft-lifecycle-journal
rsyslogd -N1 -f /etc/rsyslog.conf
systemctl enable rsyslog.service logrotate.timer

log "checks: no swap (Vault's disable_mlock = true with integrated storage; secrets stay off disk), $SYSTEM not running"
if [ -n "$(swapon --show --noheadings)" ]; then
  echo "the base image has swap enabled; the servers need it off" >&2
  exit 1
fi
if systemctl is-active --quiet "$SYSTEM.service"; then
  echo "$SYSTEM.service is running at bake time; it must only start at first boot" >&2
  exit 1
fi

log "cleanup"
dnf clean all
rm -rf "$STAGING"
log "done: $server_name $SERVER_VERSION, $("$PREFIX/venv/bin/ansible" --version | head -n1)"
