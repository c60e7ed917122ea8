"""The cold-path reference: the least a terminate hook can do, in Python, from a fresh process.

Written for `scripts/bench cold` from the Vault and AWS API documentation: read the EventBridge lifecycle event,
log in to Vault with the AWS IAM method (a SigV4-signed sts:GetCallerIdentity request), read the Raft
configuration, remove the instance's peer, complete the lifecycle action with CONTINUE. It checks nothing else:
no quorum rule, no lock, no health probe, no confirmation. It is a yardstick for start-up cost, not a handler.

Environment: VAULT_ADDR (https://ip:port of a member), VAULT_CA_PEM, VAULT_TLS_SERVER_NAME, VAULT_IAM_SERVER_ID,
VAULT_AUTH_ROLE (default raft-lifecycle), VAULT_AUTH_MOUNT (default aws), AWS_REGION, AWS_ENDPOINT_URL, the AWS
credentials variables. Argument: the event file. Prints one JSON line.
"""
import base64
import http.client
import json
import os
import socket
import ssl
import sys
import tempfile
import time
import urllib.parse

started = time.monotonic()

import boto3  # noqa: E402  (timed: importing boto3 is part of the cold path)
from botocore.auth import SigV4Auth  # noqa: E402
from botocore.awsrequest import AWSRequest  # noqa: E402

STS_URL = "https://sts.amazonaws.com/"
STS_BODY = "Action=GetCallerIdentity&Version=2011-06-15"


class PinnedHttps(http.client.HTTPSConnection):
    """HTTPS to an address, verifying the certificate against a server name (the cluster's), not the address."""

    def __init__(self, host, port, server_name, context):
        super().__init__(host, port, context=context, timeout=10)
        self._server_name = server_name

    def connect(self):
        sock = socket.create_connection((self.host, self.port), self.timeout)
        self.sock = self._context.wrap_socket(sock, server_hostname=self._server_name)


def vault(conn, method, path, token=None, body=None):
    headers = {"Content-Type": "application/json"}
    if token:
        headers["X-Vault-Token"] = token
    conn.request(method, "/v1/" + path, body=json.dumps(body) if body is not None else None, headers=headers)
    response = conn.getresponse()
    data = response.read()
    if response.status >= 300:
        raise RuntimeError(f"{method} {path}: HTTP {response.status}")
    return json.loads(data) if data else {}


def main(event_file):
    event = json.load(open(event_file))
    detail = event["detail"]
    session = boto3.session.Session(region_name=os.environ["AWS_REGION"])

    # The login: a signed GetCallerIdentity that Vault replays to STS.
    request = AWSRequest(method="POST", url=STS_URL, data=STS_BODY, headers={
        "Content-Type": "application/x-www-form-urlencoded; charset=utf-8",
        "X-Vault-AWS-IAM-Server-ID": os.environ["VAULT_IAM_SERVER_ID"]})
    SigV4Auth(session.get_credentials().get_frozen_credentials(), "sts", "us-east-1").add_auth(request)
    headers = {k: [v] for k, v in request.headers.items()}

    ca = tempfile.NamedTemporaryFile("w", suffix=".pem", delete=False)
    ca.write(os.environ["VAULT_CA_PEM"])
    ca.close()
    context = ssl.create_default_context(cafile=ca.name)
    address = urllib.parse.urlparse(os.environ["VAULT_ADDR"])
    conn = PinnedHttps(address.hostname, address.port, os.environ["VAULT_TLS_SERVER_NAME"], context)

    mount = os.environ.get("VAULT_AUTH_MOUNT", "aws")
    login = vault(conn, "POST", f"auth/{mount}/login", body={
        "role": os.environ.get("VAULT_AUTH_ROLE", "raft-lifecycle"),
        "iam_http_request_method": "POST",
        "iam_request_url": base64.b64encode(STS_URL.encode()).decode(),
        "iam_request_body": base64.b64encode(STS_BODY.encode()).decode(),
        "iam_request_headers": base64.b64encode(json.dumps(headers).encode()).decode()})
    token = login["auth"]["client_token"]

    instance = detail["EC2InstanceId"]
    servers = vault(conn, "GET", "sys/storage/raft/configuration", token)["data"]["config"]["servers"]
    removed = any(s["node_id"] == instance for s in servers)
    if removed:
        vault(conn, "POST", "sys/storage/raft/remove-peer", token, {"server_id": instance})

    session.client("autoscaling", endpoint_url=os.environ.get("AWS_ENDPOINT_URL")).complete_lifecycle_action(
        LifecycleHookName=detail["LifecycleHookName"], AutoScalingGroupName=detail["AutoScalingGroupName"],
        LifecycleActionToken=detail["LifecycleActionToken"], InstanceId=instance, LifecycleActionResult="CONTINUE")
    os.unlink(ca.name)
    print(json.dumps({"instance": instance, "peerRemoved": removed,
                      "elapsedMs": round((time.monotonic() - started) * 1000)}))


if __name__ == "__main__":
    main(sys.argv[1])
