"""Shared kernel of the domain: problem records, exact quantities and errors."""

from tanshi.core.errors import TanshiError
from tanshi.core.issues import Issue, Severity, has_errors

__all__ = ["Issue", "Severity", "TanshiError", "has_errors"]
