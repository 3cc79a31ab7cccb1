"""Message types that cross the Temporal boundary (workflow, signal, activity inputs and outputs), by stage.

Plain dataclasses so the data converter handles them and fields can be added later with defaults without
breaking running workflows. Every type is importable from `domain.models`; each lives in the module of its stage.
"""

from __future__ import annotations

from domain.models.application import (
    ApplicationInput as ApplicationInput,
)
from domain.models.application import (
    ApplicationStatusChanged as ApplicationStatusChanged,
)
from domain.models.application import (
    ApplicationView as ApplicationView,
)
from domain.models.application import (
    TimelineEntry as TimelineEntry,
)
from domain.models.application import (
    WithdrawInput as WithdrawInput,
)
from domain.models.certificate import (
    CertificateRecord as CertificateRecord,
)
from domain.models.certificate import (
    DownloadLinkInput as DownloadLinkInput,
)
from domain.models.certificate import (
    IssueCertificateInput as IssueCertificateInput,
)
from domain.models.certificate import (
    IssuedCertificateResult as IssuedCertificateResult,
)
from domain.models.certificate import (
    MarkMailedInput as MarkMailedInput,
)
from domain.models.certificate import (
    RevokeCertificateInput as RevokeCertificateInput,
)
from domain.models.chat import (
    ApplicationSummary as ApplicationSummary,
)
from domain.models.chat import (
    ConversationInput as ConversationInput,
)
from domain.models.chat import (
    GetProfileInput as GetProfileInput,
)
from domain.models.chat import (
    Inbound as Inbound,
)
from domain.models.chat import (
    LineEventInput as LineEventInput,
)
from domain.models.chat import (
    Profile as Profile,
)
from domain.models.chat import (
    SendMessagesInput as SendMessagesInput,
)
from domain.models.chat import (
    SendMessagesResult as SendMessagesResult,
)
from domain.models.chat import (
    SubmittedApplication as SubmittedApplication,
)
from domain.models.id_photo import (
    DeleteIdPhotosInput as DeleteIdPhotosInput,
)
from domain.models.id_photo import (
    IdPhotoAttempt as IdPhotoAttempt,
)
from domain.models.id_photo import (
    IdPhotoRecord as IdPhotoRecord,
)
from domain.models.id_photo import (
    IdPhotoSubmitted as IdPhotoSubmitted,
)
from domain.models.id_photo import (
    ReceivedIdPhoto as ReceivedIdPhoto,
)
from domain.models.id_photo import (
    ReceiveIdPhotoInput as ReceiveIdPhotoInput,
)
from domain.models.payment import (
    ConfirmPaymentInput as ConfirmPaymentInput,
)
from domain.models.payment import (
    ConfirmPaymentResult as ConfirmPaymentResult,
)
from domain.models.payment import (
    PaymentRecord as PaymentRecord,
)
from domain.models.payment import (
    PaymentRedirect as PaymentRedirect,
)
from domain.models.payment import (
    RefundPaymentInput as RefundPaymentInput,
)
from domain.models.payment import (
    RefundPaymentResult as RefundPaymentResult,
)
from domain.models.payment import (
    RequestedPaymentResult as RequestedPaymentResult,
)
from domain.models.payment import (
    RequestPaymentInput as RequestPaymentInput,
)
from domain.models.review import (
    Decision as Decision,
)
from domain.models.review import (
    DecisionInput as DecisionInput,
)
from domain.models.review import (
    MatchRegistryInput as MatchRegistryInput,
)
from domain.policy import PaymentItem as PaymentItem  # travels in payment requests as well as in the policy
from domain.states import ApplicationStatus as ApplicationStatus
