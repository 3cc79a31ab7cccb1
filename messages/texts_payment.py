"""Resident-facing texts of the fee payment (ja/en)."""

from __future__ import annotations

PAYMENT_TEXTS: dict[str, dict[str, str]] = {
    "pay_card_title": {"ja": "手数料のお支払い", "en": "Fee payment"},
    "pay_card_alt": {
        "ja": "申請（受付番号：{id}）の手数料 {amount} のお支払い",
        "en": "Fee for application No. {id}: {amount}",
    },
    "pay_item": {"ja": "{name} × {quantity}通", "en": "{name} × {quantity}"},
    "pay_total": {"ja": "合計", "en": "Total"},
    "pay_button": {"ja": "LINE Payで支払う", "en": "Pay with LINE Pay"},
    "pay_note": {
        "ja": "お支払いの期限：{hours}時間以内",
        "en": "Please pay within {hours} hours.",
    },
    "pay_received": {
        "ja": "手数料 {amount} のお支払いを確認しました（受付番号：{id}）。証明書の発行に進みます。",
        "en": "We have received your payment of {amount} (application No. {id}). Your certificate is next.",
    },
    "pay_cancelled": {
        "ja": "お支払いがキャンセルされました。お支払いいただける場合は、下のボタンからもう一度お手続きください。",
        "en": "The payment was cancelled. If you would like to pay, please use the button below again.",
    },
    "pay_declined": {
        "ja": "お支払いを完了できませんでした（決済サービスが受け付けませんでした）。"
        "お手数ですが、下のボタンからもう一度お手続きください。",
        "en": "The payment could not be completed (the payment service did not accept it). "
        "Please try again with the button below.",
    },
    "pay_reminder": {
        "ja": "申請（受付番号：{id}）の手数料のお支払いがまだ確認できていません。"
        "{hours}時間以内にお支払いがない場合、申請は取り消しになります。",
        "en": "We have not yet received the fee for application No. {id}. "
        "If it is not paid within {hours} hours, the application will be cancelled.",
    },
    "pay_expired": {
        "ja": "お支払いの期限を過ぎたため、申請（受付番号：{id}）を取り消しました。",
        "en": "Application No. {id} has been cancelled because the fee was not paid in time.",
    },
    "pay_unavailable": {
        "ja": "申し訳ありません。ただいまお支払いの準備ができません。準備ができしだい、このトークでお知らせします。",
        "en": "Sorry, payment cannot be set up right now. We will send you the payment link here as soon as we can.",
    },
    "pay_refunded": {
        "ja": "申請（受付番号：{id}）の手数料 {amount} を返金しました。返金の反映には数日かかる場合があります。",
        "en": "The fee of {amount} for application No. {id} has been refunded. It may take a few days to appear.",
    },
    "pay_refund_by_hand": {
        "ja": "申請（受付番号：{id}）の手数料 {amount} の返金を、自動では完了できませんでした。"
        "市の担当者が返金の手続きをいたします。ご不明な点は市川市役所 市民課（047-334-1111）へお問い合わせください。",
        "en": "The fee of {amount} for application No. {id} could not be refunded automatically. "
        "City hall staff will refund it. For questions, please contact the Citizens Division, "
        "Ichikawa City Hall (047-334-1111).",
    },
    "status.Paid": {"ja": "お支払い済み（証明書を準備しています）", "en": "Paid (your certificate is being prepared)"},
    "status.Cancelled": {"ja": "取り消し済み", "en": "Cancelled"},
    "status_payment": {
        "ja": "お支払い：{amount}（{state}）",
        "en": "Payment: {amount} ({state})",
    },
    "payment_state.requested": {"ja": "お支払い待ち", "en": "awaiting payment"},
    "payment_state.authorized": {"ja": "確認中", "en": "being confirmed"},
    "payment_state.captured": {"ja": "お支払い済み", "en": "paid"},
    "payment_state.cancelled": {"ja": "キャンセル", "en": "cancelled"},
    "payment_state.expired": {"ja": "期限切れ", "en": "expired"},
    "payment_state.refunded": {"ja": "返金済み", "en": "refunded"},
    "payment_state.declined": {"ja": "決済できませんでした", "en": "not accepted"},
    "payment_state.refund_refused": {"ja": "返金手続き中（担当者）", "en": "refund being handled by staff"},
}
