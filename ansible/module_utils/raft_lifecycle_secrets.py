# -*- coding: utf-8 -*-
"""Reads one Secrets Manager secret for the first-boot modules; every failure names the cause, never the value."""

from __future__ import annotations

import traceback

try:
    import boto3
    from botocore.config import Config
    from botocore.exceptions import (
        BotoCoreError,
        ClientError,
        EndpointConnectionError,
        NoCredentialsError,
    )
except ImportError:
    BOTO3_ERROR = traceback.format_exc()
else:
    BOTO3_ERROR = None

ACCESS_DENIED = ("AccessDeniedException", "AccessDenied", "UnrecognizedClientException")


def read_secret(module, secret_id, region, endpoint_url, timeout, label):
    """GetSecretValue with bounded retries; fails the module with a message naming `label` and the secret id."""
    where = endpoint_url or "the %s regional endpoint" % region
    client = boto3.session.Session().client(
        "secretsmanager",
        region_name=region,
        endpoint_url=endpoint_url or None,
        config=Config(connect_timeout=timeout, read_timeout=timeout,
                      retries={"max_attempts": 3, "mode": "standard"}),
    )
    try:
        return client.get_secret_value(SecretId=secret_id)
    except ClientError as error:
        code = error.response.get("Error", {}).get("Code", "")
        if code == "ResourceNotFoundException":
            module.fail_json(msg="%s secret %r not found in Secrets Manager (%s)" % (label, secret_id, where))
        if code in ACCESS_DENIED:
            module.fail_json(msg="access denied reading %s secret %r (%s): the instance role needs "
                                 "secretsmanager:GetSecretValue on it (and kms:Decrypt on its key)"
                                 % (label, secret_id, code))
        module.fail_json(msg="Secrets Manager refused GetSecretValue for %s secret %r: %s" % (label, secret_id, code))
    except NoCredentialsError:
        module.fail_json(msg="no AWS credentials to read %s secret %r (is an instance profile attached?)"
                             % (label, secret_id))
    except EndpointConnectionError as error:
        module.fail_json(msg="Secrets Manager unreachable at %s while reading %s secret %r: %s"
                             % (where, label, secret_id, error))
    except BotoCoreError as error:
        module.fail_json(msg="reading %s secret %r from Secrets Manager failed: %s" % (label, secret_id, error))
    return None
