"""The emulator's own process: moto's server, plus two endpoints of seawall's to snapshot its state
and to restore a snapshot.

moto keeps every resource in memory, in one `BackendDict` per service (`{account: {region:
backend}}`, a module-level object in that service's `models` module), and makes its models
picklable (S3 keys and Lambda functions drop their file buffers and Docker clients in
`__getstate__`). A snapshot pickles every `BackendDict` that holds anything, in one pass, so that
objects two services share stay shared; a restore loads them into this process's own, empty,
`BackendDict`s, in place, because other moto modules hold references to those objects.

    POST /_seawall/snapshot             -> the pickled state (application/octet-stream)
    POST /_seawall/restore  body: path  -> 204 once the snapshot at that path is loaded
    GET  /_seawall/sqs-queues           -> each queue's counts and oldest message's age (JSON;
                                           read-only, no token: see `seawall.emulator_queues`)

The first two answer only a request carrying the token the parent put in this process's environment
(SEAWALL_EMULATOR_TOKEN, never on the command line): the server listens on loopback, and a restore
unpickles a file, which must be the parent's choice alone.

Run: python -m seawall.emulator_server -H 127.0.0.1 -p PORT (what `seawall.emulator.Emulator` does).
"""

from __future__ import annotations

import argparse
import hmac
import importlib
import io
import json
import os
import pickle
import signal
import sys
import threading
import weakref
from collections import defaultdict
from collections.abc import Callable, Iterable
from pathlib import Path
from typing import Any

from seawall.emulator_queues import queue_stats

TOKEN_ENV = "SEAWALL_EMULATOR_TOKEN"  # noqa: S105 - the variable's name, not a secret
TOKEN_HEADER = "X-Seawall-Token"  # noqa: S105 - the header's name, not a secret
PREFIX = "/_seawall/"
QUEUES = "sqs-queues"
# Bumped when the layout of a snapshot changes; a snapshot of another format is not loaded.
FORMAT = 1

StartResponse = Callable[[str, list[tuple[str, str]]], Any]


class SnapshotError(Exception):
    """A snapshot could not be taken or loaded."""


# -- taking and loading snapshots ----------------------------------------------------------------


def _backend_dicts() -> Iterable[Any]:
    from moto.core.base_backend import BackendDict  # noqa: PLC0415 - moto imports slowly

    return list(BackendDict._instances)  # moto's own registry of the services in use


def _home(backend_dict: Any) -> tuple[str, str]:
    """The module and global name under which moto keeps `backend_dict`."""
    module_name = backend_dict.backend.__module__
    module = sys.modules[module_name]
    for name, value in vars(module).items():
        if value is backend_dict:
            return module_name, name
    raise SnapshotError(f"no module-level name for the {backend_dict.service_name} backends")


def snapshot_state() -> bytes:
    """Every service's state, pickled. Taken under moto's backend lock: no backend is created
    meanwhile (requests that only change a model are the caller's to avoid)."""
    from moto.core.base_backend import backend_lock  # noqa: PLC0415

    with backend_lock:
        services = []
        for backend_dict in _backend_dicts():
            module_name, name = _home(backend_dict)
            extra = {
                key: value
                for key, value in vars(backend_dict).items()
                if key not in ("backend", "_id")  # the class (by import) and the identity
            }
            services.append((module_name, name, dict(backend_dict), extra))
        buffer = io.BytesIO()
        try:
            _StatePickler(buffer, protocol=pickle.HIGHEST_PROTOCOL).dump((FORMAT, services))
        except (pickle.PicklingError, TypeError, AttributeError) as error:
            raise SnapshotError(f"the emulator's state could not be pickled: {error}") from error
        return buffer.getvalue()


class _StatePickler(pickle.Pickler):
    """pickle, plus what moto's models hold that pickle cannot take as it is: KMS keys'
    `cryptography` key objects (kept as PEM), weak dictionaries (Lambda's index of functions by
    ARN: kept as their current contents, which the snapshot holds anyway), defaultdicts whose
    factory is a lambda (`defaultdict(lambda: {})`: the factory's type instead, when that makes
    the same empty value) and locks (a fresh, released one on load: a snapshot is taken while no
    request holds one)."""

    _LOCK_TYPES = (type(threading.Lock()), type(threading.RLock()))
    _WEAK_DICTS = (weakref.WeakValueDictionary, weakref.WeakKeyDictionary)

    def reducer_override(self, obj: Any) -> Any:
        if isinstance(obj, self._WEAK_DICTS):
            return type(obj), (dict(obj.items()),)
        if isinstance(obj, defaultdict) and _is_local(obj.default_factory):
            sample = obj.default_factory()  # type: ignore[misc]
            if sample != type(sample)():
                return NotImplemented  # a factory with a value of its own: pickle says why
            return _defaultdict, (type(sample), dict(obj))
        if isinstance(obj, self._LOCK_TYPES):
            return (threading.RLock if "RLock" in type(obj).__name__ else threading.Lock), ()
        pem = _private_key_pem(obj)
        if pem is not None:
            return _load_private_key, (pem,)
        return NotImplemented


def _is_local(function: Any) -> bool:
    """A lambda or a nested function: pickle cannot name it."""
    qualname = getattr(function, "__qualname__", "")
    return "<lambda>" in qualname or "<locals>" in qualname


def _defaultdict(factory: type, items: dict[Any, Any]) -> defaultdict[Any, Any]:
    return defaultdict(factory, items)


def _private_key_pem(obj: Any) -> bytes | None:
    module = type(obj).__module__
    if not module.startswith("cryptography."):
        return None
    from cryptography.hazmat.primitives import serialization  # noqa: PLC0415
    from cryptography.hazmat.primitives.asymmetric.types import (  # noqa: PLC0415
        PrivateKeyTypes,
    )

    if not isinstance(obj, PrivateKeyTypes):
        return None
    return obj.private_bytes(
        serialization.Encoding.PEM,
        serialization.PrivateFormat.PKCS8,
        serialization.NoEncryption(),  # the emulator's fake keys, in a 0600 file of the user's
    )


def _load_private_key(pem: bytes) -> Any:
    from cryptography.hazmat.primitives import serialization  # noqa: PLC0415

    return serialization.load_pem_private_key(pem, password=None)


def restore_state(data: bytes) -> list[str]:
    """Load a snapshot into this process's backends; return the services it held."""
    from moto.core.base_backend import BackendDict, backend_lock  # noqa: PLC0415

    try:
        snapshot_format, services = pickle.loads(data)  # noqa: S301 - our own file, token-guarded
    except Exception as error:  # a snapshot of another moto or Python, or a damaged file
        raise SnapshotError(f"the snapshot could not be loaded: {error!r}") from error
    if snapshot_format != FORMAT:
        raise SnapshotError(f"snapshot format {snapshot_format}, expected {FORMAT}")
    restored = []
    with backend_lock:
        for module_name, name, accounts, extra in services:
            backend_dict = getattr(importlib.import_module(module_name), name)
            dict.clear(backend_dict)
            dict.update(backend_dict, accounts)
            vars(backend_dict).update(extra)
            if backend_dict not in BackendDict._instances:  # so that moto's reset() sees it
                BackendDict._instances.append(backend_dict)
            restored.append(backend_dict.service_name)
    return restored


# -- the endpoints -------------------------------------------------------------------------------


class SnapshotEndpoints:
    """WSGI middleware: answers /_seawall/* itself and hands everything else to moto."""

    def __init__(self, app: Callable[..., Any], token: str) -> None:
        self._app = app
        self._token = token

    def __call__(self, environ: dict[str, Any], start_response: StartResponse) -> Any:
        path = environ.get("PATH_INFO", "")
        if not path.startswith(PREFIX):
            return self._app(environ, start_response)
        if path == PREFIX + QUEUES and environ.get("REQUEST_METHOD") == "GET":
            return _answer(start_response, "200 OK", {"queues": queue_stats()})
        given = environ.get("HTTP_" + TOKEN_HEADER.upper().replace("-", "_"), "")
        if not self._token or not hmac.compare_digest(given, self._token):
            return _answer(start_response, "403 Forbidden", {"message": "bad or missing token"})
        if environ.get("REQUEST_METHOD") != "POST":
            return _answer(start_response, "405 Method Not Allowed", {"message": "POST only"})
        try:
            if path == PREFIX + "snapshot":
                data = snapshot_state()
                start_response(
                    "200 OK",
                    [
                        ("Content-Type", "application/octet-stream"),
                        ("Content-Length", str(len(data))),
                    ],
                )
                return [data]
            if path == PREFIX + "restore":
                length = int(environ.get("CONTENT_LENGTH") or 0)
                snapshot_path = Path(environ["wsgi.input"].read(length).decode("utf-8"))
                services = restore_state(snapshot_path.read_bytes())
                return _answer(start_response, "200 OK", {"services": services})
        except (SnapshotError, OSError, ValueError) as error:
            return _answer(start_response, "500 Internal Server Error", {"message": str(error)})
        return _answer(start_response, "404 Not Found", {"message": f"no endpoint {path}"})


def _answer(start_response: StartResponse, status: str, body: dict[str, Any]) -> list[bytes]:
    data = json.dumps(body).encode()
    start_response(
        status, [("Content-Type", "application/json"), ("Content-Length", str(len(data)))]
    )
    return [data]


# -- the process ---------------------------------------------------------------------------------


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(prog="python -m seawall.emulator_server")
    parser.add_argument("-H", "--host", default="127.0.0.1")
    parser.add_argument("-p", "--port", type=int, required=True)
    args = parser.parse_args(argv)

    from moto.moto_server.werkzeug_app import (  # noqa: PLC0415 - moto imports slowly
        DomainDispatcherApplication,
        MotoRequestHandler,
        create_backend_app,
    )
    from werkzeug.serving import run_simple  # noqa: PLC0415

    # As moto.server does: some of its models build URLs from MOTO_PORT.
    os.environ.setdefault("MOTO_PORT", str(args.port))
    for signum in (signal.SIGTERM, signal.SIGINT):
        signal.signal(signum, lambda signum, frame: sys.exit(0))
    app = SnapshotEndpoints(
        DomainDispatcherApplication(create_backend_app), os.environ.pop(TOKEN_ENV, "")
    )
    run_simple(args.host, args.port, app, threaded=True, request_handler=MotoRequestHandler)


if __name__ == "__main__":
    main()
