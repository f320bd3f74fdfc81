"""JSON bodies that parse but cannot be used: nested deeper than the rest of the stack can follow
(Python's parser itself gives up with a RecursionError past ~1,500 levels, validation and the
database well before), or holding a lone UTF-16 surrogate ("\\ud83d" — legal JSON, no Unicode text:
PostgreSQL and every encoder refuse it). Both are the caller's mistake, answered with a 400 by the
API's parser (JSONParser) and, for allauth's endpoints, which parse JSON themselves, by
AllauthJsonMiddleware."""

import json

from django.http import JsonResponse
from rest_framework import parsers
from rest_framework.exceptions import ParseError, ValidationError

MAX_DEPTH = 100
TOO_DEEP = f"JSON parse error - nested more than {MAX_DEPTH} levels deep."


class JsonRefused(ValueError):
    def __init__(self, message: str, *, field: str | None = None):
        super().__init__(message)
        self.message = message
        self.field = field


def _lone_surrogate(text: str) -> str | None:
    if text.isascii():
        return None
    try:
        text.encode("utf-8")
    except UnicodeEncodeError as error:
        return text[error.start]
    return None


def _surrogate_refused(character: str, field: str | None) -> JsonRefused:
    # DRF's own words for a surrogate in a CharField, so every field answers alike.
    return JsonRefused(f"Surrogate characters are not allowed: U+{ord(character):04X}.", field=field)


def json_check(data) -> None:
    """Raises JsonRefused for objects and arrays nested deeper than MAX_DEPTH or a string (value or key) holding a
    lone surrogate; `field` is the top-level key it is under ("non_field_errors" when that key
    itself is the problem, None when the body is not an object). Iterative: the depth is what it
    guards."""
    pending = [(data, 1, None)]
    while pending:
        value, depth, field = pending.pop()
        if isinstance(value, dict | list) and depth > MAX_DEPTH:
            raise JsonRefused(TOO_DEEP)
        if isinstance(value, str):
            if character := _lone_surrogate(value):
                raise _surrogate_refused(character, field)
        elif isinstance(value, dict):
            for key, item in value.items():
                if character := _lone_surrogate(key):
                    # Never echo the key: the answer could not be encoded either.
                    raise _surrogate_refused(character, field or "non_field_errors")
                pending.append((item, depth + 1, key if depth == 1 else field))
        elif isinstance(value, list):
            pending.extend((item, depth + 1, field) for item in value)


class JSONParser(parsers.JSONParser):
    """DRF's JSON parser (the API's default), with the refusals above as 400s in the error shape:
    too deep as a parse error, a lone surrogate as an error of the field it was sent in."""

    def parse(self, stream, media_type=None, parser_context=None):
        try:
            data = super().parse(stream, media_type, parser_context)
        except RecursionError:
            raise ParseError(TOO_DEEP) from None
        try:
            json_check(data)
        except JsonRefused as refusal:
            if refusal.field is None:
                raise ParseError(refusal.message) from None
            raise ValidationError({refusal.field: [refusal.message]}) from None
        return data


class AllauthJsonMiddleware:
    """allauth's headless views parse a JSON body themselves: a body too deep for Python's parser
    made them fail with a 500, a lone surrogate too once it reached the password hasher or the
    database. Such a body gets allauth's own 400 shape here, before the view runs."""

    PREFIX = "/_allauth/"

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        if request.path.startswith(self.PREFIX) and request.method != "GET" and request.body:
            refusal = self._refusal(request.body)
            if refusal is not None:
                error = {"message": refusal.message, "code": "invalid"}
                if refusal.field not in (None, "non_field_errors"):
                    error["param"] = refusal.field
                return JsonResponse({"status": 400, "errors": [error]}, status=400)
        return self.get_response(request)

    @staticmethod
    def _refusal(body: bytes) -> JsonRefused | None:
        try:
            json_check(json.loads(body.decode("utf8")))
        except RecursionError:
            return JsonRefused(TOO_DEEP)
        except JsonRefused as refusal:
            return refusal
        except ValueError:
            return None  # not JSON at all: allauth answers that itself
        return None
