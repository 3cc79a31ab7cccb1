"""The public pages' texts (payment return, certificate download, verification): the PUBLIC text table.

The resident's language is not known on these pages, so they show every text in Japanese and English at once:
templates call ``t(key, "ja")`` and ``t(key, "en")`` (api/pages.py).
"""

from __future__ import annotations

from typing import Final

from messages import i18n

# The short message pages (api/pages.py message_page): a heading and, for some, a body.
MESSAGE_PAGE_TEXTS: Final[dict[str, dict[str, str]]] = {
    "unavailable.heading": {"ja": "ただいま処理できません", "en": "Not available right now"},
    "unavailable": {
        "ja": "ただいま処理できません。少し待ってから、このページを再読み込みしてください。",
        "en": "This cannot be processed right now. Please reload this page in a moment.",
    },
    "link_invalid": {"ja": "このリンクは無効です", "en": "This link is not valid."},
    "payment.received.heading": {"ja": "お支払いを受け付けました", "en": "Payment received"},
    "payment.received": {
        "ja": "お支払いを受け付けました。このページを閉じて、LINEのトークにお戻りください。"
        "確認ができしだい、LINEでお知らせします。",
        "en": "Payment received. You can close this page and go back to the LINE chat; we will confirm it there.",
    },
    "payment.cancelled.heading": {"ja": "お支払いをキャンセルしました", "en": "Payment cancelled"},
    "payment.cancelled": {
        "ja": "お支払いをキャンセルしました。このページを閉じて、LINEのトークにお戻りください。",
        "en": "The payment was cancelled. You can close this page and go back to the LINE chat.",
    },
    "payment.invalid": {
        "ja": "このお支払いのリンクは無効です。LINEのトークに届いた最新のボタンからお手続きください。",
        "en": "This payment link is not valid. Please use the latest button in the LINE chat.",
    },
    "payment.closed.heading": {"ja": "このお支払いは終了しています", "en": "This payment is closed"},
    "payment.closed": {
        "ja": "このお支払いはすでに終了しています。LINEのトークで状況をご確認ください。",
        "en": "This payment is no longer open. Please check the LINE chat for its status.",
    },
    "download.expired": {
        "ja": "このリンクの有効期限が切れています。市民課へお問い合わせください。",
        "en": "This link has expired. Please contact the Citizens Division.",
    },
    "download.revoked": {"ja": "この証明書は取り消されています。", "en": "This certificate has been revoked."},
}

# The certificate verification page (api/verify.py, api/templates/verify.html).
VERIFY_PAGE_TEXTS: Final[dict[str, dict[str, str]]] = {
    "verify.title": {"ja": "証明書の確認", "en": "Certificate verification"},
    "verify.heading": {"ja": "市川市 証明書の確認", "en": "Ichikawa City certificate verification"},
    "verify.status.valid": {"ja": "有効な証明書です", "en": "This certificate is valid."},
    "verify.status.revoked": {"ja": "この証明書は失効しています", "en": "This certificate has been revoked."},
    "verify.status.invalid": {"ja": "この証明書は確認できません", "en": "This certificate cannot be verified."},
    "verify.status.unknown": {"ja": "該当する証明書はありません", "en": "No such certificate."},
    "verify.unknown": {
        "ja": "証明書のURL又はQRコードをご確認ください。",
        "en": "Check the URL or scan the QR code printed on the certificate again.",
    },
    "verify.invalid": {
        "ja": "この証明書の記録は、市の電子署名と一致しません。証明書の内容を確認できないため、表示していません。"
        "市民課へお問い合わせください。",
        "en": "The city's record of this certificate does not match the city's digital signature, so its "
        "content cannot be confirmed and is not shown. Please contact the Citizens Division.",
    },
    "verify.number": {"ja": "証明書番号", "en": "Certificate number"},
    "verify.type": {"ja": "種類", "en": "Type"},
    "verify.issued_on": {"ja": "交付年月日", "en": "Date of issue"},
    "verify.issuer": {"ja": "発行者", "en": "Issuer"},
    "verify.name": {"ja": "氏名", "en": "Name"},
    "verify.birth_date": {"ja": "生年月日", "en": "Date of birth"},
    "verify.persons_listed": {"ja": "記載人数", "en": "Persons listed"},
    "verify.pages": {"ja": "枚数", "en": "Pages"},
    "verify.signature": {"ja": "電子署名", "en": "Signature"},
    "verify.signature_valid": {"ja": "正常", "en": "valid"},
    "verify.pdf_sha256": {"ja": "PDFのSHA-256", "en": "PDF SHA-256"},
    "verify.revoked_at": {"ja": "失効日時", "en": "Revoked at"},
    "verify.revocation": {"ja": "失効理由（職員のみ）", "en": "Reason (staff only)"},
    "verify.note": {
        "ja": "本人確認に必要な最小限の項目のみ表示しています（住所等は表示しません）。"
        "お手元の証明書の記載と照合してください。"
        "電子交付のPDFは {command}（公開鍵: /verify/keys）で改ざんの有無を確認できます。",
        "en": "Only what is needed to check the certificate is shown (no address). Compare it with the "
        "certificate in hand. A digital PDF can be checked for changes offline with {command} "
        "(public keys: /verify/keys).",
    },
    "verify.revoke_reason": {"ja": "失効させる理由", "en": "Reason for revocation"},
    "verify.revoke_reason_missing": {
        "ja": "失効理由を入力してください（{max}文字以内）。",
        "en": "Enter a reason (up to {max} characters).",
    },
    "verify.revoke": {"ja": "この証明書を失効させる", "en": "Revoke this certificate"},
}

PUBLIC = i18n.table("public", MESSAGE_PAGE_TEXTS, VERIFY_PAGE_TEXTS)
