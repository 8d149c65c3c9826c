"""Applying a saved plan with `-json`: events, progress, Terraform's own errors, and retries.

Real terraform on provider-free modules (terraform_data and local-exec): a provisioner that fails
with the text the AWS provider writes for a throttled call stands in for a throttled AWS API.
"""

from __future__ import annotations

import io
import shutil
from pathlib import Path

import pytest

from seawall.applyretry import apply_policy, apply_with_retries
from seawall.applyview import ApplyView
from seawall.terraform import PLAN_CHANGES, Terraform, TerraformApplyError
from seawall.tfevents import ApplyEvent

pytestmark = pytest.mark.skipif(shutil.which("terraform") is None, reason="needs terraform on PATH")

THROTTLED = (
    "operation error Lambda: CreateFunction, https response error StatusCode: 400, "
    "RequestID: 1f0c, api error ThrottlingException: Rate exceeded"
)


def module_with(tmp_path: Path, body: str) -> Terraform:
    directory = tmp_path / "module"
    directory.mkdir()
    (directory / "main.tf").write_text(body)
    terraform = Terraform(directory, data_dir=tmp_path / "data", log_path=tmp_path / "tf.log")
    terraform.init()
    return terraform


def plan(terraform: Terraform, tmp_path: Path) -> Path:
    out = tmp_path / "stack.tfplan"
    assert terraform.plan(out=out).returncode == PLAN_CHANGES
    return out


def three_resources(tmp_path: Path) -> Terraform:
    return module_with(
        tmp_path, 'resource "terraform_data" "r" {\n  count = 3\n  input = count.index\n}\n'
    )


def test_apply_plan_reports_each_resource_and_the_total(tmp_path: Path) -> None:
    terraform = three_resources(tmp_path)
    events: list[ApplyEvent] = []
    terraform.apply_plan(plan(terraform, tmp_path), on_event=events.append)
    kinds = [event.type for event in events]
    assert kinds.count("planned_change") == 3
    assert kinds.count("apply_complete") == 3
    assert {event.address for event in events if event.type == "apply_complete"} == {
        f"terraform_data.r[{index}]" for index in range(3)
    }


def test_plain_progress_lines_count_resources_done_of_total(tmp_path: Path) -> None:
    terraform = three_resources(tmp_path)
    stream = io.StringIO()
    view = ApplyView(stream, live=False)
    terraform.apply_plan(plan(terraform, tmp_path), on_event=view)
    lines = stream.getvalue().splitlines()
    assert [line.split()[1] for line in lines[:3]] == ["1/3", "2/3", "3/3"]
    assert "Apply complete! Resources: 3 added" in lines[-1]
    assert "\r" not in stream.getvalue()


def test_a_failed_apply_shows_terraforms_message_not_json(tmp_path: Path) -> None:
    terraform = module_with(
        tmp_path,
        'resource "terraform_data" "r" {\n'
        '  provisioner "local-exec" {\n    command = "echo no such bucket; exit 1"\n  }\n}\n',
    )
    with pytest.raises(TerraformApplyError) as caught:
        terraform.apply_plan(plan(terraform, tmp_path))
    message = str(caught.value)
    assert "Error: local-exec provisioner error" in message
    assert "with terraform_data.r" in message
    assert '"@level"' not in message
    assert caught.value.retry_reason is None


def test_a_throttled_apply_is_retried_after_a_new_plan_and_succeeds(tmp_path: Path) -> None:
    marker = tmp_path / "throttled-once"
    fail_once = f"if [ ! -e {marker} ]; then touch {marker}; echo '{THROTTLED}'; exit 1; fi"
    terraform = module_with(
        tmp_path,
        'resource "terraform_data" "r" {\n'
        f'  provisioner "local-exec" {{\n    command = "{fail_once}"\n  }}\n}}\n',
    )
    waits: list[float] = []
    retried: list[BaseException] = []
    policy = apply_policy(sleep=waits.append, on_retry=lambda **info: retried.append(info["error"]))
    apply_with_retries(lambda: terraform.apply_plan(plan(terraform, tmp_path)), policy)
    assert len(retried) == 1
    assert "ThrottlingException" in str(retried[0].retry_reason)  # type: ignore[attr-defined]
    assert len(waits) == 1
    assert 0 <= waits[0] <= 20
    assert '"type":"change_summary"' in (tmp_path / "tf.log").read_text()


def test_state_rm_forgets_a_resource_without_destroying_the_rest(tmp_path: Path) -> None:
    terraform = three_resources(tmp_path)
    terraform.apply_plan(plan(terraform, tmp_path))
    run = terraform.state_rm("terraform_data.r[0]")
    assert run.argv[1:4] == ("state", "rm", "-no-color")  # options after the subcommand
    destroy = tmp_path / "destroy.tfplan"
    terraform.plan(out=destroy, destroy=True)
    events: list[ApplyEvent] = []
    terraform.apply_plan(destroy, on_event=events.append)
    assert sorted(e.address for e in events if e.type == "apply_complete") == [
        "terraform_data.r[1]",
        "terraform_data.r[2]",
    ]


def test_show_json_reads_a_saved_plan_and_the_state(tmp_path: Path) -> None:
    terraform = three_resources(tmp_path)
    saved = plan(terraform, tmp_path)
    changes = terraform.show_json(saved)["resource_changes"]
    assert [change["change"]["actions"] for change in changes] == [["create"]] * 3
    terraform.apply_plan(saved)
    resources = terraform.show_json()["values"]["root_module"]["resources"]
    assert sorted(resource["address"] for resource in resources) == [
        f"terraform_data.r[{index}]" for index in range(3)
    ]
