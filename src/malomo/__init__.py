"""malomo: the hand-written client runtime over the generated malomo_client package.

Malomo / AsyncMalomo are the resource-style clients (``client.customers.create(...)``), thin over
malomo._base_client; their generated resources run on malomo.resource_runtime. The low-level API:
connect() builds a configured client; request_id_of(result) the request id of any result;
MALOMO_LOG=info|debug logs each request (malomo._logs);
call()/acall() run any generated operation and raise typed
errors; paginate()/apaginate() iterate every item of a list operation. Errors: see malomo._errors.
RecordingTransport/AsyncRecordingTransport write traffic to a HAR file (``connect(record_to=PATH)``).
"""

from ._base_client import RawResponse, RequestOptions, request_id_of
from ._client import AsyncMalomo, Malomo
from ._client_factory import MalomoClient, connect
from ._errors import (
    APIConnectionError,
    APITimeoutError,
    AuthenticationError,
    BadRequestError,
    BaseURLError,
    ClientClosedError,
    MalomoError,
    NotAcceptableError,
    NotFoundError,
    PaginationLoopError,
    RateLimitError,
    ServerError,
)
from ._operation_calls import acall, call
from ._pagination import AsyncPage, AsyncPaginator, SyncPage, apaginate, paginate
from ._recording import AsyncRecordingTransport, HarRecorder, RecordingTransport
from ._retry_transport import AsyncRetryTransport, RetryPolicy, RetryTransport
from ._version import VERSION as __version__

__all__ = [
    "APIConnectionError",
    "APITimeoutError",
    "AsyncMalomo",
    "AsyncPage",
    "AsyncPaginator",
    "AsyncRecordingTransport",
    "AsyncRetryTransport",
    "AuthenticationError",
    "BadRequestError",
    "BaseURLError",
    "ClientClosedError",
    "HarRecorder",
    "Malomo",
    "MalomoClient",
    "MalomoError",
    "NotAcceptableError",
    "NotFoundError",
    "PaginationLoopError",
    "RateLimitError",
    "RawResponse",
    "RecordingTransport",
    "RequestOptions",
    "RetryPolicy",
    "RetryTransport",
    "ServerError",
    "SyncPage",
    "__version__",
    "acall",
    "apaginate",
    "call",
    "connect",
    "paginate",
    "request_id_of",
]
