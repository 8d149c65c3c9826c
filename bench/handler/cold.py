"""One cold start, in this fresh interpreter: import the app and answer the first event.

`python cold.py <app>` prints the milliseconds from the first line of this script to the first
answer (interpreter start-up, identical for all, is left out). The HTTP stub is installed between
the import and the event and its own few microseconds are not counted.
"""

import time

start = time.perf_counter()

import sys  # noqa: E402

import apps  # noqa: E402  (pure Python, no AWS imports)

apps.set_environment()
name = sys.argv[1]
handler = apps.load(name)
imported = time.perf_counter()
if handler is not None:
    apps.stub_http()
    resumed = time.perf_counter()
    response = handler(apps.event(), apps.Context())
    done = time.perf_counter()
    assert response["statusCode"] == 200, response
    total = (imported - start) + (done - resumed)
else:
    total = imported - start
sys.stderr.write(f"{total * 1000:.3f}\n")
