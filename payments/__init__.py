"""Fee payment behind a port (payments.port); LINE Pay online API v3 is the first adapter (payments.linepay).

This package's top level re-exports only the pure port, so workflow code can import it. Activities build a
provider with `payments.factory.provider_from_settings`.
"""

from payments.port import (
    ConfirmedPayment,
    LineItem,
    PaymentDeclined,
    PaymentDuplicateOrder,
    PaymentError,
    PaymentMisconfigured,
    PaymentNotApproved,
    PaymentProtocolError,
    PaymentProvider,
    PaymentRequest,
    PaymentState,
    PaymentUnavailable,
    RefundedPayment,
    RequestedPayment,
)

__all__ = [
    "ConfirmedPayment",
    "LineItem",
    "PaymentDeclined",
    "PaymentDuplicateOrder",
    "PaymentError",
    "PaymentMisconfigured",
    "PaymentNotApproved",
    "PaymentProtocolError",
    "PaymentProvider",
    "PaymentRequest",
    "PaymentState",
    "PaymentUnavailable",
    "RefundedPayment",
    "RequestedPayment",
]
