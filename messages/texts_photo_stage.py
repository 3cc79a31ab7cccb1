"""Resident-facing texts of the ID photo stage (the reason-by-reason tips are in messages.id_photo)."""

from __future__ import annotations

PHOTO_STAGE_TEXTS: dict[str, dict[str, str]] = {
    "id_photo_request": {
        "ja": "ご本人確認のため、本人確認書類（運転免許証、在留カードなど）の写真を送ってください。\n"
        "・書類の全体が枠内に収まるように\n・平らな場所に置いて、真上から\n・光の反射（テカリ）がないように\n"
        "下の「カメラ」または「写真を選ぶ」からお送りください。",
        "en": "To confirm your identity, please send a photo of your ID (driving licence, residence card, etc.).\n"
        "- the whole card inside the frame\n- lying flat, taken from straight above\n- no glare on the card\n"
        'Use "Camera" or "Choose photo" below.',
    },
    "id_photo_request_again": {
        "ja": "本人確認書類の写真をもう一度送ってください（{attempt}回目／{max}回）。",
        "en": "Please send a photo of your ID again (attempt {attempt} of {max}).",
    },
    "label_camera": {"ja": "カメラ", "en": "Camera"},
    "label_camera_roll": {"ja": "写真を選ぶ", "en": "Choose photo"},
    "id_photo_accepted": {
        "ja": "本人確認書類の写真を受け付けました。ありがとうございます。\n"
        "職員が申請内容を確認します（受付番号：{id}）。結果はこのトークでお知らせします。",
        "en": "Thank you, we have received the photo of your ID.\n"
        "A clerk will now review your application (No. {id}). We will tell you the result in this chat.",
    },
    "id_photo_not_usable": {
        "ja": "申し訳ありません。この写真では確認できませんでした。",
        "en": "Sorry, we could not use this photo.",
    },
    "id_photo_handed_over": {
        "ja": "写真をお送りいただきありがとうございます。自動確認では読み取れませんでしたが、"
        "いただいた写真のうち最も鮮明なものを職員が直接確認します（受付番号：{id}）。"
        "必要な場合は、改めてご連絡します。",
        "en": "Thank you for the photos. Our automatic check could not read them, so a clerk will look at the "
        "clearest one in person (application No. {id}). We will contact you here if anything else is needed.",
    },
    "id_photo_gone": {
        "ja": "申し訳ありません。写真を受け取れませんでした。お手数ですが、もう一度送ってください。",
        "en": "Sorry, the photo did not reach us. Please send it again.",
    },
    "id_photo_check_failed": {
        "ja": "申し訳ありません。ただいま写真を確認できません。しばらくしてからもう一度送ってください。",
        "en": "Sorry, we cannot check photos right now. Please send the photo again a little later.",
    },
    "id_photo_already_received": {
        "ja": "本人確認書類の写真はすでに受け付けています（受付番号：{id}）。職員の確認をお待ちください。",
        "en": "We already have the photo of your ID (application No. {id}). Please wait for the clerk's review.",
    },
    "id_photo_not_active": {
        "ja": "この申請（受付番号：{id}）は現在写真を受け付けていません。",
        "en": "This application (No. {id}) is no longer accepting photos.",
    },
    "id_photo_reminder": {
        "ja": "申請（受付番号：{id}）の本人確認書類の写真がまだ届いていません。"
        "{days}日以内にお送りいただけない場合、申請は取り消しになります。",
        "en": "We have not yet received the photo of your ID for application No. {id}. "
        "If it does not arrive within {days} days, the application will be cancelled.",
    },
    "id_photo_expired": {
        "ja": "本人確認書類の写真が期限までに届かなかったため、申請（受付番号：{id}）を取り消しました。"
        "もう一度申請する場合は、メニューからお手続きください。",
        "en": "Application No. {id} has been cancelled because no photo of your ID arrived in time. "
        "To apply again, please start from the menu.",
    },
    "status.AwaitingReview": {"ja": "職員が確認しています", "en": "Under review by a clerk"},
    "status.Expired": {
        "ja": "期限切れのため取り消しました",
        "en": "Cancelled (no ID photo in time)",
    },
}
