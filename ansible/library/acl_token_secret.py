#!/usr/bin/python
# -*- coding: utf-8 -*-
"""Reads a Consul ACL token (its secret ID) from AWS Secrets Manager and checks it before anything is written."""

from __future__ import annotations

DOCUMENTATION = r"""
---
module: acl_token_secret
short_description: Read a Consul ACL token secret ID from AWS Secrets Manager
description:
  - Calls C(secretsmanager:GetSecretValue) with the credentials boto3 finds (the instance profile on EC2).
  - The secret string must be a UUID (the form of every Consul token's secret ID, e.g. from C(uuidgen)), 32
    hexadecimal digits (what the stack's generated secret holds: Secrets Manager cannot generate dashes), returned in
    UUID form 8-4-4-4-12, or JSON C({"token": "<uuid>"}).
  - Writes nothing. Failure messages name the cause and never contain the token.
  - Returns the token; call it with C(no_log) so it stays out of logs.
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
  label:
    description: What the token is for, in failure messages.
    type: str
    default: ACL token
requirements:
  - boto3
"""

RETURN = r"""
token:
  description: The token's secret ID (a UUID, lower case).
  type: str
  returned: success
version_id:
  description: Version of the secret that was read.
  type: str
  returned: success
"""

import json
import re

from ansible.module_utils.basic import AnsibleModule, missing_required_lib

from ansible.module_utils.raft_lifecycle_secrets import BOTO3_ERROR, read_secret

UUID = re.compile(r"^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$")
HEX32 = re.compile(r"^[0-9a-fA-F]{32}$")


def parse_token(module, secret_id, label, response):
    text = (response.get("SecretString") or "").strip()
    if not text:
        module.fail_json(msg="%s secret %r has no SecretString: expected a UUID" % (label, secret_id))
    if text.startswith("{"):
        try:
            text = str(json.loads(text).get("token", "")).strip()
        except (ValueError, AttributeError):
            module.fail_json(msg="%s secret %r is neither a UUID nor JSON {\"token\": ...}" % (label, secret_id))
    if HEX32.match(text):
        # Consul 1.16 takes a non-UUID management token but calls it deprecated: the same digits in UUID form.
        text = "-".join((text[0:8], text[8:12], text[12:16], text[16:20], text[20:32]))
    if not UUID.match(text):
        # The text may be the token, or close to it: never echo it.
        module.fail_json(msg="%s secret %r is not a UUID (Consul token secret IDs are UUIDs, e.g. from uuidgen)"
                             % (label, secret_id))
    return text.lower()


def main():
    module = AnsibleModule(
        argument_spec=dict(
            secret_id=dict(type="str", required=True),
            region=dict(type="str", required=True),
            endpoint_url=dict(type="str", default=""),
            timeout=dict(type="int", default=10),
            label=dict(type="str", default="ACL token"),
        ),
        supports_check_mode=True,
    )
    if BOTO3_ERROR:
        module.fail_json(msg=missing_required_lib("boto3"), exception=BOTO3_ERROR)
    params = module.params
    response = read_secret(module, params["secret_id"], params["region"], params["endpoint_url"],
                           params["timeout"], params["label"])
    token = parse_token(module, params["secret_id"], params["label"], response)
    module.exit_json(changed=False, version_id=response.get("VersionId", ""), token=token)


if __name__ == "__main__":
    main()
