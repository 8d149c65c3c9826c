"""The rules, with plain values (items, jobs, idempotency, cursors) and their stores' protocols."""
