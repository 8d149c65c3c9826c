"""The API function's Lambda entry point: `seawall_handler.api.handler` (adapter/api_gateway.py)."""

from seawall_handler.adapter.api_gateway import Api
from seawall_handler.adapter.function import entry_point

handler = entry_point(Api)

__all__ = ["Api", "handler"]
