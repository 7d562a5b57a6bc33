"""Findings from a PR's content: PRGuard's rules on lines and PR strings, zizmor on changed workflows."""
from prguard.findings.content import WORKFLOW_CONTENTS
from prguard.findings.engine import Report, check, check_content
from prguard.findings.finding import Finding, Severity
from prguard.findings.registry import RULES

__all__ = ["WORKFLOW_CONTENTS", "Report", "check", "check_content", "Finding", "Severity", "RULES"]
