"""seawall's Lambda functions: `seawall_handler.api.handler` and `.worker.handler`."""

__version__ = "0.1.0"
