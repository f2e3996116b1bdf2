"""The REST API (FastAPI, OpenAPI 3.1 at /openapi.json, versioned under /v1) over the services."""
