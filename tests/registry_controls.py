"""An EU-style ``[[registry]]`` rule that tests append to the demo-province rulebook."""

CONTROLS = """
[[registry]]
valid_from = 2016
valid_to = 2020
business_hours_start = "10:00"
business_hours_end = "16:00"
business_days = [1, 2, 3, 4, 5]
holidays = [2017-05-01]
untrusted_transfer_delay_hours = 26
trusted_list_activation_working_days = 4
daily_limit_units = 1000
source = "Test controls after the EU registry (26 h delay, 4 working days, 10:00-16:00)"
confidence = "assumption"
"""
