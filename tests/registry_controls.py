"""EU-style ``[[registry]]`` rules that tests append to the demo-province rulebook."""

# Refuses what is proposed or approved while the registry is closed.
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
out_of_hours = "refuse"
source = "Test controls after the EU registry (26 h delay, 4 working days, 10:00-16:00)"
confidence = "assumption"
"""

# As the EU registry since 2021 (Reg. 2019/1122 Art. 20(4), 23(2), 35(2)-(3)): queues what
# comes while closed, trusts the holder's own accounts, lets the holder waive the second
# approval of transfers to its trusted list.
EU_CONTROLS = """
[[registry]]
valid_from = 2016
valid_to = 2020
business_hours_start = "10:00"
business_hours_end = "16:00"
business_days = [1, 2, 3, 4, 5]
holidays = [2017-04-14, 2017-04-17, 2017-05-01]
untrusted_transfer_release_time = "12:00"
trusted_list_activation_working_days = 4
trusted_list_activation_time = "12:00"
out_of_hours = "queue"
same_holder_trusted = true
second_approval_waiver = true
source = "Test controls after Reg. 2019/1122 Art. 20(4), 23(2)-(4), 35(2)-(3)"
confidence = "assumption"
"""
