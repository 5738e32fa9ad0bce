"""Fixtures of the robustness tests (issue 8)."""

from .helpers import cli

__all__ = ["cli"]
