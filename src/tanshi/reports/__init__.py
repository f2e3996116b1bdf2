"""Reports written for people: the compliance table as CSV and as a self-contained HTML page."""
