"""The apply's critical chain, from terraform's own lines and a fake clock."""

from __future__ import annotations

from seawall.apply_timeline import ApplyTimeline


class Clock:
    def __init__(self) -> None:
        self.now = 0.0

    def __call__(self) -> float:
        return self.now


def feed(timeline: ApplyTimeline, clock: Clock, events: list[tuple[float, str]]) -> None:
    for at, line in events:
        clock.now = at
        timeline.on_line(line)


BUCKET = "module.log_bucket.aws_s3_bucket.this"
LIFECYCLE = "module.log_bucket.aws_s3_bucket_lifecycle_configuration.this"
QUEUE = 'module.jobs.aws_sqs_queue.this["jobs"]'
REDRIVE = "module.jobs.aws_sqs_queue_redrive_policy.this"
TABLE = "module.data_table.aws_dynamodb_table.this"


def stack_apply() -> tuple[ApplyTimeline, Clock]:
    clock = Clock()
    timeline = ApplyTimeline(clock)
    feed(
        timeline,
        clock,
        [
            (5.0, f"{BUCKET}: Creating..."),
            (5.1, f"{QUEUE}: Creating..."),
            (5.2, f"{TABLE}: Creating..."),
            (6.0, f"{BUCKET}: Creation complete after 1s [id=seawall-local-logs]"),
            (6.1, f"{LIFECYCLE}: Creating..."),
            (15.0, f"{TABLE}: Still creating... [10s elapsed]"),
            (17.0, f"{TABLE}: Creation complete after 12s [id=seawall-local-data]"),
            (30.2, f"{QUEUE}: Creation complete after 25s [id=http://127.0.0.1/q]"),
            (30.3, f"{REDRIVE}: Creating..."),
            (55.4, f"{REDRIVE}: Creation complete after 25s [id=http://127.0.0.1/q]"),
            (61.2, f"{LIFECYCLE}: Creation complete after 55s [id=seawall-local-logs]"),
            (63.0, "Apply complete! Resources: 5 added, 0 changed, 0 destroyed."),
        ],
    )
    clock.now = 64.0
    timeline.finish()
    return timeline, clock


def test_the_chain_runs_back_from_the_last_resource_through_what_it_waited_for() -> None:
    timeline, _ = stack_apply()
    assert [step.address for step in timeline.chain()] == [BUCKET, LIFECYCLE]
    assert round(timeline.chain()[-1].seconds, 1) == 55.1


def test_the_description_names_the_chain_and_the_time_around_it() -> None:
    timeline, _ = stack_apply()
    text = timeline.describe()
    assert text.startswith(f"{BUCKET} 1.0s -> {LIFECYCLE} 55.1s; apply 64.0s")
    assert "5.0s before it" in text
    assert "chain 56.2s" in text
    assert "2.8s after" in text


def test_a_parallel_chain_that_ends_earlier_is_not_the_critical_one() -> None:
    timeline, _ = stack_apply()
    addresses = [step.address for step in timeline.chain()]
    assert QUEUE not in addresses
    assert REDRIVE not in addresses


def test_an_apply_that_changed_nothing_says_so() -> None:
    clock = Clock()
    timeline = ApplyTimeline(clock)
    feed(timeline, clock, [(4.0, "No changes. Your infrastructure matches the configuration.")])
    clock.now = 5.0
    timeline.finish()
    assert timeline.chain() == []
    assert timeline.describe() == "no resource changed; apply 5.0s"
