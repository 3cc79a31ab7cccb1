"""Resident-facing texts of the clerk review, and the reason lists clerks choose from (ja/en)."""

from __future__ import annotations

from messages import i18n

REVIEW_TEXTS: dict[str, dict[str, str]] = {
    "review_approved": {
        "ja": "申請（受付番号：{id}）を承認しました。手数料のお支払いについて、続けてご案内します。",
        "en": "Your application (No. {id}) has been approved. We will tell you next how to pay the fee.",
    },
    "review_rejected": {
        "ja": "申し訳ありません。申請（受付番号：{id}）は、次の理由によりお受けできませんでした。\n理由：{reason}",
        "en": "We are sorry: your application (No. {id}) could not be accepted, for this reason:\n{reason}",
    },
    "review_note": {"ja": "職員より：{note}", "en": "Note from the clerk: {note}"},
    "review_contact": {
        "ja": "ご不明な点は、市川市役所 市民課（047-334-1111）へお問い合わせください。",
        "en": "If you have questions, please contact the Citizens Division, Ichikawa City Hall (047-334-1111).",
    },
    "review_photo_requested": {
        "ja": "申請（受付番号：{id}）について、本人確認書類の写真をもう一度お送りください。\n理由：{reason}",
        "en": "For your application (No. {id}), please send a photo of your ID again.\nReason: {reason}",
    },
    "review_still_reviewing": {
        "ja": "申請（受付番号：{id}）は、現在職員が確認しています。もうしばらくお待ちください。",
        "en": "Your application (No. {id}) is still being reviewed by a clerk. Thank you for your patience.",
    },
    "status.Approved": {
        "ja": "承認済み（お支払いのご案内をお待ちください）",
        "en": "Approved (payment details follow)",
    },
    "status.Rejected": {"ja": "お受けできませんでした", "en": "Not accepted"},
}

# What a clerk can give as the reason for a rejection; the resident sees the text in their language.
REJECT_REASONS = i18n.table(
    "reject_reason",
    {
        "not_in_registry": {
            "ja": "住民基本台帳に該当する方が見つかりませんでした",
            "en": "We could not find you in the resident register",
        },
        "identity_mismatch": {
            "ja": "本人確認書類と申請内容が一致しませんでした",
            "en": "Your ID does not match the application",
        },
        "not_entitled": {
            "ja": "ご請求いただいた方の証明書は、この方法ではお出しできません",
            "en": "This certificate cannot be issued to you by this service",
        },
        "duplicate": {"ja": "同じ内容の申請がすでにあります", "en": "The same application was already made"},
        "other": {"ja": "その他（職員からの説明をご覧ください）", "en": "Other (see the clerk's note)"},
    },
)

# Why a clerk asks for a new ID photo.
PHOTO_REASONS = i18n.table(
    "photo_reason",
    {
        "unreadable": {"ja": "写真の文字が読み取れませんでした", "en": "The text on the ID could not be read"},
        "wrong_document": {
            "ja": "本人確認書類として使える書類ではありませんでした",
            "en": "The document is not accepted as an ID",
        },
        "expired_document": {"ja": "有効期限が切れていました", "en": "The ID has expired"},
        "mismatch": {"ja": "申請内容と書類の記載が一致しませんでした", "en": "The ID does not match the application"},
        "other": {"ja": "その他（職員からの説明をご覧ください）", "en": "Other (see the clerk's note)"},
    },
)
