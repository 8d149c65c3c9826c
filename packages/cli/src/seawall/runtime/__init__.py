"""seawall's local runtime: the API Gateway and Lambda data plane the emulator does not run.

Everything it serves is read from the emulator (REST API resources, methods, integrations, API
keys, usage plans, gateway responses, function configuration); the function code is the artifact
whose CodeSha256 the emulator reports. Nothing here is a second, hand-written copy of the stack.
"""
