"""Resident-facing texts of issuing and delivering the certificate (ja/en)."""

from __future__ import annotations

CERTIFICATE_TEXTS: dict[str, dict[str, str]] = {
    "cert_digital": {
        "ja": "証明書（証明書番号：{number}）を発行しました。次のリンクから{until}までダウンロードできます。\n{url}",
        "en": "Your certificate (No. {number}) is ready. You can download it until {until}:\n{url}",
    },
    "cert_printing": {
        "ja": "証明書（証明書番号：{number}）を発行しました。郵送の準備をしています。発送したらお知らせします。",
        "en": "Your certificate (No. {number}) has been issued. We are preparing it for mailing and will tell you "
        "when it is posted.",
    },
    "cert_mailed": {
        "ja": "証明書（証明書番号：{number}）を郵送しました。追跡番号：{tracking}\nご利用ありがとうございました。",
        "en": "Your certificate (No. {number}) has been posted. Tracking number: {tracking}\nThank you for using "
        "this service.",
    },
    "cert_failed": {
        "ja": "申し訳ありません。申請（受付番号：{id}）の証明書を発行できませんでした。"
        "お支払いいただいた手数料は返金します。市川市役所 市民課（047-334-1111）へお問い合わせください。",
        "en": "We are sorry: the certificate for application No. {id} could not be issued. The fee you paid will be "
        "refunded. Please contact the Citizens Division, Ichikawa City Hall (047-334-1111).",
    },
    "status.AwaitingMailing": {"ja": "証明書を発行し、郵送の準備中です", "en": "Issued; being prepared for mailing"},
    "status.Completed": {"ja": "お届け済み", "en": "Delivered"},
    "delivery_done.mail": {"ja": "郵送（追跡番号：{tracking}）", "en": "by mail (tracking number {tracking})"},
    "delivery_done.digital": {"ja": "電子交付（ダウンロード）", "en": "digital copy (download link)"},
    "status_delivery": {"ja": "お届け方法：{how}", "en": "Delivered: {how}"},
}
