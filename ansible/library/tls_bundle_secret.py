#!/usr/bin/python
# -*- coding: utf-8 -*-
"""Reads the node's TLS bundle from AWS Secrets Manager and checks it before anything is written."""

from __future__ import annotations

DOCUMENTATION = r"""
---
module: tls_bundle_secret
short_description: Read a TLS bundle (CA, certificate chain, private key) from AWS Secrets Manager
description:
  - Calls C(secretsmanager:GetSecretValue) with the credentials boto3 finds (the instance profile on EC2).
  - The secret string must be JSON with the keys C(ca), C(cert) and C(key), each a PEM text.
  - Checks that each is PEM and that the private key belongs to the first certificate of C(cert).
  - Writes nothing. Failure messages name the cause and never contain secret material.
  - Returns the material; call it with C(no_log) so it stays out of logs.
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
  - cryptography
"""

RETURN = r"""
ca:
  description: PEM of the CA that signed the server certificates.
  type: str
  returned: success
cert:
  description: PEM of the server certificate, followed by any intermediates.
  type: str
  returned: success
key:
  description: PEM of the private key.
  type: str
  returned: success
version_id:
  description: Version of the secret that was read.
  type: str
  returned: success
"""

import json
import traceback

from ansible.module_utils.basic import AnsibleModule, missing_required_lib

from ansible.module_utils.raft_lifecycle_secrets import BOTO3_ERROR, read_secret as read_named_secret

try:
    from cryptography import x509
    from cryptography.hazmat.primitives import serialization
except ImportError:
    CRYPTOGRAPHY_ERROR = traceback.format_exc()
else:
    CRYPTOGRAPHY_ERROR = None

REQUIRED_KEYS = ("ca", "cert", "key")


def read_secret(module, secret_id, region, endpoint_url, timeout):
    return read_named_secret(module, secret_id, region, endpoint_url, timeout, "TLS")


def parse_bundle(module, secret_id, response):
    text = response.get("SecretString")
    if not text:
        module.fail_json(msg="TLS secret %r has no SecretString: expected JSON with keys %s"
                             % (secret_id, ", ".join(REQUIRED_KEYS)))
    try:
        bundle = json.loads(text)
    except ValueError:
        # The text itself may be key material: never echo it.
        module.fail_json(msg="TLS secret %r is not JSON: expected an object with keys %s"
                             % (secret_id, ", ".join(REQUIRED_KEYS)))
    if not isinstance(bundle, dict):
        module.fail_json(msg="TLS secret %r is not a JSON object" % secret_id)
    missing = [k for k in REQUIRED_KEYS if not isinstance(bundle.get(k), str) or not bundle.get(k).strip()]
    if missing:
        module.fail_json(msg="TLS secret %r lacks the key(s) %s (expected ca, cert, key as PEM text)"
                             % (secret_id, ", ".join(missing)))
    for name in REQUIRED_KEYS:
        if "-----BEGIN " not in bundle[name]:
            module.fail_json(msg="TLS secret %r: %r is not PEM text" % (secret_id, name))
    return {k: bundle[k].strip() + "\n" for k in REQUIRED_KEYS}


def check_key_matches(module, secret_id, bundle):
    try:
        certificate = x509.load_pem_x509_certificate(bundle["cert"].encode())
        x509.load_pem_x509_certificate(bundle["ca"].encode())
        key = serialization.load_pem_private_key(bundle["key"].encode(), password=None)
    except (ValueError, TypeError) as error:
        module.fail_json(msg="TLS secret %r holds PEM that does not parse (%s)" % (secret_id, type(error).__name__))
    public = serialization.PublicFormat.SubjectPublicKeyInfo
    encoding = serialization.Encoding.DER
    if certificate.public_key().public_bytes(encoding, public) != key.public_key().public_bytes(encoding, public):
        module.fail_json(msg="TLS secret %r: the private key does not belong to the certificate" % secret_id)


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
    if CRYPTOGRAPHY_ERROR:
        module.fail_json(msg=missing_required_lib("cryptography"), exception=CRYPTOGRAPHY_ERROR)
    params = module.params
    response = read_secret(module, params["secret_id"], params["region"], params["endpoint_url"], params["timeout"])
    bundle = parse_bundle(module, params["secret_id"], response)
    check_key_matches(module, params["secret_id"], bundle)
    module.exit_json(changed=False, version_id=response.get("VersionId", ""), **bundle)


if __name__ == "__main__":
    main()
