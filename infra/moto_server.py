"""moto's DynamoDB API, with every request applied atomically, as DynamoDB does.

`moto_server` handles each request on its own thread, and moto's backends take no
locks: two conditional updates of one item can interleave (check, check, write,
write) so that both succeed, and TransactWriteItems' copy of the tables races with
concurrent writes ("dictionary changed size during iteration"). DynamoDB applies
each request atomically, and the tests of concurrent code and refresh-token use
depend on that. One lock around each request gives the local stack the same
semantics; moto already serialises on Python's GIL, so no throughput is lost.

usage: python infra/moto_server.py HOST PORT
"""

import os
import sys
import threading

from moto.moto_server.werkzeug_app import (
    DomainDispatcherApplication,
    MotoRequestHandler,
    create_backend_app,
)
from werkzeug.serving import run_simple


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
    moto.debug = True  # as moto_server: tracebacks in the log
    run_simple(host, port, atomic(moto), threaded=True, request_handler=MotoRequestHandler)


if __name__ == "__main__":
    main()
