"""Releases in the state bucket, on the emulator's S3: numbered, immutable, unpacked to re-apply."""

from __future__ import annotations

import hashlib
from pathlib import Path

import pytest

from seawall.errors import UsageError
from seawall.releases import Release, ReleaseStore, pack_tree

pytestmark = pytest.mark.emulator


@pytest.fixture
def store(aws_emulator, request: pytest.FixtureRequest) -> ReleaseStore:
    s3 = aws_emulator.client("s3")
    bucket = f"state-{abs(hash(request.node.name)) % 10**8}"
    s3.create_bucket(Bucket=bucket, CreateBucketConfiguration={"LocationConstraint": "us-west-2"})
    return ReleaseStore(s3, bucket, "dev")


@pytest.fixture
def tree(tmp_path: Path) -> Path:
    root = tmp_path / "terraform"
    (root / "stack").mkdir(parents=True)
    (root / "stack" / "main.tf").write_text('module "m" { source = "../modules/m" }\n')
    (root / "modules" / "m" / "tests").mkdir(parents=True)
    (root / "modules" / "m" / "main.tf").write_text("# module\n")
    (root / "modules" / "m" / "tests" / "m.tftest.hcl").write_text("# test\n")
    (root / "stack" / ".terraform").mkdir()
    (root / "stack" / ".terraform" / "big").write_text("provider binary")
    (root / "stack" / "x.tfstate").write_text("{}")
    return root


def record(store: ReleaseStore, tree: Path, tmp_path: Path, code: bytes) -> Release:
    artifact = tmp_path / f"{hashlib.sha256(code).hexdigest()}.zip"
    artifact.write_bytes(code)
    return store.record(
        tree=pack_tree(tree),
        artifact=artifact,
        tfvars='environment = "dev"\n',
        variables={"fault_injection": ""},
        outputs={"api_url": "https://x/v1"},
        region="us-west-2",
        clock=lambda: 1_700_000_000.0,
    )


def test_releases_are_numbered_in_order_and_none_is_live_until_set(store, tree, tmp_path) -> None:
    first = record(store, tree, tmp_path, b"one")
    second = record(store, tree, tmp_path, b"two")
    assert [first.number, second.number] == [1, 2]
    assert store.live() is None
    store.set_live(2)
    assert store.live() == 2
    summaries = [release.summary(store.live()) for release in store.list()]
    assert [(item["number"], item["live"]) for item in summaries] == [(1, False), (2, True)]
    assert summaries[0]["created_at"] == "2023-11-14T22:13:20Z"


def test_an_unpacked_release_has_its_own_tree_tfvars_and_artifact(store, tree, tmp_path) -> None:
    record(store, tree, tmp_path, b"one")
    (tree / "stack" / "main.tf").write_text("# changed after the release\n")
    unpacked = store.unpack(1, tmp_path / "unpacked")
    assert "modules/m" in (unpacked.stack_dir / "main.tf").read_text()
    assert (unpacked.stack_dir.parent / "modules" / "m" / "main.tf").is_file()
    assert unpacked.artifact.read_bytes() == b"one"
    assert unpacked.var_file.read_text() == 'environment = "dev"\n'
    assert unpacked.release.variables == {"fault_injection": ""}


def test_the_tree_leaves_out_terraform_working_files_and_module_tests(tree) -> None:
    import io
    import tarfile

    with tarfile.open(fileobj=io.BytesIO(pack_tree(tree)), mode="r:gz") as tar:
        names = tar.getnames()
    assert "terraform/stack/main.tf" in names
    assert not [name for name in names if ".terraform" in name or "tfstate" in name]
    assert not [name for name in names if "/tests" in name]


def test_a_recorded_release_is_never_overwritten(store, tree, tmp_path) -> None:
    record(store, tree, tmp_path, b"one")
    s3 = store._s3
    with pytest.raises(s3.exceptions.ClientError) as caught:
        s3.put_object(
            Bucket=store.bucket,
            Key="seawall/dev/releases/1/release.json",
            Body=b"{}",
            IfNoneMatch="*",
        )
    assert caught.value.response["Error"]["Code"] == "PreconditionFailed"
    assert store.get(1).artifact_sha256 == hashlib.sha256(b"one").hexdigest()


def test_an_incomplete_upload_is_ignored_and_its_number_reused(store, tree, tmp_path) -> None:
    store._s3.put_object(
        Bucket=store.bucket, Key="seawall/dev/releases/1/terraform.tar.gz", Body=b"x"
    )
    assert store.list() == []
    assert record(store, tree, tmp_path, b"one").number == 1


def test_asking_for_a_release_that_does_not_exist_is_a_usage_error(store) -> None:
    with pytest.raises(UsageError, match="dev has no release 7"):
        store.get(7)


def test_a_tampered_artifact_is_refused(store, tree, tmp_path) -> None:
    record(store, tree, tmp_path, b"one")
    store._s3.put_object(
        Bucket=store.bucket, Key="seawall/dev/releases/1/artifact.zip", Body=b"evil"
    )
    with pytest.raises(Exception, match="does not match its recorded sha256"):
        store.unpack(1, tmp_path / "unpacked")
