"""The service: JSON API, SPARQL 1.1 endpoint and web pages (`create_app`, run by `jixiao serve`)."""

# jixiao.companions looks for this line: the package is jixiao's, not another of the same name.
__jixiao_part__ = True
