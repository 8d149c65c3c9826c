"""settings.json in the state bucket, on the emulator: merge, remove, and a missing bucket."""

from __future__ import annotations

import json

import pytest

from seawall.backend import ensure_state_bucket
from seawall.envsettings import SettingsError, read_settings, settings_key, update_settings
from seawall.target import Target


@pytest.fixture
def target(aws_emulator) -> Target:
    target = Target(env="settings-test", region="us-west-2", endpoint_url=aws_emulator.endpoint)
    ensure_state_bucket(target.client("s3"), target.backend(), tls_only=False)
    target.client("s3").delete_object(Bucket=target.backend().bucket, Key=settings_key(target.env))
    return target


def test_settings_merge_and_persist(target: Target) -> None:
    assert read_settings(target) == {}
    update_settings(target, {"log_bucket_suffix": "ab12cd34"})
    merged = update_settings(target, {"other": 1})
    assert merged == {"log_bucket_suffix": "ab12cd34", "other": 1}
    assert read_settings(target) == merged
    assert update_settings(target, {"other": None}) == {"log_bucket_suffix": "ab12cd34"}


def test_a_write_made_in_between_is_kept(target: Target, monkeypatch: pytest.MonkeyPatch) -> None:
    """Another deploy wrote after ours read: the conditional write fails, and the merge is
    redone on what it left."""
    s3 = target.client("s3")
    bucket, key = target.backend().bucket, settings_key(target.env)
    update_settings(target, {"a": 1})
    original_put = s3.put_object
    raced = []

    def put_after_someone_else(**kwargs):  # the other writer lands just before our write
        if not raced:
            raced.append(True)
            original_put(Bucket=bucket, Key=key, Body=json.dumps({"a": 1, "b": 2}).encode())
        return original_put(**kwargs)

    monkeypatch.setattr(Target, "client", lambda self, service: s3)
    s3.put_object = put_after_someone_else  # type: ignore[method-assign]
    assert update_settings(target, {"c": 3}) == {"a": 1, "b": 2, "c": 3}


def test_without_a_state_bucket_the_error_says_bootstrap(aws_emulator) -> None:
    target = Target(env="dev", region="eu-north-1", endpoint_url=aws_emulator.endpoint)
    with pytest.raises(SettingsError, match="seawall bootstrap"):
        read_settings(target)
