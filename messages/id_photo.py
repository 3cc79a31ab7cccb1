"""What the resident is told when an ID photo is refused: one message per reason code, with a tip."""

from __future__ import annotations

from messages import i18n

REASON_TEXTS: dict[str, dict[str, str]] = {
    "unreadable": {
        "ja": "画像を開けませんでした。カメラで撮った写真を、もう一度お送りください。",
        "en": "We could not open this image. Please send a photo taken with your camera again.",
    },
    "unsupported_format": {
        "ja": "この形式のファイルは受け付けていません。カメラで撮った写真（JPEG・PNG）をお送りください。"
        "スクリーンショットやPDF、動くGIFは使えません。",
        "en": "We cannot accept this type of file. Please send a photo (JPEG or PNG) taken with your camera; "
        "screenshots of documents, PDFs and animated images cannot be used.",
    },
    "too_large": {
        "ja": "画像のサイズが大きすぎます。カメラの標準の設定で撮り直すか、トークの通常画質で送ってください。",
        "en": "The image is too large. Please take the photo with the camera's standard settings, "
        "or send it at normal quality in the chat.",
    },
    "low_resolution": {
        "ja": "画像が小さく、文字を読み取れません。カードに近づいて、画面いっぱいに撮ってください。",
        "en": "The image is too small to read the card. Move closer so that the card fills most of the picture.",
    },
    "blurry": {
        "ja": "写真がぼやけています。カードにピントを合わせ、手を止めて撮ってください"
        "（画面のカードをタップするとピントが合います）。",
        "en": "The photo is blurry. Hold the phone still and tap the card on the screen to focus before taking it.",
    },
    "too_dark": {
        "ja": "写真が暗すぎます。明るい場所に移るか、照明をつけて撮り直してください。",
        "en": "The photo is too dark. Move to a brighter place or turn on a light, then take it again.",
    },
    "too_bright": {
        "ja": "写真が明るすぎて、カードが白く飛んでいます。直射日光を避け、少し暗い場所で撮ってください。",
        "en": "The photo is too bright and the card is washed out. Avoid direct sunlight and try a less bright spot.",
    },
    "glare": {
        "ja": "カードに光が反射しています。カードを少し傾けるか照明から離れ、フラッシュを切って撮ってください。",
        "en": "Light is reflecting on the card. Tilt it slightly or move away from the lamp, and turn off the flash.",
    },
    "no_card": {
        "ja": "写真の中に本人確認書類が見つかりませんでした。"
        "無地で暗めの机の上にカードを置き、カード全体を撮ってください。",
        "en": "We could not find an ID card in the photo. Place the card on a plain, darker surface "
        "and photograph the whole card.",
    },
    "card_cut_off": {
        "ja": "カードの一部が写っていません。四隅がすべて写るように、少し離れて撮ってください。",
        "en": "Part of the card is cut off. Step back a little so that all four corners are in the picture.",
    },
    "tilted": {
        "ja": "カードが大きく傾いています。カードをまっすぐ置き、真上から撮ってください。",
        "en": "The card is at a strong angle. Place it straight and take the photo from directly above.",
    },
    "card_too_small": {
        "ja": "カードが小さく写っています。カードに近づいて、画面いっぱいに写してください。",
        "en": "The card is too small in the photo. Move closer so that the card fills most of the picture.",
    },
}

GENERIC_TEXT: dict[str, str] = {
    "ja": "写真を確認できませんでした。お手数ですが、もう一度お送りください。",
    "en": "We could not check the photo. Please send it again.",
}
GENERIC = "generic"  # the key of GENERIC_TEXT: for a reason code without a message of its own

PHOTO_TIPS = i18n.table("id_photo_tip", REASON_TEXTS, {GENERIC: GENERIC_TEXT})


def reason_message(reason: str, language: str) -> str:
    """The message for a reason code in `language` ("ja" for unknown languages; a generic one for unknown codes)."""
    return i18n.t(PHOTO_TIPS, reason if reason in REASON_TEXTS else GENERIC, language)
