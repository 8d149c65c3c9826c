"""The default async sleep: asyncio's, imported on first use.

A leaf module (imports nothing of retrylib) shared by the policy and the rate limiter.
"""

from __future__ import annotations


async def asyncio_sleep(delay: float) -> None:
    # asyncio costs ~12 ms to import: a Lambda cold start that never retries async should not pay.
    import asyncio  # noqa: PLC0415

    await asyncio.sleep(delay)
