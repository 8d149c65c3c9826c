"""`seawall loadtest`: Locust with the stack's own scenarios, an SLO gate and a no-loss audit.

Locust (and gevent, which it monkey-patches into every process that imports it) runs only in its
own processes: `runner` starts `python -m locust` with the shipped `locustfile`, and this process
reads what they leave behind (Locust's JSON stats and CSVs, the ledger of acknowledged writes).
Nothing here imports locust, so `seawall --help` stays fast and a deploy-only install works
without the `load` extra.
"""
