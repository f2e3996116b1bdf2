"""The service layer of the shell: domain rules applied to the database, one step at a time."""
