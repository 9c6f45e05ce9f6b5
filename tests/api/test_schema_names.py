"""Two API schemas with one name share one OpenAPI component: the second overwrites the first,
and clients (and the tests' response validation) read the wrong shape. Every name is one shape."""

from __future__ import annotations

from collections import defaultdict

from ninja import Schema

from claimdesk.api import api


def _subclasses(cls: type) -> list[type]:
    found = []
    for sub in cls.__subclasses__():
        found.append(sub)
        found += _subclasses(sub)
    return found


def test_each_schema_name_means_one_shape():
    api.get_openapi_schema()  # every router imported
    shapes: dict[str, set[tuple]] = defaultdict(set)
    for schema in _subclasses(Schema):
        if schema.__module__.startswith("claimdesk."):
            fields = tuple(
                sorted((name, str(f.annotation)) for name, f in schema.model_fields.items())
            )
            shapes[schema.__name__].add(fields)
    clashes = {name: len(kinds) for name, kinds in shapes.items() if len(kinds) > 1}
    assert clashes == {}
