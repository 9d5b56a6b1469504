"""moto's server with DynamoDB operations made atomic, as DynamoDB's are.

moto 5.2.5 runs requests on threads and its TransactWriteItems checks conditions, writes, and
on failure restores a deep copy of the table, all without a lock: two concurrent transactions
can both pass a condition that only one may pass (two leads claim one phone), and a rollback
can undo another request's write. DynamoDB serialises these. This wrapper serialises every
DynamoDB backend call behind one lock and otherwise starts moto exactly as `moto_server`
(same arguments), so concurrency tests against it mean what they say.
"""

import functools
import threading

from moto import server
from moto.dynamodb.models import DynamoDBBackend

_LOCK = threading.RLock()

for _name in (
    "put_item",
    "update_item",
    "delete_item",
    "get_item",
    "query",
    "scan",
    "batch_get_item",
    "batch_write_item",
    "transact_write_items",
    "transact_get_items",
):
    _original = getattr(DynamoDBBackend, _name, None)
    if _original is None:
        continue

    def _atomic(self, *args, __original=_original, **kwargs):
        with _LOCK:
            return __original(self, *args, **kwargs)

    setattr(DynamoDBBackend, _name, functools.wraps(_original)(_atomic))

if __name__ == "__main__":
    server.main()
