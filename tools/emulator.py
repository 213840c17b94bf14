"""The local AWS emulator: moto in server mode, with DynamoDB writes made atomic.

moto's server answers requests on several threads, and its DynamoDB backend checks a
ConditionExpression and then writes without a lock: two conditional writes on the same item
can both pass their check. Real DynamoDB evaluates a condition and writes an item as one
step, which the platform's optimistic locking relies on. This launcher runs moto's own WSGI
application (moto.server.main, minus its argument parsing) and passes DynamoDB requests
through one lock, so the emulator keeps that guarantee. Other services stay concurrent: SQS
long polls must not block anything else.

Opt-in persistence (`--state FILE`, or WABOT_EMULATOR_STATE=FILE): moto keeps everything in
memory, so a restart normally loses every table, queue and secret. With a state file the
emulator behaves like a service that is stopped and started again with its data:

- on SIGTERM or SIGINT it stops taking requests (a request that arrives from then on is
  answered 503 with `Connection: close`, which the AWS SDKs retry like a refused connection),
  waits for the requests already running to finish (at most --drain seconds: an SQS long poll
  can take its WaitTimeSeconds), then pickles moto's backends (every service that was used:
  DynamoDB tables and items, SQS queues with their messages, receive counts, visibility and
  FIFO deduplication state, Secrets Manager secrets, ...) into FILE, atomically (write, fsync,
  rename), and exits;
- on start, when FILE exists, it loads it and installs those backends before serving.

Every request answered before the snapshot is in it; no request is answered after it. Locks
inside moto's objects (an SQS queue's condition variable) are pickled as new, unlocked locks:
there is no holder once the requests have drained. Without a state file nothing changes.

Usage: python tools/emulator.py -H 127.0.0.1 -p 4566 [--state .build/emulator.state]
"""

import argparse
import _thread
import copyreg
import os
import pickle
import signal
import sys
import threading
import time

from werkzeug.serving import make_server, run_simple
import moto_fixes  # noqa: F401  (patches moto on import: see tools/moto_fixes.py)
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


class Gate:
    """WSGI middleware: counts the requests running and, once closed, refuses new ones."""

    def __init__(self, app):
        self.app = app
        self.cond = threading.Condition()
        self.running = 0
        self.closed = False

    def __call__(self, environ, start_response):
        with self.cond:
            if self.closed:
                start_response("503 Service Unavailable", [
                    ("Content-Type", "text/plain"), ("Connection", "close"), ("Content-Length", "21")])
                return [b"emulator stopping...\n"]
            self.running += 1
        try:
            # The whole body is produced before the request counts as finished.
            return list(self.app(environ, start_response))
        finally:
            with self.cond:
                self.running -= 1
                self.cond.notify_all()

    def close_and_drain(self, timeout):
        """Refuses new requests and waits for the running ones; False when some remain."""
        deadline = time.monotonic() + timeout
        with self.cond:
            self.closed = True
            while self.running > 0:
                left = deadline - time.monotonic()
                if left <= 0:
                    return False
                self.cond.wait(left)
        return True


# Locks cannot be pickled; once the requests have drained nobody holds one, so a fresh lock
# is an exact copy.
copyreg.pickle(_thread.LockType, lambda _lock: (_thread.allocate_lock, ()))
copyreg.pickle(type(threading.RLock()), lambda _lock: (threading.RLock, ()))


def _pickle_private_keys():
    """Cognito user pools hold their signing key as a cryptography RSA key object, which
    cannot be pickled: it is saved as its PKCS#8 DER bytes and loaded back, so a restart keeps
    the pools (their ids, users and key) and the tokens `make token` printed stay valid."""
    from cryptography.hazmat.primitives.asymmetric import rsa
    from cryptography.hazmat.primitives.serialization import (
        Encoding, NoEncryption, PrivateFormat, load_der_private_key)

    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    copyreg.pickle(type(key), lambda k: (load_der_private_key, (
        k.private_bytes(Encoding.DER, PrivateFormat.PKCS8, NoEncryption()), None)))


_pickle_private_keys()

# Services whose data the local stack needs: a state file without them is refused.
REQUIRED = ("dynamodb", "sqs", "secretsmanager")


def used_backends():
    """{service: BackendDict} of every service that holds data."""
    from moto.core.base_backend import BackendDict

    out = {}
    for bd in list(BackendDict._instances):  # the services used since start
        if len(bd):
            out[bd.service_name] = bd
    return out


def snapshot():
    """{service: {account: {region: backend}}} of every used service."""
    state = {}
    for name, bd in used_backends().items():
        state[name] = {acct: dict(per_region.items()) for acct, per_region in bd.items()}
    return state


def save(path, log):
    from moto.core.base_backend import backend_lock

    started = time.monotonic()
    with backend_lock:
        state = snapshot()
        blobs, skipped = {}, []
        for name, accounts in state.items():
            try:
                blobs[name] = pickle.dumps(accounts, protocol=pickle.HIGHEST_PROTOCOL)
            except Exception as e:  # a service whose objects cannot be pickled
                if name in REQUIRED:
                    raise
                skipped.append(f"{name} ({e.__class__.__name__}: {e})")
    tmp = path + ".tmp"
    with open(tmp, "wb") as f:
        pickle.dump({"version": 1, "services": blobs}, f, protocol=pickle.HIGHEST_PROTOCOL)
        f.flush()
        os.fsync(f.fileno())
    os.replace(tmp, path)
    log(f"state saved to {path}: {sorted(blobs)} in {time.monotonic() - started:.2f}s"
        + (f"; not saved: {', '.join(skipped)}" if skipped else ""))


def restore(path, log):
    from moto.backends import get_backend

    with open(path, "rb") as f:
        data = pickle.load(f)
    if data.get("version") != 1:
        raise SystemExit(f"{path}: unknown state version {data.get('version')}")
    for name, blob in data["services"].items():
        accounts = pickle.loads(blob)
        bd = get_backend(name)
        for acct, regions in accounts.items():
            per_region = bd[acct]  # creates the account's entry and registers the service
            for region, backend in regions.items():
                per_region[region] = backend
    log(f"state restored from {path}: {sorted(data['services'])}")


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("-H", "--host", default="127.0.0.1")
    parser.add_argument("-p", "--port", type=int, default=4566)
    parser.add_argument("--state", default=os.environ.get("WABOT_EMULATOR_STATE", ""),
                        help="opt-in: save the data here on SIGTERM/SIGINT and load it at start")
    parser.add_argument("--drain", type=float, default=25.0,
                        help="with --state: seconds to wait for running requests before saving")
    args = parser.parse_args()
    app = DomainDispatcherApplication(create_backend_app)
    if not args.state:
        signal.signal(signal.SIGTERM, lambda *_: sys.exit(0))
        signal.signal(signal.SIGINT, lambda *_: sys.exit(0))
        run_simple(args.host, args.port, SerializeDynamoDB(app), threaded=True, request_handler=MotoRequestHandler)
        return

    def log(msg):
        print(f"emulator: {msg}", file=sys.stderr, flush=True)

    if os.path.exists(args.state):
        restore(args.state, log)
    gate = Gate(SerializeDynamoDB(app))
    srv = make_server(args.host, args.port, gate, threaded=True, request_handler=MotoRequestHandler)
    stopping = threading.Event()

    def stop():
        drained = gate.close_and_drain(args.drain)
        if not drained:
            log(f"requests still running after {args.drain}s; saving anyway")
        code = 0
        try:
            save(args.state, log)
        except Exception as e:
            log(f"state NOT saved: {e.__class__.__name__}: {e}")
            code = 1
        srv.shutdown()
        os._exit(code)

    def on_signal(*_):
        if not stopping.is_set():
            stopping.set()
            threading.Thread(target=stop, daemon=True).start()

    signal.signal(signal.SIGTERM, on_signal)
    signal.signal(signal.SIGINT, on_signal)
    log(f"listening on http://{args.host}:{args.port} with state file {args.state}")
    srv.serve_forever()


if __name__ == "__main__":
    main()
