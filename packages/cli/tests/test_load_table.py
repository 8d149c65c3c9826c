"""TableSnapshot on the emulator: what a run wrote goes, what was there before stays."""

from __future__ import annotations

from seawall.load.table import TableSnapshot


def test_restore_deletes_every_record_written_since_the_snapshot_and_only_those(
    aws_emulator,
) -> None:
    dynamodb = aws_emulator.client("dynamodb")
    dynamodb.create_table(
        TableName="snapshot-test",
        KeySchema=[
            {"AttributeName": "pk", "KeyType": "HASH"},
            {"AttributeName": "sk", "KeyType": "RANGE"},
        ],
        AttributeDefinitions=[
            {"AttributeName": "pk", "AttributeType": "S"},
            {"AttributeName": "sk", "AttributeType": "S"},
        ],
        BillingMode="PAY_PER_REQUEST",
    )

    def put(pk: str, sk: str = "ITEM") -> None:
        dynamodb.put_item(TableName="snapshot-test", Item={"pk": {"S": pk}, "sk": {"S": sk}})

    put("ITEM#kept")
    put("IDEMPOTENCY#kept", "KEY")
    snapshot = TableSnapshot(dynamodb, "snapshot-test")
    for n in range(60):  # more than two BatchWriteItem batches
        put(f"ITEM#{n}")
    put("ITEM#kept", "OTHER")  # same partition as a kept record, another sort key

    assert snapshot.restore() == 61
    left = dynamodb.scan(TableName="snapshot-test")["Items"]
    assert sorted((i["pk"]["S"], i["sk"]["S"]) for i in left) == [
        ("IDEMPOTENCY#kept", "KEY"),
        ("ITEM#kept", "ITEM"),
    ]
