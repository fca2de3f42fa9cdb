"""moto's DynamoDB API, with every request applied atomically, as DynamoDB does.

`moto_server` handles each request on its own thread, and moto's backends take no
locks: two conditional updates of one item can interleave (check, check, write,
write) so that both succeed, and TransactWriteItems' copy of the tables races with
concurrent writes ("dictionary changed size during iteration"). DynamoDB applies
each request atomically, and the tests of concurrent code and refresh-token use
depend on that. One lock around each request gives the local stack the same
semantics; moto already serialises on Python's GIL, so no throughput is lost.

It is served by waitress rather than werkzeug's development server (which
`moto_server` uses): werkzeug closes every connection after its response, so
each SDK request would open a new TCP connection and that cost would be in every
latency and CPU figure measured locally. waitress keeps HTTP/1.1 connections
alive, as DynamoDB does.

usage: python infra/moto_server.py HOST PORT
"""

import os
import sys
import threading

import logging

import waitress
from moto.moto_server.werkzeug_app import DomainDispatcherApplication, create_backend_app


def atomic(app):
    lock = threading.Lock()

    def handle(environ, start_response):
        with lock:
            result = app(environ, start_response)
            try:
                body = b"".join(result)
            finally:
                close = getattr(result, "close", None)
                if close:
                    close()
        return [body]

    return handle


def main():
    host, port = sys.argv[1], int(sys.argv[2])
    os.environ.setdefault("MOTO_PORT", str(port))
    moto = DomainDispatcherApplication(create_backend_app)
    logging.basicConfig(level=logging.INFO)
    # Threads to hold the tests' concurrent connections (requests still run one
    # at a time under the lock); no limit on a request's duration.
    waitress.serve(atomic(moto), host=host, port=port, threads=64, channel_timeout=120,
                   connection_limit=1000, ident="moto")


if __name__ == "__main__":
    main()
