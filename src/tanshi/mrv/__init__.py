"""Monitoring, reporting and verification: activity data to verified emissions."""

from tanshi.mrv.activity import ActivityRecord, SourceKind, check_activity
from tanshi.mrv.ipcc_tier1 import IpccTier1Co2
from tanshi.mrv.methodology import Calculation, Methodology, MethodologyContext, SourceLine
from tanshi.mrv.parameters import Parameter, ParameterTable, parse_parameter_table
from tanshi.mrv.rule_methods import RULEBOOK_METHODOLOGIES
from tanshi.mrv.verification import VerifiedEmissions, accept_as_reported

# Rulebook methodologies; rules may also name a plugin of mrv.methods.PLUGINS (rule_methods).
METHODOLOGIES: dict[str, Methodology] = RULEBOOK_METHODOLOGIES

__all__ = [
    "METHODOLOGIES",
    "ActivityRecord",
    "Calculation",
    "IpccTier1Co2",
    "Methodology",
    "MethodologyContext",
    "Parameter",
    "ParameterTable",
    "SourceKind",
    "SourceLine",
    "VerifiedEmissions",
    "accept_as_reported",
    "check_activity",
    "parse_parameter_table",
]
