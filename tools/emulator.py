"""The local AWS emulator: moto in server mode, with DynamoDB writes made atomic.

moto's server answers requests on several threads, and its DynamoDB backend checks a
ConditionExpression and then writes without a lock: two conditional writes on the same item
can both pass their check. Real DynamoDB evaluates a condition and writes an item as one
step, which the platform's optimistic locking relies on. This launcher runs moto's own WSGI
application (moto.server.main, minus its argument parsing) and passes DynamoDB requests
through one lock, so the emulator keeps that guarantee. Other services stay concurrent: SQS
long polls must not block anything else.

Usage: python tools/emulator.py -H 127.0.0.1 -p 4566
"""

import argparse
import signal
import sys
import threading

from werkzeug.serving import run_simple
from moto.moto_server.werkzeug_app import (
    DomainDispatcherApplication,
    MotoRequestHandler,
    create_backend_app,
)


class SerializeDynamoDB:
    """WSGI middleware: one DynamoDB request at a time (X-Amz-Target: DynamoDB_20120810.*)."""

    def __init__(self, app):
        self.app = app
        self.lock = threading.Lock()

    def __call__(self, environ, start_response):
        if environ.get("HTTP_X_AMZ_TARGET", "").startswith("DynamoDB_"):
            with self.lock:
                # The body is produced inside the lock: moto answers from a finished list.
                return list(self.app(environ, start_response))
        return self.app(environ, start_response)


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("-H", "--host", default="127.0.0.1")
    parser.add_argument("-p", "--port", type=int, default=4566)
    args = parser.parse_args()
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(0))
    signal.signal(signal.SIGINT, lambda *_: sys.exit(0))
    app = DomainDispatcherApplication(create_backend_app)
    run_simple(args.host, args.port, SerializeDynamoDB(app), threaded=True, request_handler=MotoRequestHandler)


if __name__ == "__main__":
    main()
