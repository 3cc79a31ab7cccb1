"""Temporal wiring shared by worker, API, CLI and tests: the data converter, search attributes, client."""

from __future__ import annotations

import asyncio
import dataclasses
import logging
import types
import typing
import weakref
from datetime import timedelta
from typing import Any, NamedTuple

from temporalio.client import Client
from temporalio.common import SearchAttributeKey
from temporalio.converter import (
    AdvancedJSONEncoder,
    CompositePayloadConverter,
    DataConverter,
    DefaultFailureConverterWithEncodedAttributes,
    DefaultPayloadConverter,
    JSONPlainPayloadConverter,
    JSONTypeConverter,
    default,
    value_to_type,
)
from temporalio.runtime import PrometheusConfig, Runtime, TelemetryConfig
from temporalio.service import GrpcCompression

from config.codec import RefusedPayloadConverter
from config.settings import Settings

log = logging.getLogger(__name__)

# Search attributes are stored unencrypted: status codes, procedure codes and times only.
APPLICATION_STATUS = SearchAttributeKey.for_keyword("ApplicationStatus")
PROCEDURE_CODE = SearchAttributeKey.for_keyword("ProcedureCode")
SUBMITTED_AT = SearchAttributeKey.for_datetime("SubmittedAt")
ESCALATED = SearchAttributeKey.for_bool("Escalated")
# Set only when a payment provider refused a refund for good: staff must refund by hand.
NEEDS_ATTENTION = SearchAttributeKey.for_bool("NeedsAttention")
PAYMENT_STATUS = SearchAttributeKey.for_keyword("PaymentStatus")
REVIEW_DUE_AT = SearchAttributeKey.for_datetime("ReviewDueAt")  # the clerk queue's due badge
SEARCH_ATTRIBUTES: tuple[SearchAttributeKey[Any], ...] = (
    APPLICATION_STATUS,
    PROCEDURE_CODE,
    SUBMITTED_AT,
    ESCALATED,
    NEEDS_ATTENTION,
    PAYMENT_STATUS,
    REVIEW_DUE_AT,
)

_SA_TYPE_NAMES = {"KEYWORD": "Keyword", "DATETIME": "Datetime", "BOOL": "Bool"}


def search_attribute_flags() -> list[str]:
    """`--search-attribute Name=Type` flags for `temporal server start-dev`."""
    flags: list[str] = []
    for key in SEARCH_ATTRIBUTES:
        type_name = _SA_TYPE_NAMES[key.indexed_value_type.name.removeprefix("INDEXED_VALUE_TYPE_")]
        flags += ["--search-attribute", f"{key.name}={type_name}"]
    return flags


class ShallowDataclassJSONEncoder(AdvancedJSONEncoder):
    """Temporal's JSON encoder, with dataclasses turned into dicts one level at a time.

    The stock encoder calls `dataclasses.asdict`, which walks and deep-copies every nested list and
    dict in Python. Inside the workflow sandbox every `isinstance` call it makes goes through the
    sandbox's wrapper, so encoding one answer's messages (nested quick replies and Flex boxes) cost
    about 8 ms of a chat turn. Here the C encoder walks the nesting and calls back only for nested
    dataclasses. The JSON is byte for byte the same (same fields, same order).
    """

    def default(self, o: Any) -> Any:
        if dataclasses.is_dataclass(o) and not isinstance(o, type):
            return {f.name: getattr(o, f.name) for f in dataclasses.fields(o)}
        return super().default(o)


class _Field(NamedTuple):
    name: str
    hint: Any
    init: bool
    exact: type | None  # str, int, float or bool: a JSON value of exactly this type is taken as it is
    optional: bool  # the hint admits None


_EXACT = (str, int, float, bool)
# Shared by every converter instance: the SDK makes a new payload converter for each workflow run.
_PLANS: weakref.WeakKeyDictionary[type, tuple[_Field, ...]] = weakref.WeakKeyDictionary()


class DataclassTypeConverter(JSONTypeConverter):
    """Decodes a JSON object into a dataclass as Temporal's `value_to_type` does, with each class's field
    types resolved once per process instead of on every payload.

    `value_to_type` calls `typing.get_type_hints` for every dataclass it decodes, and our models (with
    `from __future__ import annotations`) have string annotations, evaluated anew each time: 0.3 ms to
    decode one LINE event signal, and more inside the workflow sandbox, where every `isinstance` goes
    through the sandbox's wrapper. With this converter a chat turn's activation took 2.4 ms instead of
    4.1 (p50, in a benchmark round; with the state copy and postback encoding of the same change).

    A class's plan is kept as long as the class lives (a workflow module's own dataclasses are made
    anew for each sandboxed run). A field whose JSON value already has its exact primitive type is
    taken as it is; every other field goes through `value_to_type` (with this converter, for nested
    dataclasses), so values and errors are those of the stock converter.
    """

    def __init__(self) -> None:
        self._converters = [self]

    def to_typed_value(self, hint: type, value: Any) -> Any:
        if getattr(hint, "__dataclass_fields__", None) is None or type(value) is not dict:
            return JSONTypeConverter.Unhandled  # not a dataclass, or Temporal's own error for a non-object
        plan = _PLANS.get(hint)
        if plan is None:
            plan = _PLANS[hint] = self._plan(hint)
        init_values: dict[str, Any] = {}
        late_values: dict[str, Any] = {}
        for field in plan:
            if field.name not in value:
                continue  # the dataclass's default, or its own error for a required field
            field_value = value[field.name]
            if not (
                (field.exact is not None and type(field_value) is field.exact)
                or (field_value is None and field.optional)
            ):
                try:
                    field_value = value_to_type(field.hint, field_value, self._converters)
                except Exception as err:
                    raise TypeError(f"Failed converting field {field.name} on dataclass {hint}") from err
            (init_values if field.init else late_values)[field.name] = field_value
        obj = hint(**init_values)
        for name, field_value in late_values.items():
            object.__setattr__(obj, name, field_value)
        return obj

    @staticmethod
    def _plan(cls: type) -> tuple[_Field, ...]:
        hints = typing.get_type_hints(cls)
        plan = []
        for f in dataclasses.fields(cls):
            hint = hints[f.name]
            exact = hint if hint in _EXACT else None
            optional = typing.get_origin(hint) in (typing.Union, types.UnionType) and type(None) in typing.get_args(
                hint
            )
            plan.append(_Field(f.name, hint, f.init, exact, optional))
        return tuple(plan)


class PayloadConverter(CompositePayloadConverter):
    """Temporal's default payload converters, with `ShallowDataclassJSONEncoder` and
    `DataclassTypeConverter` for JSON, and the reader of payloads the codec refused (config/codec.py)."""

    def __init__(self) -> None:
        super().__init__(
            *(
                JSONPlainPayloadConverter(
                    encoder=ShallowDataclassJSONEncoder, custom_type_converters=[DataclassTypeConverter()]
                )
                if isinstance(c, JSONPlainPayloadConverter)
                else c
                for c in DefaultPayloadConverter.default_encoding_payload_converters
            ),
            RefusedPayloadConverter(),
        )


def data_converter(settings: Settings | None = None) -> DataConverter:
    """The one data converter (worker, API, CLI, tests): JSON payloads and failure messages, AES-256-GCM encrypted;
    in production, unencrypted payloads are refused (config/codec.py)."""
    from config.codec import EncryptionCodec
    from config.keys import Keyring
    from config.settings import get_settings

    settings = settings or get_settings()
    codec = EncryptionCodec(Keyring.parse(settings.payload_keys), accept_plaintext=settings.profile != "production")
    return dataclasses.replace(
        default(),
        payload_converter_class=PayloadConverter,
        payload_codec=codec,
        # Failure messages and stack traces (an update validator's refusal, an activity's error) can hold resident
        # data: they travel as an encrypted payload, the server keeps "Encoded failure". Our clients share this
        # converter, so the API still reads the messages it shows clerks.
        failure_converter_class=DefaultFailureConverterWithEncodedAttributes,
    )


async def connect(settings: Settings, *, lazy: bool = False, runtime: Runtime | None = None) -> Client:
    return await Client.connect(
        settings.temporal_address,
        namespace=settings.temporal_namespace,
        data_converter=data_converter(settings),
        lazy=lazy,
        runtime=runtime,
        # Compressing every gRPC call costs CPU on the 2 shared cores and buys nothing on loopback.
        grpc_compression=GrpcCompression.NONE if settings.temporal_grpc_compression == "none" else GrpcCompression.GZIP,
    )


def sdk_metrics_runtime(port: int) -> Runtime:
    """A Temporal runtime whose SDK metrics (workflow/activity task latencies, failures, polls, slots...)
    are served for Prometheus at 127.0.0.1:port/metrics."""
    return Runtime(telemetry=TelemetryConfig(metrics=PrometheusConfig(bind_address=f"127.0.0.1:{port}")))


async def connect_with_retry(settings: Settings, *, attempts: int = 60, runtime: Runtime | None = None) -> Client:
    """Connect, waiting for the server (it may still be starting when the worker starts)."""
    for attempt in range(1, attempts + 1):
        try:
            return await connect(settings, runtime=runtime)
        except RuntimeError as err:
            if attempt == attempts:
                raise
            log.info("temporal not reachable yet (%s), retrying", type(err).__name__)
            await asyncio.sleep(min(2.0, 0.2 * attempt))
    raise AssertionError("unreachable")


RPC_TIMEOUT = timedelta(seconds=5)


async def ensure_search_attributes(client: Client, namespace: str) -> list[str]:
    """Register any missing search attribute (the dev server only registers them on a new database)."""
    from temporalio.api.enums.v1 import IndexedValueType
    from temporalio.api.operatorservice.v1 import AddSearchAttributesRequest, ListSearchAttributesRequest

    request = ListSearchAttributesRequest(namespace=namespace)
    existing = await client.operator_service.list_search_attributes(request)
    missing = {
        key.name: IndexedValueType.ValueType(key.indexed_value_type)
        for key in SEARCH_ATTRIBUTES
        if key.name not in existing.custom_attributes
    }
    if missing:
        await client.operator_service.add_search_attributes(
            AddSearchAttributesRequest(namespace=namespace, search_attributes=missing)
        )
    return sorted(missing)
