"""DynamoDB and SQS behind the domain's protocols; the only layer that talks to AWS."""
