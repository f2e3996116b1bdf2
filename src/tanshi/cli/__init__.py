"""The command line: ``tanshi demo``, ``tanshi rulebook …`` and ``tanshi db …``."""
