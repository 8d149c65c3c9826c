"""Warm overhead, all apps in this one process, interleaved request by request so that a noisy
machine slows them all alike: `python warm.py <requests>` prints JSON.

Every app answers GET /items/{id} with the SDK stubbed below request building (apps.stub_sdk).
Each round times one request of every app (in rotating order) and one bare SDK call of each kind;
an app's overhead in a round is its time minus the bare SDK call it makes (the low-level client
for seawall, the boto3 resource for the Powertools apps), so p50 and p99 are of paired
differences from the same moment. `own` is seawall's request minus the same call through a client
configured as seawall's (sdk-seawall-client): the handler's own work, without the part of its
overhead that its cheaper SDK configuration takes back.
"""

import json
import os
import statistics
import sys
import time

import apps

APPS = {"seawall": "sdk-client", "powertools": "sdk-resource", "powertools-full": "sdk-resource"}


def main() -> None:
    count = int(sys.argv[1]) if len(sys.argv) > 1 else 20_000
    apps.set_environment()
    names = [*APPS, "sdk-client", "sdk-resource", "sdk-seawall-client"]
    handlers = {name: apps.load(name) for name in names}
    apps.stub_sdk()
    event, context = apps.event(), apps.Context()
    real_stdout = os.dup(1)
    devnull = os.open(os.devnull, os.O_WRONLY)
    os.dup2(devnull, 1)  # the apps log every request to stdout, as in Lambda; not to the terminal
    sys.stdout = open(1, "w", closefd=False)  # noqa: SIM115
    for name in names:
        for _ in range(500):
            handlers[name](event, context)
        if name in APPS:
            assert handlers[name](event, context)["statusCode"] == 200
    times = {name: [] for name in names}
    clock = time.perf_counter
    for i in range(count):
        for j in range(len(names)):
            name = names[(i + j) % len(names)]
            handler = handlers[name]
            started = clock()
            handler(event, context)
            times[name].append(clock() - started)
    sys.stdout.flush()
    os.dup2(real_stdout, 1)

    def summary(values: list[float]) -> dict[str, float]:
        ordered = sorted(values)
        return {
            "p50": ordered[len(ordered) // 2] * 1e6,
            "p99": ordered[int(len(ordered) * 0.99)] * 1e6,
            "mean": statistics.fmean(ordered) * 1e6,
        }

    result = {"requests": count, "total": {n: summary(v) for n, v in times.items()}}
    result["overhead"] = {
        app: summary([a - b for a, b in zip(times[app], times[sdk], strict=True)])
        for app, sdk in APPS.items()
    }
    own = zip(times["seawall"], times["sdk-seawall-client"], strict=True)
    result["own"] = summary([a - b for a, b in own])
    sys.__stdout__.write(json.dumps(result) + "\n")


if __name__ == "__main__":
    main()
