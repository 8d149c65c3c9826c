"""retrylib.aws against real botocore exception objects (botocore is a test dependency only).

batch_write_all is tested with a scripted client: the local emulator (moto) always processes
every item, so it cannot produce the partial UnprocessedItems answers this helper exists for.
"""

from __future__ import annotations

import random
import subprocess
import sys

import pytest
from botocore.exceptions import (
    ClientError,
    ConnectionClosedError,
    ConnectTimeoutError,
    EndpointConnectionError,
    NoCredentialsError,
    ReadTimeoutError,
)
from botocore.retries import standard
from retrylib_doubles import FakeTime

from retrylib import DeadlineExceeded, RetryBudget, RetryPolicy, aws, stop, wait


def client_error(code: str | None, status: int = 400, operation: str = "PutItem") -> ClientError:
    response: dict = {"ResponseMetadata": {"HTTPStatusCode": status}}
    if code is not None:
        response["Error"] = {"Code": code, "Message": "scripted"}
    return ClientError(response, operation)


# -- classification ---------------------------------------------------------------------------


def test_throttling_codes_match_botocore_standard_mode():
    botocore_codes = set(standard.ThrottledRetryableChecker._THROTTLED_ERROR_CODES)
    assert botocore_codes <= aws.THROTTLING_ERROR_CODES
    for code in botocore_codes:
        assert aws.classify(client_error(code)) is aws.THROTTLING, code


def test_transient_codes_and_statuses_match_botocore_standard_mode():
    checker = standard.TransientRetryableChecker
    assert set(checker._TRANSIENT_ERROR_CODES) <= aws.TRANSIENT_ERROR_CODES
    assert set(checker._TRANSIENT_STATUS_CODES) <= aws.TRANSIENT_STATUS_CODES
    for code in set(checker._TRANSIENT_ERROR_CODES) - aws.THROTTLING_ERROR_CODES:
        assert aws.classify(client_error(code)) is aws.TRANSIENT, code
    for status in checker._TRANSIENT_STATUS_CODES:
        assert aws.classify(client_error("InternalServerError", status)) is aws.TRANSIENT


def test_prior_request_not_complete_is_throttling_as_in_botocore():
    assert aws.classify(client_error("PriorRequestNotComplete")) is aws.THROTTLING


@pytest.mark.parametrize("status", [429, 509])
def test_throttling_statuses_without_a_known_code(status):
    assert aws.classify(client_error(None, status)) is aws.THROTTLING
    assert aws.classify(client_error("SomethingNew", status)) is aws.THROTTLING


@pytest.mark.parametrize(
    "error",
    [
        EndpointConnectionError(endpoint_url="https://dynamodb.local"),
        ReadTimeoutError(endpoint_url="https://dynamodb.local"),
        ConnectTimeoutError(endpoint_url="https://dynamodb.local"),
        ConnectionClosedError(endpoint_url="https://dynamodb.local"),
        ConnectionResetError(),
        TimeoutError(),
        client_error("ReplicatedWriteConflictException", 409),
    ],
)
def test_connection_errors_and_timeouts_are_transient(error):
    assert aws.classify(error) is aws.TRANSIENT
    assert aws.is_retryable(error)
    assert not aws.is_throttling(error)


@pytest.mark.parametrize(
    "error",
    [
        client_error("ConditionalCheckFailedException"),
        client_error("ValidationException"),
        client_error("AccessDeniedException"),
        client_error("ResourceNotFoundException"),
        client_error("TransactionCanceledException"),
        client_error("UnrecognizedClientException"),
        NoCredentialsError(),
        ValueError("not AWS at all"),
    ],
)
def test_client_mistakes_are_not_retryable(error):
    assert aws.classify(error) is aws.NON_RETRYABLE
    assert not aws.is_retryable(error)


def test_error_code_reads_client_errors_and_ignores_others():
    assert aws.error_code(client_error("ThrottlingException")) == "ThrottlingException"
    assert aws.error_code(ValueError()) is None


def test_duck_typed_errors_classify_without_botocore_classes():
    class FakeClientError(Exception):
        def __init__(self):
            super().__init__("throttled")
            self.response = {"Error": {"Code": "ThrottlingException"}}

    assert aws.classify(FakeClientError()) is aws.THROTTLING


def test_retrylib_imports_and_classifies_without_botocore():
    code = (
        "import sys; sys.modules['botocore'] = None\n"
        "import retrylib, retrylib.aws as aws\n"
        "class E(Exception):\n"
        "    response = {'Error': {'Code': 'SlowDown'}}\n"
        "assert aws.classify(E()) is aws.THROTTLING\n"
        "try:\n"
        "    aws.single_attempt_config()\n"
        "except ImportError:\n"
        "    print('no botocore, as expected')\n"
    )
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=False)
    assert done.returncode == 0, done.stderr
    assert "no botocore, as expected" in done.stdout


# -- ready policies -----------------------------------------------------------------------------


def injected(time: FakeTime) -> dict:
    return {"clock": time.clock, "sleep": time.sleep, "rng": random.Random(5)}


def test_dynamodb_policy_retries_throttling_then_succeeds(fake_time):
    outcomes = iter([client_error("ProvisionedThroughputExceededException"), "item"])

    def get_item():
        outcome = next(outcomes)
        if isinstance(outcome, Exception):
            raise outcome
        return outcome

    assert aws.dynamodb_policy(**injected(fake_time)).call(get_item) == "item"
    assert len(fake_time.sleeps) == 1
    assert fake_time.sleeps[0] <= 0.025


def test_dynamodb_policy_does_not_retry_a_conditional_check_failure(fake_time):
    calls = []

    def put_item():
        calls.append(1)
        raise client_error("ConditionalCheckFailedException")

    with pytest.raises(ClientError):
        aws.dynamodb_policy(**injected(fake_time)).call(put_item)
    assert len(calls) == 1


def test_dynamodb_policy_stops_after_five_attempts_or_at_the_deadline(fake_time):
    calls = []

    def put_item():
        calls.append(1)
        raise client_error("ThrottlingException")

    with pytest.raises(ClientError):
        aws.dynamodb_policy(**injected(fake_time)).call(put_item)
    assert len(calls) == 5
    with pytest.raises(DeadlineExceeded):
        aws.dynamodb_policy(deadline=lambda: 0.0, **injected(fake_time)).call(put_item)


def test_control_plane_policy_waits_in_seconds_and_bounds_total_time(fake_time):
    policy = aws.control_plane_policy(**injected(fake_time))

    def create_stack():
        raise client_error("Throttling")

    with pytest.raises(ClientError):
        policy.call(create_stack)
    assert len(fake_time.sleeps) == 9
    assert max(fake_time.sleeps) > 1.0
    assert sum(fake_time.sleeps) <= 300.0 + 20.0


def test_single_attempt_config_sets_one_attempt_and_timeouts():
    config = aws.single_attempt_config(
        connect_timeout=1.5, read_timeout=3.0, region_name="us-west-2"
    )
    assert config.retries == {"total_max_attempts": 1, "mode": "standard"}
    assert (config.connect_timeout, config.read_timeout) == (1.5, 3.0)
    assert config.region_name == "us-west-2"


def test_a_client_with_single_attempt_config_tries_exactly_once():
    import botocore.session

    session = botocore.session.get_session()
    client = session.create_client(
        "dynamodb",
        region_name="us-west-2",
        endpoint_url="http://127.0.0.1:9",  # nothing listens on the discard port here
        aws_access_key_id="test",
        aws_secret_access_key="test",
        config=aws.single_attempt_config(connect_timeout=0.5, read_timeout=0.5),
    )
    sends = []
    client.meta.events.register("before-send", lambda **kw: sends.append(1))
    with pytest.raises(EndpointConnectionError):
        client.list_tables()
    assert len(sends) == 1


# -- batch_write_all ----------------------------------------------------------------------------


class ScriptedDynamo:
    """Answers batch_write_item from a script of callables (request_items -> response)."""

    def __init__(self, *answers):
        self.answers = list(answers)
        self.requests: list[dict] = []

    def batch_write_item(self, RequestItems):
        self.requests.append(RequestItems)
        answer = self.answers.pop(0) if self.answers else (lambda items: {})
        return answer(RequestItems)


def leave(count):
    """An answer that leaves the last ``count`` requests of every table unprocessed."""

    def answer(items):
        return {"UnprocessedItems": {t: r[-count:] for t, r in items.items()}}

    return answer


def raise_(error):
    def answer(items):
        raise error

    return answer


def items(n):
    return [{"pk": {"S": f"id-{i}"}} for i in range(n)]


def batch_policy(time, **settings):
    settings.setdefault("stop", stop.after_attempts(4))
    return RetryPolicy(
        wait=wait.constant(0.1), retry_on=aws.is_retryable, **injected(time), **settings
    )


def test_batch_write_all_writes_in_chunks_of_25(fake_time):
    client = ScriptedDynamo()
    result = aws.batch_write_all(client, "events", items(60), policy=batch_policy(fake_time))
    assert result.complete
    assert result.unprocessed == {}
    assert result.unprocessed_count == 0
    assert [len(r["events"]) for r in client.requests] == [25, 25, 10]
    assert client.requests[0]["events"][0] == {"PutRequest": {"Item": {"pk": {"S": "id-0"}}}}
    assert result.calls == 3
    assert fake_time.sleeps == []


def test_batch_write_all_retries_only_the_unprocessed_items(fake_time):
    client = ScriptedDynamo(leave(3), leave(1))
    result = aws.batch_write_all(client, "events", items(10), policy=batch_policy(fake_time))
    assert result.complete
    assert [len(r["events"]) for r in client.requests] == [10, 3, 1]
    assert client.requests[1]["events"] == client.requests[0]["events"][-3:]
    assert fake_time.sleeps == [0.1, 0.1]


def test_batch_write_all_reports_what_could_not_be_written(fake_time):
    client = ScriptedDynamo(leave(2), leave(2), leave(2), leave(2))
    result = aws.batch_write_all(client, "events", items(30), policy=batch_policy(fake_time))
    assert not result.complete
    assert result.unprocessed == {"events": client.requests[0]["events"][-2:]}
    assert result.unprocessed_count == 2
    assert isinstance(result.last_error, aws.UnprocessedItemsError)
    # The second chunk was still written.
    assert client.requests[-1]["events"] == [
        {"PutRequest": {"Item": item}} for item in items(30)[25:]
    ]


def test_batch_write_all_retries_throttled_calls_and_raises_client_mistakes(fake_time):
    client = ScriptedDynamo(raise_(client_error("ProvisionedThroughputExceededException")))
    assert aws.batch_write_all(client, "t", items(2), policy=batch_policy(fake_time)).complete
    assert len(client.requests) == 2
    bad = ScriptedDynamo(raise_(client_error("ValidationException")))
    with pytest.raises(ClientError):
        aws.batch_write_all(bad, "t", items(2), policy=batch_policy(fake_time))


def test_batch_write_all_stops_at_the_deadline_and_reports_the_rest(fake_time):
    deadline = fake_time.now + 0.15
    client = ScriptedDynamo(leave(5), leave(5), leave(5))
    policy = batch_policy(fake_time, stop=stop.before_deadline(deadline) | stop.after_attempts(9))
    result = aws.batch_write_all(client, "events", items(60), policy=policy)
    assert result.deadline_exceeded
    assert len(client.requests) == 2  # one wait of 0.1 fitted, the second would not
    assert result.unprocessed_count == 5 + 25 + 10
    assert fake_time.now < deadline


def test_batch_write_all_takes_request_items_and_delete_requests(fake_time):
    delete = {"DeleteRequest": {"Key": {"pk": {"S": "gone"}}}}
    put = {"PutRequest": {"Item": {"pk": {"S": "new"}}}}
    client = ScriptedDynamo()
    result = aws.batch_write_all(
        client, {"a": [delete], "b": [put]}, policy=batch_policy(fake_time)
    )
    assert result.complete
    assert client.requests == [{"a": [delete], "b": [put]}]


def test_batch_write_all_budget_pays_for_unprocessed_retries(fake_time):
    budget = RetryBudget(capacity=5)
    client = ScriptedDynamo(leave(1), leave(1), leave(1))
    result = aws.batch_write_all(
        client, "t", items(3), policy=batch_policy(fake_time, budget=budget)
    )
    assert len(client.requests) == 2  # one retry paid, the next could not be
    assert result.unprocessed_count == 1


def test_batch_write_all_argument_errors():
    with pytest.raises(TypeError):
        aws.batch_write_all(ScriptedDynamo(), "t")
    with pytest.raises(TypeError):
        aws.batch_write_all(ScriptedDynamo(), {"t": []}, items(1))
