"""Check a request against the constraints of botocore's service model, in AWS's words."""

from __future__ import annotations

import functools
import re
import sys
import unicodedata
from typing import Any, Iterator

from botocore.model import OperationModel, Shape

# How AWS shows a missing value ("Value null at ...").
NULL = "null"


@functools.lru_cache(maxsize=None)
def service_model(service: str):
    """botocore's model of ``service``, the one the requests are checked against (read once)."""
    import botocore.session

    return botocore.session.get_session().get_service_model(service)


def validation_problems(operation_model: OperationModel, params: dict[str, Any]) -> list[str]:
    """Each way `params` breaks the operation's input constraints, as AWS words it.

    One entry per broken constraint, e.g. ``Value 'x' at 'identityPoolId' failed to satisfy
    constraint: Member must satisfy regular expression pattern: [\\w-]+:[0-9a-f-]+``.
    Required members, string lengths, patterns and enums, number ranges, list and map
    lengths, and map keys and values are checked, through nested structures and lists.
    Values of the wrong JSON type are left alone (AWS refuses those before validating).
    """
    if operation_model.input_shape is None:
        return []
    return list(_structure_problems(operation_model.input_shape, params, ""))


def validation_message(problems: list[str]) -> str:
    """The message of AWS's ValidationException for these problems."""
    count = len(problems)
    noun = "validation error" if count == 1 else "validation errors"
    return f"{count} {noun} detected: {'; '.join(problems)}"


def _structure_problems(shape: Shape, value: Any, path: str) -> Iterator[str]:
    if not isinstance(value, dict):
        return
    required = shape.metadata.get("required", [])
    for name, member in shape.members.items():
        member_path = f"{path}.{_lower_first(name)}" if path else _lower_first(name)
        if value.get(name) is None:
            if name in required:
                yield _problem(member, None, member_path, "Member must not be null")
        else:
            yield from _value_problems(member, value[name], member_path)


def _value_problems(shape: Shape, value: Any, path: str) -> Iterator[str]:
    kind = shape.type_name
    if kind == "structure":
        yield from _structure_problems(shape, value, path)
    elif kind == "list" and isinstance(value, list):
        yield from (_problem(shape, value, path, c) for c in _broken(shape, value))
        for index, item in enumerate(value, start=1):
            # AWS numbers list items from 1 and names each one "member".
            if item is not None:
                yield from _value_problems(shape.member, item, f"{path}.{index}.member")
    elif kind == "map" and isinstance(value, dict):
        yield from _map_problems(shape, value, path)
    else:
        yield from (_problem(shape, value, path, c) for c in _broken(shape, value))


def _map_problems(shape: Shape, value: dict[str, Any], path: str) -> Iterator[str]:
    yield from (_problem(shape, value, path, c) for c in _broken(shape, value))
    # AWS reports bad keys once and bad values once for the whole map, listing every
    # constraint of the key or value shape, not only the broken one.
    if any(_broken(shape.key, key) for key in value):
        rules = ", ".join(_constraints(shape.key))
        yield _problem(shape, value, path, f"Map keys must satisfy constraint: [{rules}]")
    if shape.value.type_name == "structure":
        for key, item in value.items():
            yield from _structure_problems(shape.value, item, f"{path}.{key}.member")
    elif any(item is not None and _broken(shape.value, item) for item in value.values()):
        rules = ", ".join(_constraints(shape.value))
        yield _problem(shape, value, path, f"Map value must satisfy constraint: [{rules}]")


def _broken(shape: Shape, value: Any) -> list[str]:
    """The constraints of `shape` that `value` breaks, in the order AWS reports them."""
    kind, meta = shape.type_name, shape.metadata
    broken = []
    if kind == "string" and isinstance(value, str):
        if "pattern" in meta and not _java_regex(meta["pattern"]).fullmatch(value):
            broken.append(_pattern_rule(meta["pattern"]))
        if "enum" in shape.metadata and value not in shape.enum:
            broken.append(_enum_rule(shape.enum))
        broken += _length_rules_broken(meta, _java_length(value))
    elif kind in ("list", "map") and isinstance(value, (list, dict)):
        broken += _length_rules_broken(meta, len(value))
    elif kind in ("integer", "long") and isinstance(value, int) and not isinstance(value, bool):
        if "max" in meta and value > meta["max"]:
            broken.append(f"Member must have value less than or equal to {meta['max']}")
        if "min" in meta and value < meta["min"]:
            broken.append(f"Member must have value greater than or equal to {meta['min']}")
    return broken


def _length_rules_broken(meta: dict[str, Any], length: int) -> list[str]:
    if "max" in meta and length > meta["max"]:
        return [_max_length_rule(meta["max"])]
    if "min" in meta and length < meta["min"]:
        return [_min_length_rule(meta["min"])]
    return []


def _constraints(shape: Shape) -> list[str]:
    """Every constraint of a scalar shape, as AWS lists them inside "[...]"."""
    meta, rules = shape.metadata, []
    if "max" in meta:
        rules.append(_max_length_rule(meta["max"]))
    if "min" in meta:
        rules.append(_min_length_rule(meta["min"]))
    if "pattern" in meta:
        rules.append(_pattern_rule(meta["pattern"]))
    if "enum" in meta:
        rules.append(_enum_rule(shape.enum))
    return rules


def _max_length_rule(limit: int) -> str:
    return f"Member must have length less than or equal to {limit}"


def _min_length_rule(limit: int) -> str:
    return f"Member must have length greater than or equal to {limit}"


def _pattern_rule(pattern: str) -> str:
    return f"Member must satisfy regular expression pattern: {pattern}"


def _enum_rule(values: list[str]) -> str:
    return f"Member must satisfy enum value set: [{', '.join(values)}]"


def _problem(shape: Shape, value: Any, path: str, constraint: str) -> str:
    if value is None:
        shown = f"Value {NULL}"
    elif _holds_sensitive(shape):
        # AWS leaves out a value that is (or holds) a secret, such as a login token.
        shown = "Value"
    else:
        shown = f"Value '{_java_string(shape, value)}'"
    return f"{shown} at '{path}' failed to satisfy constraint: {constraint}"


def _java_string(shape: Shape, value: Any) -> str:
    """`value` as AWS's Java service prints it: [a, b] for lists, {k=v} for maps."""
    kind = shape.type_name
    if value is None:
        return NULL
    if isinstance(value, bool):
        return "true" if value else "false"
    if kind == "list" and isinstance(value, list):
        return "[" + ", ".join(_java_string(shape.member, item) for item in value) + "]"
    if kind == "map" and isinstance(value, dict):
        entries = (f"{key}={_java_string(shape.value, item)}" for key, item in value.items())
        return "{" + ", ".join(entries) + "}"
    if kind == "structure" and isinstance(value, dict):
        fields = (
            f"{_lower_first(name)}={_java_string(member, value[name])}"
            for name, member in shape.members.items()
            if value.get(name) is not None
        )
        return f"{shape.name}({', '.join(fields)})"
    return str(value)


def _holds_sensitive(shape: Shape, seen: frozenset[str] = frozenset()) -> bool:
    if shape.metadata.get("sensitive"):
        return True
    if shape.name in seen:
        return False
    seen = seen | {shape.name}
    kind = shape.type_name
    if kind == "list":
        return _holds_sensitive(shape.member, seen)
    if kind == "map":
        return _holds_sensitive(shape.key, seen) or _holds_sensitive(shape.value, seen)
    if kind == "structure":
        return any(_holds_sensitive(member, seen) for member in shape.members.values())
    return False


def _lower_first(name: str) -> str:
    return name[:1].lower() + name[1:]


def _java_length(text: str) -> int:
    """The length Java gives a string: UTF-16 code units, so characters beyond U+FFFF count 2."""
    return len(text.encode("utf-16-le")) // 2


@functools.lru_cache(maxsize=None)
def _java_regex(pattern: str) -> re.Pattern[str]:
    r"""A Python regex that matches what the Java `pattern` matches.

    Java's \w, \d and \s are ASCII-only (hence re.ASCII); Python has no \p{..} Unicode
    categories, so they are spelled out as character ranges.
    """
    parts, in_class, index = [], False, 0
    while index < len(pattern):
        char = pattern[index]
        if char == "\\" and pattern.startswith("p{", index + 1):
            end = pattern.index("}", index)
            ranges = _category_ranges(pattern[index + 3 : end])
            parts.append(ranges if in_class else f"[{ranges}]")
            index = end + 1
        elif char == "\\":
            parts.append(pattern[index : index + 2])
            index += 2
        else:
            if char in "[]":
                in_class = char == "["
            parts.append(char)
            index += 1
    return re.compile("".join(parts), re.ASCII)


@functools.lru_cache(maxsize=None)
def _category_ranges(category: str) -> str:
    r"""The characters of a Unicode general category (`L`, `Lu`, ...) as regex class ranges."""
    ranges: list[str] = []
    start = previous = None
    for code in range(sys.maxunicode + 1):
        if unicodedata.category(chr(code)).startswith(category):
            if start is None:
                start = code
            previous = code
        elif start is not None:
            ranges.append(f"\\U{start:08x}-\\U{previous:08x}")
            start = None
    if start is not None:
        ranges.append(f"\\U{start:08x}-\\U{previous:08x}")
    if not ranges:
        raise ValueError(f"unknown Unicode category: {category}")
    return "".join(ranges)
