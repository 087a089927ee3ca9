"""The PDS search query language, parsed into a Django Q.

    query      := or_expr
    or_expr    := and_expr ("or" and_expr)*
    and_expr   := not_expr ("and" not_expr)*
    not_expr   := "not" not_expr | "(" query ")" | condition
    condition  := field op value | field "in" "[" value ("," value)* "]"
    op         := "=" | "!=" | "<" | "<=" | ">" | ">=" | "match" | "prefix"

A malformed query is a 400 InvalidParameter.Query that says where it broke.
"""

from __future__ import annotations

import functools
import operator
import re
from dataclasses import dataclass
from datetime import UTC, datetime

from django.db.models import F, Q

from pds_server import errors
from pds_server.services.pagination import Ordering

FIELDS = {
    "name": "str",
    "type": "str",
    "category": "str",
    "file_extension": "str",
    "parent_file_id": "str",
    "size": "int",
    "created_at": "time",
    "updated_at": "time",
    "starred": "bool",
}
# A photo's or video's fields (issue #14): the file's capture time, else its MediaInfo's
# columns; `orientation` ("landscape", "portrait", "square") is derived from the size.
MEDIA_FIELDS = {
    "image_time": "time",
    "city": "str",
    "province": "str",
    "country": "str",
    "district": "str",
    "township": "str",
    "camera_make": "str",
    "camera_model": "str",
    "width": "int",
    "height": "int",
    "duration": "int",
    "orientation": "str",
}
FIELDS.update(MEDIA_FIELDS)
# What local models found (issue #15, services/analysis/content_search.py): tags by key or
# name, people by group id, and `keyword match "..."`, the one search box over photos.
ANALYSIS_FIELDS = {"image_tags": "str", "label": "str", "face_group_id": "str", "keyword": "str"}
FIELDS.update(ANALYSIS_FIELDS)
LOOKUPS = {name: f"media__{name}" for name in MEDIA_FIELDS if name not in ("image_time", "orientation")}
ORIENTATIONS = {
    "landscape": Q(media__width__gt=F("media__height")),
    "portrait": Q(media__width__lt=F("media__height")),
    "square": Q(media__width=F("media__height")),
}
MAX_DEPTH = 50
_ESCAPE = re.compile(r"\\(.)", re.DOTALL)
_TOKEN = re.compile(
    r"""\s*(?:
        (?P<string>"(?:[^"\\]|\\.)*"|'(?:[^'\\]|\\.)*')
      | (?P<op><=|>=|!=|=|<|>)
      | (?P<punct>[()\[\],])
      | (?P<number>-?\d+(?:\.\d+)?)
      | (?P<word>[A-Za-z_][A-Za-z0-9_]*)
    )""",
    re.VERBOSE,
)


@dataclass
class Token:
    kind: str
    text: str
    position: int


def _fail(message: str, position: int) -> errors.PdsError:
    return errors.InvalidParameter(f"Bad query at character {position + 1}: {message}", code="InvalidParameter.Query")


def tokenize(query: str) -> list[Token]:
    tokens, position = [], 0
    while position < len(query):
        if query[position:].strip() == "":
            break
        match = _TOKEN.match(query, position)
        if not match or match.end() == position:
            raise _fail(f"unexpected {query[position : position + 10]!r}", position)
        kind = match.lastgroup or ""
        tokens.append(Token(kind, match.group(kind), match.start(kind)))
        position = match.end()
    tokens.append(Token("end", "", len(query)))
    return tokens


class Parser:
    """`fields` maps each field a query may name to its kind (str, int, time, bool); the
    audit log's export reuses this parser with its own table (services/audit.py)."""

    def __init__(self, query: str, fields: dict[str, str] = FIELDS, drive_pk: int | None = None):
        self.tokens = tokenize(query)
        self.drive_pk = drive_pk  # the searched drive: whose people a query may name
        self.index = 0
        self.fields = fields
        self.depth = 0

    @property
    def current(self) -> Token:
        return self.tokens[self.index]

    def take(self) -> Token:
        token = self.current
        self.index += 1
        return token

    def keyword(self, word: str) -> bool:
        if self.current.kind == "word" and self.current.text.lower() == word:
            self.index += 1
            return True
        return False

    def expect(self, text: str) -> None:
        if self.current.text != text:
            raise _fail(f"expected {text!r}, found {self.current.text or 'the end'!r}", self.current.position)
        self.index += 1

    def parse(self) -> Q:
        if self.current.kind == "end":
            raise _fail("the query is empty", 0)
        result = self.or_expr()
        if self.current.kind != "end":
            raise _fail(f"unexpected {self.current.text!r}", self.current.position)
        return result

    def or_expr(self) -> Q:
        result = self.and_expr()
        while self.keyword("or"):
            result = result | self.and_expr()
        return result

    def and_expr(self) -> Q:
        result = self.not_expr()
        while self.keyword("and"):
            result = result & self.not_expr()
        return result

    def not_expr(self) -> Q:
        self.depth += 1
        if self.depth > MAX_DEPTH:  # a thousand "(" or "not" would exhaust the stack
            raise _fail(f"more than {MAX_DEPTH} levels of nesting", self.current.position)
        try:
            if self.keyword("not"):
                return ~self.not_expr()
            if self.current.text == "(":
                self.take()
                result = self.or_expr()
                self.expect(")")
                return result
            return self.condition()
        finally:
            self.depth -= 1

    def value(self, field: str):
        token = self.take()
        kind = self.fields[field]
        if token.kind == "string":
            text = _ESCAPE.sub(r"\1", token.text[1:-1])  # \" \' \\ : the character itself
            if kind == "time":
                try:
                    moment = datetime.fromisoformat(text.replace("Z", "+00:00"))
                    moment = (moment if moment.tzinfo else moment.replace(tzinfo=UTC)).astimezone(UTC)
                except (ValueError, OverflowError):
                    raise _fail(f"{text!r} is not a date and time", token.position) from None
                if not 1 < moment.year < 9999:
                    raise _fail(f"{text!r} is out of range", token.position)
                return moment
            if kind == "int":
                raise _fail(f"{field} needs a number", token.position)
            if kind == "bool":
                return text.lower() == "true"
            return text
        if token.kind == "number" and kind == "int":
            number = int(float(token.text)) if len(token.text) < 19 else None
            if number is None:
                raise _fail(f"{token.text[:20]}... is too large", token.position)
            return number
        if token.kind == "word" and kind == "bool" and token.text.lower() in ("true", "false"):
            return token.text.lower() == "true"
        raise _fail(f"a value for {field} was expected, found {token.text or 'the end'!r}", token.position)

    def q(self, field: str, lookup: str, value) -> Q:
        """`field lookup value` as a Q on the files table (or on the file's media)."""
        if field in ANALYSIS_FIELDS:
            return self.analysis_q(field, lookup, value)
        if field == "orientation":
            if lookup not in ("exact", "in"):
                raise _fail("orientation takes =, != or in", self.current.position)
            found = [ORIENTATIONS.get(str(name).lower()) for name in (value if lookup == "in" else [value])]
            if None in found:
                raise _fail(f"orientation is one of {', '.join(ORIENTATIONS)}", self.current.position)
            return functools.reduce(operator.or_, found, Q(pk__in=[]))
        return Q(**{f"{LOOKUPS.get(field, field)}__{lookup}": value})

    def analysis_q(self, field: str, lookup: str, value) -> Q:
        from pds_server.services.analysis import content_search

        values = value if lookup == "in" else [value]
        if lookup not in ("exact", "in", "match"):
            raise _fail(f"{field} takes =, !=, in or match", self.current.position)
        if field == "keyword":
            if lookup != "match":
                raise _fail('keyword takes match: keyword match "cat 2023"', self.current.position)
            return content_search.keyword_q(str(value), self.drive_pk)
        if field == "face_group_id":
            if lookup == "match":
                raise _fail("face_group_id takes =, != or in", self.current.position)
            return content_search.face_group_q([str(item) for item in values], self.drive_pk)
        keys = [key for item in values for key in content_search.tag_keys(str(item), prefix=lookup == "match")]
        return content_search.tags_q(keys, self.drive_pk)

    def condition(self) -> Q:
        token = self.take()
        if token.kind != "word" or token.text not in self.fields:
            raise _fail(f"unknown field {token.text or 'the end'!r} (fields: {', '.join(self.fields)})", token.position)
        field = token.text
        if self.keyword("in"):
            self.expect("[")
            values = [self.value(field)]
            while self.current.text == ",":
                self.take()
                values.append(self.value(field))
            self.expect("]")
            return self.q(field, "in", values)
        if self.keyword("match"):
            if field in ANALYSIS_FIELDS:
                return self.q(field, "match", self.value(field))
            if field != "name":
                raise _fail("match works on name only (and on image_tags, label and keyword)", token.position)
            return Q(name__icontains=self.value(field))
        if self.keyword("prefix"):
            if self.fields[field] != "str":
                raise _fail(f"prefix does not work on {field}", token.position)
            return self.q(field, "startswith", self.value(field))
        op = self.take()
        if op.kind != "op":
            raise _fail(f"an operator was expected after {field}, found {op.text or 'the end'!r}", op.position)
        value = self.value(field)
        lookups = {"=": "exact", "<": "lt", "<=": "lte", ">": "gt", ">=": "gte"}
        if op.text == "!=":
            return ~self.q(field, "exact", value)
        if self.fields[field] in ("str", "bool") and op.text not in ("=",):
            raise _fail(f"{op.text} does not work on {field}", op.position)
        return self.q(field, lookups[op.text], value)


def uses_analysis(query: str) -> bool:
    """Whether `query` (already parsed without error) names a field local models answer."""
    return any(token.kind == "word" and token.text in ANALYSIS_FIELDS for token in tokenize(query))


def parse_query(query: str, fields: dict[str, str] = FIELDS, drive_pk: int | None = None) -> Q:
    if len(query) > 4096:
        raise errors.InvalidParameter("The query is longer than 4096 characters.", code="InvalidParameter.Query")
    return Parser(query, fields, drive_pk).parse()


ORDER_FIELDS = ("name", "created_at", "updated_at", "size", "type", "file_extension", "category", "image_time")


def parse_order_by(order_by: str) -> Ordering:
    """`"name ASC,created_at DESC"` into sort keys, ending with file_id."""
    keys: list[tuple[str, bool]] = []
    for part in (order_by or "updated_at DESC").split(","):
        words = part.split()
        if not words:
            continue
        field = words[0]
        if field not in ORDER_FIELDS:
            raise errors.InvalidParameter(f"Cannot order by {field}", code="InvalidParameter.OrderBy")
        desc = len(words) > 1 and words[1].upper() == "DESC"
        keys.append((field, desc))
    keys.append(("file_id", keys[-1][1] if keys else False))
    return Ordering(keys)
