"""Seeded synthetic jurisdictions for demos and tests: companies, activity and behaviour."""
