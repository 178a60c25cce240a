"""Input validation on DRF serializers, made strict and mapped onto Horn's errors.

Stock DRF fields coerce ("12" becomes 12, 12 becomes "12") and ignore unknown
keys; a chat API should refuse both, so the fields here check JSON types and
`StrictSerializer` refuses keys it does not declare. The first error found
becomes one `{code, msg, field}` with a dotted field path (`file.size`).
"""

from __future__ import annotations

from rest_framework import serializers
from rest_framework.exceptions import ErrorDetail

from . import ids
from .errors import BadId, HornError, InvalidValue, MissingField, TooLong, UnknownField


class StrictCharField(serializers.CharField):
    def to_internal_value(self, data):
        if not isinstance(data, str):
            self.fail("invalid")
        return super().to_internal_value(data)


class StrictIntegerField(serializers.IntegerField):
    def to_internal_value(self, data):
        if isinstance(data, bool) or not isinstance(data, int):
            self.fail("invalid")
        return super().to_internal_value(data)


class StrictBooleanField(serializers.BooleanField):
    def to_internal_value(self, data):
        if not isinstance(data, bool):
            self.fail("invalid")
        return data


class IdField(StrictCharField):
    """An id of one of the seed 004 forms (`kind` names the check in apps.core.ids)."""

    default_error_messages = {"bad_id": "not a well-formed {kind} id"}

    def __init__(self, kind: str, **kwargs):
        self.kind = kind
        self.check = getattr(ids, f"is_{kind}_id")
        super().__init__(**kwargs)

    def to_internal_value(self, data):
        value = super().to_internal_value(data)
        if not self.check(value):
            self.fail("bad_id", kind=self.kind)
        return value


class StrictSerializer(serializers.Serializer):
    default_error_messages = {"invalid": "must be a JSON object"}

    def to_internal_value(self, data):
        if not isinstance(data, dict):
            self.fail("invalid")
        unknown = [key for key in data if key not in self.fields]
        if unknown:
            raise serializers.ValidationError({unknown[0]: [ErrorDetail("unknown field", code="unknown")]})
        return super().to_internal_value(data)


_CODES = {"required": MissingField, "unknown": UnknownField, "max_length": TooLong, "bad_id": BadId}


def _first_error(detail, path: str) -> tuple[str, ErrorDetail]:
    if isinstance(detail, dict):
        key, value = next(iter(detail.items()))
        if key == "non_field_errors":
            return _first_error(value, path)
        return _first_error(value, f"{path}.{key}" if path else str(key))
    if isinstance(detail, list):
        for item in detail:
            if item:
                return _first_error(item, path)
    return path, detail


def to_horn_error(exc: serializers.ValidationError) -> HornError:
    field, detail = _first_error(exc.detail, "")
    cls = _CODES.get(getattr(detail, "code", ""), InvalidValue)
    message = str(detail)
    return cls(f"{field}: {message}" if field else message, field=field or None)


_instances: dict[type, serializers.Serializer] = {}


def validate(serializer_class, data: dict) -> dict:
    """The validated data, or the first error as a HornError.

    A serializer deep-copies its declared fields on creation, which cost more
    than the validation itself on the message path; `run_validation` keeps no
    state on the instance, so one instance per class serves every request.
    """
    serializer = _instances.get(serializer_class)
    if serializer is None:
        serializer = _instances[serializer_class] = serializer_class()
    try:
        return serializer.run_validation(data)
    except serializers.ValidationError as exc:
        raise to_horn_error(exc) from None
