"""Run the local gateway as a process: `python -m seawall.runtime --endpoint ... --api-id ...`.

Prints one JSON line with the URL once it is serving, then serves until SIGTERM or SIGINT.
"""

from __future__ import annotations

import argparse
import json
import signal
import sys
import threading
from pathlib import Path

from seawall.runtime.local_runtime import LocalRuntime


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m seawall.runtime")
    parser.add_argument("--endpoint", required=True, help="the emulator's endpoint URL")
    parser.add_argument("--region", required=True)
    parser.add_argument("--api-id", required=True)
    parser.add_argument("--stage", required=True)
    parser.add_argument("--artifact-store", type=Path, required=True)
    parser.add_argument("--work-dir", type=Path, required=True)
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=0)
    args = parser.parse_args(argv)

    stop = threading.Event()
    for signum in (signal.SIGTERM, signal.SIGINT):
        signal.signal(signum, lambda *_: stop.set())
    runtime = LocalRuntime(
        endpoint=args.endpoint,
        region=args.region,
        api_id=args.api_id,
        stage=args.stage,
        artifact_store=args.artifact_store,
        work_dir=args.work_dir,
        host=args.host,
        port=args.port,
    )
    with runtime:
        print(json.dumps({"url": runtime.url}), flush=True)
        stop.wait()
    return 0


if __name__ == "__main__":
    sys.exit(main())
