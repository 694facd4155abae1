"""JSON schemas of the request bodies and query strings, per resource."""
