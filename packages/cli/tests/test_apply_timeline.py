"""The apply's critical chain, from terraform's own lines, a fake clock and the dependencies
the state records."""

from __future__ import annotations

from fake_clock import FakeClock

from seawall.apply_timeline import ApplyTimeline, state_dependencies


def feed(timeline: ApplyTimeline, clock: FakeClock, events: list[tuple[float, str]]) -> None:
    for at, line in events:
        clock.now = at
        timeline.on_line(line)


BUCKET = "module.log_bucket.aws_s3_bucket.this"
LIFECYCLE = "module.log_bucket.aws_s3_bucket_lifecycle_configuration.this"
QUEUE = 'module.jobs.aws_sqs_queue.this["jobs"]'
REDRIVE = "module.jobs.aws_sqs_queue_redrive_policy.this"
TABLE = "module.data_table.aws_dynamodb_table.this"
METHOD = "module.rest_api.aws_api_gateway_method.this"
DEPENDENCIES = {
    LIFECYCLE: [BUCKET],
    REDRIVE: ["module.jobs.aws_sqs_queue.this"],
    f'{METHOD}["GET /health"]': [],
}


def stack_apply() -> tuple[ApplyTimeline, FakeClock]:
    clock = FakeClock()
    timeline = ApplyTimeline(clock)
    feed(
        timeline,
        clock,
        [
            (5.0, f"{BUCKET}: Creating..."),
            (5.1, f"{QUEUE}: Creating..."),
            (5.2, f"{TABLE}: Creating..."),
            (6.0, f"{BUCKET}: Creation complete after 1s [id=seawall-local-logs]"),
            (6.05, f'{METHOD}["GET /health"]: Creating...'),
            (6.08, f'{METHOD}["GET /health"]: Creation complete after 0s [id=abc]'),
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
    chain = timeline.chain(DEPENDENCIES)
    assert [step.address for step in chain] == [BUCKET, LIFECYCLE]
    assert round(chain[-1].seconds, 1) == 55.1


def test_the_description_names_the_chain_and_the_time_around_it() -> None:
    timeline, _ = stack_apply()
    text = timeline.describe(DEPENDENCIES)
    assert text.startswith(f"{BUCKET} 1.0s -> {LIFECYCLE} 55.1s; apply 64.0s")
    assert "5.0s before it" in text
    assert "chain 56.2s" in text
    assert "2.8s after" in text


def test_what_merely_finished_just_before_is_not_on_the_chain() -> None:
    """The method finished 20 ms before the lifecycle started, but the lifecycle does not
    depend on it; the queue chain ends earlier: neither is critical."""
    timeline, _ = stack_apply()
    addresses = [step.address for step in timeline.chain(DEPENDENCIES)]
    assert f'{METHOD}["GET /health"]' not in addresses
    assert QUEUE not in addresses
    assert REDRIVE not in addresses


def test_instances_of_a_dependency_are_found_by_their_keys() -> None:
    timeline, _ = stack_apply()
    chain = timeline.chain({**DEPENDENCIES, REDRIVE: ["module.jobs.aws_sqs_queue.this"]})
    assert REDRIVE not in [step.address for step in chain]  # ended at 55.4, lifecycle at 61.2
    redrive_only = ApplyTimeline(FakeClock())
    redrive_only.steps = {k: v for k, v in timeline.steps.items() if k in (QUEUE, REDRIVE)}
    chain = redrive_only.chain({REDRIVE: ["module.jobs.aws_sqs_queue.this"]})
    assert [step.address for step in chain] == [QUEUE, REDRIVE]


def test_state_dependencies_name_instances_as_terraform_prints_them() -> None:
    state = {
        "version": 4,
        "resources": [
            {
                "module": "module.rest_api",
                "mode": "managed",
                "type": "aws_api_gateway_method",
                "name": "this",
                "instances": [
                    {"index_key": "GET /health", "dependencies": ["module.rest_api.x.y"]},
                ],
            },
            {
                "mode": "data",
                "type": "aws_caller_identity",
                "name": "current",
                "instances": [{}],
            },
            {
                "module": "module.jobs",
                "mode": "managed",
                "type": "aws_sqs_queue",
                "name": "this",
                "instances": [{"index_key": 0, "dependencies": []}],
            },
        ],
    }
    assert state_dependencies(state) == {
        'module.rest_api.aws_api_gateway_method.this["GET /health"]': ["module.rest_api.x.y"],
        "data.aws_caller_identity.current": [],
        "module.jobs.aws_sqs_queue.this[0]": [],
    }


def test_an_apply_that_changed_nothing_says_so() -> None:
    clock = FakeClock()
    timeline = ApplyTimeline(clock)
    feed(timeline, clock, [(4.0, "No changes. Your infrastructure matches the configuration.")])
    clock.now = 5.0
    timeline.finish()
    assert timeline.chain(DEPENDENCIES) == []
    assert timeline.describe(DEPENDENCIES) == "no resource changed; apply 5.0s"
