"""The application page's certificate box, rendered from the back office template (no server needed)."""

from __future__ import annotations

import pytest

from api.clerk_pages import local_time
from backoffice.i18n import t
from backoffice.templating import templates
from domain.models import ApplicationView, CertificateRecord, IdPhotoRecord


def certificate_box(certificate: CertificateRecord, lang: str) -> str:
    view = ApplicationView(
        application_id="app-1",
        procedure_code="juminhyo",
        language=lang,
        answers={},
        copies=1,
        fee_per_copy=300,
        fee_total=300,
        submitted_at="2026-11-20T01:00:00+00:00",
        status="Withdrawn",
        id_photo=IdPhotoRecord(),
        certificate=certificate,
    )
    html = (
        templates()
        .env.get_template("detail.html")
        .render(
            view=view, match_kind="pending", local_time=local_time, t=lambda key, **kw: t(key, lang, **kw), lang=lang
        )
    )
    return html.split('id="certificate-heading"', 1)[1].split("</section>", 1)[0]


def record(**extra: str) -> CertificateRecord:
    return CertificateRecord(
        certificate_id="c1",
        number="R8-000123",
        pdf_blob_key="pdf",
        preview_blob_key="png",
        pages=1,
        delivery="mail",
        issued_at="2026-11-20T02:00:00+00:00",
        **extra,
    )


@pytest.mark.parametrize("lang", ["ja", "en"])
def test_a_revoked_certificate_says_so_with_the_time_in_japan(lang: str) -> None:
    box = certificate_box(record(revoked_at="2026-11-20T03:04:00+00:00"), lang)
    assert 'id="certificate-revoked"' in box
    assert "2026-11-20 12:04" in box  # 03:04 UTC is 12:04 JST
    assert t("detail.certificate_revoked_why", lang) in box


def test_a_certificate_in_force_has_no_revoked_row() -> None:
    box = certificate_box(record(), "ja")
    assert "R8-000123" in box and 'id="certificate-revoked"' not in box
