"""Event in, response out: the API Gateway and SQS adapters, HTTP helpers, routes, endpoints."""
