"""Every check `seawall verify` knows, by id (the catalog names them)."""

from __future__ import annotations

from seawall.verify import (
    checks_api,
    checks_functions,
    checks_observability,
    checks_storage,
    drills,
)
from seawall.verify.model import Check

ALL: tuple[Check, ...] = (
    *checks_api.CHECKS,
    *checks_storage.CHECKS,
    *checks_functions.CHECKS,
    *checks_observability.CHECKS,
    *drills.DRILLS,
)
BY_ID: dict[str, Check] = {check.id: check for check in ALL}
