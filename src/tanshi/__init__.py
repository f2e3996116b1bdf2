"""tanshi (碳市): an open-source carbon emissions trading system, from MRV to compliance."""

__version__ = "0.1.0"
