"""malomo: the hand-written client runtime over the generated malomo_client package.

connect() builds a configured client; call()/acall() run any generated operation and raise typed
errors; paginate()/apaginate() iterate every item of a list operation. Errors: see malomo._errors.
"""

from ._client_factory import VERSION as __version__
from ._client_factory import MalomoClient, connect
from ._errors import (
    APIConnectionError,
    APITimeoutError,
    AuthenticationError,
    BadRequestError,
    MalomoError,
    NotFoundError,
    PaginationLoopError,
    RateLimitError,
    ServerError,
)
from ._operation_calls import acall, call
from ._pagination import apaginate, paginate
from ._retry_transport import AsyncRetryTransport, RetryPolicy, RetryTransport

__all__ = [
    "APIConnectionError",
    "APITimeoutError",
    "AsyncRetryTransport",
    "AuthenticationError",
    "BadRequestError",
    "MalomoClient",
    "MalomoError",
    "NotFoundError",
    "PaginationLoopError",
    "RateLimitError",
    "RetryPolicy",
    "RetryTransport",
    "ServerError",
    "__version__",
    "acall",
    "apaginate",
    "call",
    "connect",
    "paginate",
]
