"""Business rules: pure functions from a document to findings."""

from paperclerk.rules.basic import RULES, run_rules

__all__ = ["RULES", "run_rules"]
