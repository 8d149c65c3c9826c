"""The plan summary a reviewer reads: counts by action and type, data loss called out."""

from __future__ import annotations

from hypothesis import given
from hypothesis import strategies as st

from seawall.plansummary import render, summarize

ACTIONS = {
    "add": ["create"],
    "change": ["update"],
    "replace": ["delete", "create"],
    "destroy": ["delete"],
    "none": ["no-op"],
}


def change(address: str, actions: list[str], mode: str = "managed") -> dict:
    kind = address.split(".")[-2]
    return {"address": address, "type": kind, "mode": mode, "change": {"actions": actions}}


def test_counts_by_action_and_type() -> None:
    plan = {
        "resource_changes": [
            change("aws_lambda_function.api", ["create"]),
            change("aws_lambda_function.worker", ["create"]),
            change("aws_iam_role.api", ["update"]),
            change("aws_sns_topic.alarms", ["no-op"]),
            change("data.aws_iam_policy_document.x", ["read"], mode="data"),
        ]
    }
    summary = summarize(plan)
    assert summary.totals() == {"add": 2, "change": 1, "replace": 0, "destroy": 0}
    text = render(summary)
    assert text.splitlines()[0] == "plan: 2 to add, 1 to change"
    assert "aws_lambda_function x2" in text
    assert "WARNING" not in text


def test_stateful_replacements_and_destroys_are_warned_in_red_on_a_terminal() -> None:
    plan = {
        "resource_changes": [
            change("module.data.aws_dynamodb_table.this", ["create", "delete"]),
            change("module.logs.aws_s3_bucket.this", ["delete"]),
            change("aws_lambda_function.api", ["delete", "create"]),
        ]
    }
    summary = summarize(plan)
    assert summary.data_loss == [
        ("module.data.aws_dynamodb_table.this", "replace"),
        ("module.logs.aws_s3_bucket.this", "destroy"),
    ]
    plain = render(summary)
    assert "WARNING: 2 stateful resource(s)" in plain
    assert "\033[31m" not in plain
    assert "\033[31m" in render(summary, color=True)
    assert summary.as_json()["stateful_replaced_or_destroyed"][0]["action"] == "replace"


def test_no_changes_says_so() -> None:
    summary = summarize({"resource_changes": [change("aws_sns_topic.a", ["no-op"])]})
    assert not summary.changes
    assert "no changes" in render(summary)


def test_a_plan_that_changes_only_outputs_has_changes() -> None:
    # terraform plan -detailed-exitcode exits 2 for it; the summary must not say "no changes"
    plan = {
        "resource_changes": [change("aws_sns_topic.a", ["no-op"])],
        "output_changes": {
            "api_url": {"actions": ["update"]},
            "region": {"actions": ["no-op"]},
            "dashboard": {"actions": ["create"]},
        },
    }
    summary = summarize(plan)
    assert summary.changes
    assert summary.outputs == ["api_url", "dashboard"]
    text = render(summary)
    assert text.splitlines()[0] == "plan: 2 output(s) to change"
    assert "no changes" not in text
    assert summary.as_json()["outputs_changed"] == ["api_url", "dashboard"]


@given(st.lists(st.sampled_from(sorted(ACTIONS)), max_size=30))
def test_every_change_is_counted_once(kinds: list[str]) -> None:
    plan = {
        "resource_changes": [
            change(f"aws_sqs_queue.q{index}", ACTIONS[kind]) for index, kind in enumerate(kinds)
        ]
    }
    totals = summarize(plan).totals()
    for action in ("add", "change", "replace", "destroy"):
        assert totals[action] == kinds.count(action)
