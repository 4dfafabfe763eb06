"""The service: JSON API, SPARQL 1.1 endpoint and web pages (`create_app`, run by `jixiao serve`)."""
