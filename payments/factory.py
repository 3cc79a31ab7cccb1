"""The configured payment provider."""

from __future__ import annotations

import httpx

from config.settings import Settings
from payments.linepay import REQUEST_TIMEOUT, LinePayProvider
from payments.port import PaymentProvider


def provider_from_settings(settings: Settings, http: httpx.AsyncClient | None = None) -> PaymentProvider:
    """The provider named by settings.payment_provider ("linepay": settings.linepay_host, i.e. the emulator's
    sandbox in development).

    Pass `http` (one client for the process, closed by its owner). Without it the provider makes its own client
    and closes it in `await provider.aclose()` (LinePayProvider). Proxy environment variables are honoured only
    in production (LINE Pay allow-lists the caller's IP, which may mean an egress proxy); never for the
    local sandbox.
    """
    if settings.payment_provider == "linepay":
        owns_client = http is None
        client = http or httpx.AsyncClient(timeout=REQUEST_TIMEOUT, trust_env=settings.profile == "production")
        return LinePayProvider(
            client,
            settings.linepay_host,
            settings.linepay_channel_id,
            settings.linepay_channel_secret,
            owns_client=owns_client,
        )
    raise ValueError(f"unknown payment provider {settings.payment_provider!r}")
