"""What exists once per account and region before any stack is deployed there.

- The state bucket (`seawall.backend.ensure_state_bucket`): every environment's Terraform state,
  settings and releases, with S3 native locking.
- API Gateway's account-wide CloudWatch logging role: `apigateway:UpdateAccount` sets one role per
  account and region, so two stacks that each managed it would overwrite each other's (and the
  destroy of one would leave the other without execution logs). Bootstrap owns it instead; stacks
  leave `manage_account_logging_role` false.

Idempotent: a second run changes nothing and says so.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from typing import Any

from retrylib.aws import control_plane_policy, error_code
from seawall.backend import BackendSettings, ensure_state_bucket
from seawall.target import Target

LOGGING_ROLE_NAME = "seawall-apigateway-cloudwatch"
LOGGING_POLICY_NAME = "write-execution-logs"
_APIGATEWAY_TRUST = {
    "Version": "2012-10-17",
    "Statement": [
        {
            "Effect": "Allow",
            "Principal": {"Service": "apigateway.amazonaws.com"},
            "Action": "sts:AssumeRole",
        }
    ],
}


@dataclass
class BootstrapResult:
    backend: BackendSettings
    logging_role_arn: str
    changes: list[str] = field(default_factory=list)

    def as_json(self) -> dict[str, Any]:
        return {
            "state_bucket": self.backend.bucket,
            "state_key": self.backend.key,
            "region": self.backend.region,
            "use_lockfile": self.backend.use_lockfile,
            "logging_role_arn": self.logging_role_arn,
            "changes": self.changes,
        }


def bootstrap(target: Target, *, sleep: Any = None) -> BootstrapResult:
    """Create or update the state bucket and the account's API Gateway logging role."""
    backend = target.backend()
    changes = ensure_state_bucket(target.client("s3"), backend, tls_only=not target.is_emulator)
    role_arn, role_changes = ensure_logging_role(
        target.client("iam"), target.client("apigateway"), target.region, sleep=sleep
    )
    return BootstrapResult(
        backend=backend, logging_role_arn=role_arn, changes=changes + role_changes
    )


def logging_policy(region: str, account_id: str, partition: str = "aws") -> dict[str, Any]:
    """What AWS's AmazonAPIGatewayPushToCloudWatchLogs allows, on execution-log groups only."""
    return {
        "Version": "2012-10-17",
        "Statement": [
            {
                "Sid": "WriteExecutionLogs",
                "Effect": "Allow",
                "Action": [
                    "logs:CreateLogGroup",
                    "logs:CreateLogStream",
                    "logs:DescribeLogGroups",
                    "logs:DescribeLogStreams",
                    "logs:FilterLogEvents",
                    "logs:GetLogEvents",
                    "logs:PutLogEvents",
                ],
                "Resource": f"arn:{partition}:logs:{region}:{account_id}"
                ":log-group:API-Gateway-Execution-Logs_*",
            }
        ],
    }


def ensure_logging_role(
    iam: Any, apigateway: Any, region: str, *, sleep: Any = None
) -> tuple[str, list[str]]:
    """The role API Gateway writes execution logs with, set on the account; (arn, changes)."""
    changes: list[str] = []
    try:
        role = iam.get_role(RoleName=LOGGING_ROLE_NAME)["Role"]
    except iam.exceptions.NoSuchEntityException:
        role = iam.create_role(
            RoleName=LOGGING_ROLE_NAME,
            AssumeRolePolicyDocument=json.dumps(_APIGATEWAY_TRUST),
            Description="API Gateway execution logs (account-wide, from seawall bootstrap)",
            Tags=[{"Key": "ManagedBy", "Value": "seawall-bootstrap"}],
        )["Role"]
        changes.append(f"created IAM role {LOGGING_ROLE_NAME}")
    arn = str(role["Arn"])
    account_id, partition = arn.split(":")[4], arn.split(":")[1]
    # One inline policy per region the account is bootstrapped in: the role is global, the log
    # groups are regional.
    policy_name = f"{LOGGING_POLICY_NAME}-{region}"
    wanted = logging_policy(region, account_id, partition)
    if _role_policy(iam, policy_name) != wanted:
        iam.put_role_policy(
            RoleName=LOGGING_ROLE_NAME, PolicyName=policy_name, PolicyDocument=json.dumps(wanted)
        )
        changes.append(f"role policy {policy_name} set")
    if apigateway.get_account().get("cloudwatchRoleArn") != arn:
        # A new role takes a few seconds to be assumable; until then UpdateAccount answers
        # BadRequestException "The role ARN does not have required permissions set".
        policy = control_plane_policy(max_attempts=8, max_elapsed=120.0, **_sleep(sleep)).copy(
            retry_on=_role_not_ready
        )
        policy.call(
            apigateway.update_account,
            patchOperations=[{"op": "replace", "path": "/cloudwatchRoleArn", "value": arn}],
        )
        changes.append("API Gateway account logging role set")
    return arn, changes


def _role_policy(iam: Any, policy_name: str) -> dict[str, Any] | None:
    try:
        document = iam.get_role_policy(RoleName=LOGGING_ROLE_NAME, PolicyName=policy_name)[
            "PolicyDocument"
        ]
    except iam.exceptions.NoSuchEntityException:
        return None
    # boto3 decodes the URL-encoded document into a dict; some endpoints return the string.
    return json.loads(document) if isinstance(document, str) else document


def _role_not_ready(error: BaseException) -> bool:
    return error_code(error) == "BadRequestException" and "role" in str(error).lower()


def _sleep(sleep: Any) -> dict[str, Any]:
    return {} if sleep is None else {"sleep": sleep}
