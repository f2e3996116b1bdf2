"""The web UI: server-rendered Jinja2 pages with htmx, in Chinese and English."""
