"""moto's server, with DynamoDB writes made atomic as DynamoDB's are.

moto evaluates a write's condition expression and stores the item as two steps, and its server answers requests on
many threads: under load two conditional PutItems for the same item can both pass their condition (measured: 9 of
300 rounds of six concurrent writers on 2 busy cores with moto 5.2.5). DynamoDB itself never does that, and the
mutation lock relies on it. This launcher serializes moto's DynamoDB writes behind one lock, then starts the same
server with the same arguments as moto_server. Reads stay concurrent.
"""
import functools
import sys
import threading

from moto.dynamodb.models import DynamoDBBackend
from moto.server import main

_WRITES = threading.RLock()


def _one_at_a_time(method):
    @functools.wraps(method)
    def run(*args, **kwargs):
        with _WRITES:
            return method(*args, **kwargs)

    return run


for _name in ("put_item", "update_item", "delete_item", "transact_write_items", "batch_write_item"):
    setattr(DynamoDBBackend, _name, _one_at_a_time(getattr(DynamoDBBackend, _name)))

if __name__ == "__main__":
    sys.exit(main())
