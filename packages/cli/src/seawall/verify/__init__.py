"""`seawall verify`: the failure-mode catalog, the checks and drills that prove it, the reports.

- `catalog`: docs/failure-modes.toml, read: scenario -> mitigations (files) -> check ids.
- `model`: a check, its result and the evidence behind it.
- `target`: what is verified (the running `seawall up`, or a deployed environment).
- `checks_*`: the non-destructive checks, one module per concern; `drills`: the fault drills,
  through `faults` (a function's fault-injection setting, always switched off again).
- `registry`: every check by id; `runner`: runs them, each with its own timeout.
- `reports`: terminal table, JSON, JUnit XML, HTML.
"""
