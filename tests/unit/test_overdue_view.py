"""The supervisor's overdue view lists refunds the provider refused, clearly labelled (no server needed)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from api.applications import QueueItem, queue_query
from api.clerk_pages import due_badge, local_time
from backoffice.i18n import t
from backoffice.templating import templates
from config.temporal import NEEDS_ATTENTION, SEARCH_ATTRIBUTES, search_attribute_flags
from domain.models import ApplicationView, IdPhotoRecord, PaymentRecord

NOW = datetime(2026, 12, 2, 3, 0, tzinfo=UTC)


def item(**kw: object) -> QueueItem:
    fields: dict[str, object] = {
        "application_id": "ABCDE-FGHJK",
        "procedure_code": "juminhyo",
        "status": "Withdrawn",
        "submitted_at": NOW - timedelta(days=3),
        "review_due_at": None,
        "escalated": False,
        **kw,
    }
    return QueueItem(**fields)  # type: ignore[arg-type]


def test_needs_attention_is_registered_with_the_other_search_attributes() -> None:
    assert NEEDS_ATTENTION in SEARCH_ATTRIBUTES
    assert "NeedsAttention=Bool" in search_attribute_flags()


def test_the_overdue_view_also_lists_refunds_needing_attention_in_any_status() -> None:
    query = queue_query("AwaitingReview", None, None, True, needs_attention=True)
    assert query == "(ApplicationStatus = 'AwaitingReview' AND Escalated = true) OR NeedsAttention = true"
    assert "NeedsAttention" not in queue_query("AwaitingReview", None, None, True), "the clerk queue is unchanged"


def test_a_refund_needing_attention_has_its_own_badge() -> None:
    assert due_badge(item(needs_attention=True), NOW) == "refund"
    assert due_badge(item(needs_attention=True, escalated=True, status="AwaitingReview"), NOW) == "refund"
    assert due_badge(item(escalated=True, status="AwaitingReview"), NOW) == "escalated"
    assert item(needs_attention=True).as_json()["needs_attention"] is True


@pytest.mark.parametrize(
    ("lang", "words", "refund"), [("ja", "返金要対応", "返金"), ("en", "Refund needs attention", "refund")]
)
def test_the_labels_say_what_to_do(lang: str, words: str, refund: str) -> None:
    badge = t("due.refund", lang, status=t("status.Withdrawn", lang))
    assert words in badge and t("status.Withdrawn", lang) in badge
    assert t("status.NeedsAttention", lang) == words
    assert refund in t("queue.supervisor_caption", lang, status="", total=2)
    assert refund in t("queue.supervisor_title", lang)


def test_the_application_page_says_the_refund_was_refused() -> None:
    view = ApplicationView(
        application_id="ABCDE-FGHJK",
        procedure_code="juminhyo",
        language="en",
        answers={},
        copies=1,
        fee_per_copy=300,
        fee_total=300,
        submitted_at="2026-11-20T01:00:00+00:00",
        status="Withdrawn",
        id_photo=IdPhotoRecord(),
        payment=PaymentRecord(
            order_id="MDG-ABCDE-FGHJK-1",
            transaction_id="2026112700000000001",
            amount=300,
            currency="JPY",
            state="refund_refused",
            captured_at="2026-11-20T02:00:00+00:00",
        ),
    )
    html = (
        templates()
        .env.get_template("detail.html")
        .render(view=view, match_kind="pending", local_time=local_time, t=lambda key, **kw: t(key, "en", **kw))
    )
    box = html.split('id="payment-heading"', 1)[1].split("</section>", 1)[0]
    assert 'data-state="refund_refused"' in box and "Refund refused (refund by hand)" in box
    assert "2026112700000000001" in box, "the transaction id to refund by hand in the provider's console"
