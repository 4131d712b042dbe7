"""The API's JSON parser, bounded: a body nested deeper than any request of ours is refused
before a recursive parser (or anything after it) walks it."""

import io
import re

from rest_framework.exceptions import ParseError
from rest_framework.parsers import JSONParser

# The deepest request body the API takes is a batch: {"items": [{...}]}. Twenty levels leave
# room for any client's style and stop the parser long before Python's recursion limit.
MAX_JSON_DEPTH = 20

# A JSON string, matched without backtracking (possessive quantifiers), so that brackets
# inside strings are not counted.
_STRING = re.compile(rb'"(?:[^"\\]++|\\.)*+"')
_BRACKET = re.compile(rb"[\[\]{}]")


def json_nesting_exceeds(body: bytes, limit: int) -> bool:
    """True when arrays and objects in `body` nest deeper than `limit`. One linear pass."""
    if body.count(b"[") + body.count(b"{") <= limit:
        return False
    depth = 0
    for bracket in _BRACKET.finditer(_STRING.sub(b'""', body)):
        if bracket.group() in (b"[", b"{"):
            depth += 1
            if depth > limit:
                return True
        else:
            depth -= 1
    return False


class BoundedJSONParser(JSONParser):
    def parse(self, stream, media_type=None, parser_context=None):
        body = stream.read() if stream is not None else b""
        if json_nesting_exceeds(body, MAX_JSON_DEPTH):
            raise ParseError(f"JSON nested deeper than {MAX_JSON_DEPTH} levels is not accepted.")
        return super().parse(io.BytesIO(body), media_type, parser_context)
