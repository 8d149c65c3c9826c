"""Alarms that notify nobody: prod with no subscription on its alarm topic warns."""

from __future__ import annotations

from seawall.preflight.context import Context, client_error_code
from seawall.preflight.planview import Planned
from seawall.preflight.report import CheckResult

NAME = "alarms.subscribers"


def check(context: Context) -> list[CheckResult]:
    topics = context.plan.resources("aws_sns_topic")
    if not topics:
        return [CheckResult(NAME, "pass", "no alarm topic in the plan")]
    subscriptions = len(context.plan.resources("aws_sns_topic_subscription"))
    unread: list[str] = []
    for topic in topics:
        existing = _existing_subscriptions(context, topic)
        if isinstance(existing, str):
            unread.append(existing)
        else:
            subscriptions += existing
    if subscriptions:
        return [CheckResult(NAME, "pass", f"{subscriptions} alarm subscription(s)")]
    if unread and context.target.env == "prod":  # nobody planned, and the rest is not known
        return [
            CheckResult(
                NAME,
                "warn",
                f"no subscription in the plan, and the topic's own could not be listed "
                f"({', '.join(unread)})",
                "the deploying principal needs sns:ListSubscriptionsByTopic to check this",
            )
        ]
    detail = "the alarm topic has no subscribers: alarms notify nobody"
    if context.target.env == "prod":
        return [
            CheckResult(
                NAME,
                "warn",
                detail,
                'set alarm_email_addresses = ["oncall@example.com"] in terraform/envs/prod.tfvars '
                "(each address confirms by email), or subscribe the topic (README: Deploy to AWS)",
            )
        ]
    return [CheckResult(NAME, "pass", f"{detail} (fine outside prod)")]


def _existing_subscriptions(context: Context, topic: Planned) -> int | str:
    """Subscriptions made outside Terraform (a pager, a chat hook) on a topic that exists; the
    error code when they could not be listed (unknown is not "none")."""
    arn = topic.known("arn")
    if topic.action in ("add", "replace") or not arn:
        return 0
    sns = context.target.client("sns")
    try:
        pages = sns.get_paginator("list_subscriptions_by_topic").paginate(TopicArn=arn)
        return sum(len(page.get("Subscriptions", [])) for page in pages)
    except Exception as error:
        return client_error_code(error)
