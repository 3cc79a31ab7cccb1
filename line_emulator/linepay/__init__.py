"""A LINE Pay online API v3 sandbox inside the emulator: the payment API, the resident's payment page, a driver.

- sandbox.py: the state (transactions, their states and refunds, faults, stats), kept in `app.state.linepay`
- api.py: the signed payment API (/v3/payments...), its operations in operations.py, body checks in
  validation.py, return codes in codes.py
- page.py: the resident's payment page (/linepay/pay/{transactionId})
- driver.py: the test driver (/_emulator/linepay/...)

What another provider's sandbox can share (faults, nonces, the page's shell) is in line_emulator.payments_common.
"""

from __future__ import annotations

from fastapi import APIRouter

from line_emulator.linepay import api, driver, page
from line_emulator.linepay.sandbox import LinePaySandbox

router = APIRouter()
router.include_router(api.router)
router.include_router(page.router)
router.include_router(driver.router)

__all__ = ["LinePaySandbox", "router"]
