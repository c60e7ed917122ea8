#!/usr/bin/python
# -*- coding: utf-8 -*-
"""Reads a Consul gossip encryption key from AWS Secrets Manager and checks it before anything is written."""

from __future__ import annotations

DOCUMENTATION = r"""
---
module: gossip_key_secret
short_description: Read a Consul gossip encryption key from AWS Secrets Manager
description:
  - Calls C(secretsmanager:GetSecretValue) with the credentials boto3 finds (the instance profile on EC2).
  - The secret string must be the key as C(consul keygen) prints it, base64 of 16, 24 or 32 random bytes, or
    JSON C({"key": "..."}).
  - Writes nothing. Failure messages name the cause and never contain the key.
  - Returns the key; call it with C(no_log) so it stays out of logs.
options:
  secret_id:
    description: Name or ARN of the secret.
    type: str
    required: true
  region:
    description: AWS region of the secret.
    type: str
    required: true
  endpoint_url:
    description: Secrets Manager endpoint; empty means the regional endpoint.
    type: str
    default: ""
  timeout:
    description: Connect and read timeout in seconds for each attempt (three attempts at most).
    type: int
    default: 10
requirements:
  - boto3
"""

RETURN = r"""
key:
  description: The gossip key, base64, as Consul's C(encrypt) setting takes it.
  type: str
  returned: success
version_id:
  description: Version of the secret that was read.
  type: str
  returned: success
"""

import base64
import binascii
import json

from ansible.module_utils.basic import AnsibleModule, missing_required_lib

from ansible.module_utils.raft_lifecycle_secrets import BOTO3_ERROR, read_secret

# AES-128, AES-192 or AES-256: the key sizes Consul's memberlist accepts.
KEY_BYTES = (16, 24, 32)


def parse_key(module, secret_id, response):
    text = (response.get("SecretString") or "").strip()
    if not text:
        module.fail_json(msg="gossip key secret %r has no SecretString: expected the output of `consul keygen`"
                             % secret_id)
    if text.startswith("{"):
        try:
            text = str(json.loads(text).get("key", "")).strip()
        except (ValueError, AttributeError):
            module.fail_json(msg="gossip key secret %r is neither a base64 key nor JSON {\"key\": ...}" % secret_id)
    try:
        raw = base64.b64decode(text, validate=True)
    except (binascii.Error, ValueError):
        # The text may be key material: never echo it.
        module.fail_json(msg="gossip key secret %r is not base64 (expected the output of `consul keygen`)"
                             % secret_id)
    if len(raw) not in KEY_BYTES:
        module.fail_json(msg="gossip key secret %r decodes to %d bytes; Consul needs 16, 24 or 32 (consul keygen "
                             "makes 32)" % (secret_id, len(raw)))
    return text


def main():
    module = AnsibleModule(
        argument_spec=dict(
            secret_id=dict(type="str", required=True),
            region=dict(type="str", required=True),
            endpoint_url=dict(type="str", default=""),
            timeout=dict(type="int", default=10),
        ),
        supports_check_mode=True,
    )
    if BOTO3_ERROR:
        module.fail_json(msg=missing_required_lib("boto3"), exception=BOTO3_ERROR)
    params = module.params
    response = read_secret(module, params["secret_id"], params["region"], params["endpoint_url"],
                           params["timeout"], "gossip key")
    key = parse_key(module, params["secret_id"], response)
    module.exit_json(changed=False, version_id=response.get("VersionId", ""), key=key)


if __name__ == "__main__":
    main()
