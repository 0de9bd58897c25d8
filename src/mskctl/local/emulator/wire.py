"""Amazon MSK's REST-JSON wire format, driven by botocore's own service model.

Handlers build responses with the member names boto3 users see (``ClusterArn``);
this module renames them to the wire names MSK sends (``clusterArn``) and back,
so the emulator cannot drift from the API the SDKs parse.
"""

from __future__ import annotations

from functools import cache
from typing import Any

import botocore.session
from botocore.model import OperationModel, Shape


@cache
def _service_model():
    return botocore.session.get_session().get_service_model("kafka")


@cache
def operation(name: str) -> OperationModel:
    return _service_model().operation_model(name)


def to_wire(shape: Shape, value: Any) -> Any:
    if value is None:
        return None
    if shape.type_name == "structure":
        out = {}
        for member, member_shape in shape.members.items():
            if member in value and value[member] is not None:
                out[member_shape.serialization.get("name", member)] = to_wire(
                    member_shape, value[member]
                )
        return out
    if shape.type_name == "list":
        return [to_wire(shape.member, item) for item in value]
    if shape.type_name == "map":
        return {k: to_wire(shape.value, v) for k, v in value.items()}
    return value


def from_wire(shape: Shape, value: Any) -> Any:
    if value is None:
        return None
    if shape.type_name == "structure":
        out = {}
        for member, member_shape in shape.members.items():
            wire_name = member_shape.serialization.get("name", member)
            if isinstance(value, dict) and wire_name in value:
                out[member] = from_wire(member_shape, value[wire_name])
        return out
    if shape.type_name == "list":
        return [from_wire(shape.member, item) for item in value]
    if shape.type_name == "map":
        return {k: from_wire(shape.value, v) for k, v in value.items()}
    return value


def response_body(operation_name: str, result: dict[str, Any]) -> dict[str, Any]:
    return to_wire(operation(operation_name).output_shape, result)


def request_body(operation_name: str, body: dict[str, Any]) -> dict[str, Any]:
    shape = operation(operation_name).input_shape
    return from_wire(shape, body) if shape is not None else {}
