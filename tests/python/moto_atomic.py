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


# moto's Cognito names `https://cognito-idp.REGION.amazonaws.com/POOL` as the issuer of its
# tokens and in its discovery document, but serves that document (and the JWKS) at
# `http://HOST:PORT/POOL/...`: an OpenID Connect client, which fetches
# `ISSUER/.well-known/openid-configuration` and requires the issuer named there, cannot verify
# its tokens. Real Cognito serves them at the issuer's own URL; so does this server: tokens and
# discovery name `http://HOST:PORT/POOL` (HOST and PORT from the command line, as moto_server
# reads them).
def _own_url(argv: list[str]) -> str:
    host, port = "127.0.0.1", "5000"
    for i, arg in enumerate(argv):
        nxt = argv[i + 1] if i + 1 < len(argv) else None
        if arg in ("-H", "--host") and nxt:
            host = nxt
        elif arg in ("-p", "--port") and nxt:
            port = nxt
    return f"http://{host}:{port}"


def _issue_from_here() -> None:
    import json
    import sys

    from moto.cognitoidp import models as cognito_models
    from moto.cognitoidp import responses as cognito_responses
    from moto.cognitoidp import urls as cognito_urls

    own = _own_url(sys.argv[1:])
    aws_issuer = "https://cognito-idp."

    class _Jwt:
        """joserfc's `jwt` as moto's Cognito uses it, the issuer of new tokens this server."""

        def __getattr__(self, name):
            return getattr(_JOSE_JWT, name)

        @staticmethod
        def encode(header, claims, key, *args, **kwargs):
            iss = claims.get("iss", "")
            if iss.startswith(aws_issuer):
                claims = {**claims, "iss": f"{own}/{iss.rsplit('/', 1)[-1]}"}
            return _JOSE_JWT.encode(header, claims, key, *args, **kwargs)

    _JOSE_JWT = cognito_models.jwt
    cognito_models.jwt = _Jwt()

    original = cognito_responses.CognitoIdpOpenIdConfigurationResponse.serve_openid_configuration

    def serve_openid_configuration(*args):
        status, headers, body = original(*args)
        document = json.loads(body)
        suffix = "/.well-known/jwks.json"
        if document.get("jwks_uri", "").endswith(suffix):
            document["issuer"] = document["jwks_uri"][: -len(suffix)]
        return status, headers, json.dumps(document).encode("utf-8")

    cognito_responses.CognitoIdpOpenIdConfigurationResponse.serve_openid_configuration = staticmethod(
        serve_openid_configuration
    )
    for path, handler in list(cognito_urls.url_paths.items()):
        if handler is original:
            cognito_urls.url_paths[path] = serve_openid_configuration


if __name__ == "__main__":
    _issue_from_here()
    server.main()
