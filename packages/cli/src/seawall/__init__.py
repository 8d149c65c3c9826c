"""seawall: deploy, verify and break a serverless API on AWS or on a local emulator."""

__version__ = "0.1.0"
