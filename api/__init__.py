"""The FastAPI service: JSON API, SPARQL endpoint and web UI. Built in issue 4; nothing here yet."""
