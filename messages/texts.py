"""What the resident reads in the LINE chat, in Japanese and English: the RESIDENT text table (the general texts
here, the stages' in messages/texts_*.py) and `t(key, language, **params)` over it (messages.i18n)."""

from __future__ import annotations

from messages import i18n
from messages.texts_certificate import CERTIFICATE_TEXTS
from messages.texts_intake import INTAKE_TEXTS
from messages.texts_payment import PAYMENT_TEXTS
from messages.texts_photo_stage import PHOTO_STAGE_TEXTS
from messages.texts_review import REVIEW_TEXTS

GENERAL_TEXTS: dict[str, dict[str, str]] = {
    "greeting": {
        "ja": "友だち追加ありがとうございます。市川市LINE窓口です。\n"
        "住民票の写しなどの証明書を、このトークから申請できます。",
        "en": "Thank you for adding us. This is the Ichikawa City LINE service counter.\n"
        "You can apply for certificates such as a certificate of residence right here in this chat.",
    },
    "greeting_named": {
        "ja": "{name}さん、友だち追加ありがとうございます。市川市LINE窓口です。\n"
        "住民票の写しなどの証明書を、このトークから申請できます。",
        "en": "Hello {name}, thank you for adding us. This is the Ichikawa City LINE service counter.\n"
        "You can apply for certificates such as a certificate of residence right here in this chat.",
    },
    "menu_title": {"ja": "お手続きメニュー", "en": "Services"},
    "menu_intro": {
        "ja": "申請する証明書を選んでください。",
        "en": "Please choose the document you would like to apply for.",
    },
    "menu_alt": {
        "ja": "お手続きメニュー：申請する証明書を選んでください。",
        "en": "Services: please choose the document you would like to apply for.",
    },
    "menu_item_detail": {
        "ja": "{description}\n手数料：1通 {fee}",
        "en": "{description}\nFee: {fee} per copy",
    },
    "menu_in_intake": {
        "ja": "現在、{procedure}の申請を入力中です。続けるには「続ける」を、やめるには「キャンセル」を押してください。",
        "en": 'You are in the middle of an application for: {procedure}. Tap "Continue" to go on, or "Cancel" to stop.',
    },
    "not_understood": {
        "ja": "申し訳ありません。内容を読み取れませんでした。メニューからお選びください。",
        "en": "Sorry, I did not understand that. Please choose from the menu.",
    },
    "unsupported": {
        "ja": "申し訳ありません。スタンプや画像、位置情報などにはお答えできません。文字またはボタンでお答えください。",
        "en": "Sorry, I cannot read stickers, pictures, locations or files here. "
        "Please reply with text or the buttons.",
    },
    "image_not_expected": {
        "ja": "申し訳ありません。現在、画像は受け付けていません。本人確認書類の写真は、申請の後にご案内します。",
        "en": "Sorry, I am not expecting a picture right now. "
        "We will ask for a photo of your ID after you submit an application.",
    },
    "stale_button": {
        "ja": "このボタンは現在ご利用いただけません。現在の手続きを表示します。",
        "en": "That button is no longer valid. Here is where you are now.",
    },
    "procedure_unavailable": {
        "ja": "申し訳ありません。このお手続きは現在受け付けていません。",
        "en": "Sorry, this service is not available at the moment.",
    },
    "language_switched": {"ja": "日本語でご案内します。", "en": "I will continue in English."},
    "back_nothing": {
        "ja": "戻る操作はできません。メニューからお選びください。",
        "en": "There is nothing to go back to. Please choose from the menu.",
    },
    "nothing_to_cancel": {
        "ja": "取り消しできる申請はありません。",
        "en": "There is no application that can be cancelled.",
    },
    "help": {
        "ja": "【使い方】\n"
        "・メニューから証明書を選ぶと、必要な質問を1つずつお聞きします。\n"
        "・次の言葉はいつでも送れます。\n"
        "「メニュー」お手続きの一覧\n「状況」申請の状況\n「戻る」前の質問に戻る\n"
        "「修正」確認画面で回答を直す\n「キャンセル」申請をやめる・取り下げる\n"
        "「English」英語に切り替え\n"
        "・マイナンバー（個人番号）をお聞きすることはありません。",
        "en": "How to use this service:\n"
        "- Choose a document from the menu and I will ask the questions one at a time.\n"
        "- You can send these words at any time:\n"
        '"menu" list of services\n"status" your applications\n"back" previous question\n'
        '"edit" change an answer on the confirmation card\n"cancel" stop or withdraw an application\n'
        '"日本語" switch to Japanese\n'
        "- We never ask for your My Number (Individual Number).",
    },
    "status_none": {"ja": "現在、申請はありません。", "en": "You have no applications."},
    "status_header": {"ja": "お申し込みの状況", "en": "Your applications"},
    "status_item": {
        "ja": "{n}. {procedure}\n受付番号：{id}\n申請日：{date}\n状況：{status}",
        "en": "{n}. {procedure}\nApplication number: {id}\nSubmitted: {date}\nStatus: {status}",
    },
    "status_more": {"ja": "ほか{count}件", "en": "and {count} more"},
    "status.AwaitingIdPhoto": {
        "ja": "本人確認書類の写真をお待ちしています",
        "en": "Waiting for a photo of your ID",
    },
    "status.Withdrawn": {"ja": "取り下げ済み", "en": "Withdrawn"},
    "status.NotStarted": {
        "ja": "受付できませんでした。お手数ですがもう一度申請してください",
        "en": "Could not be accepted; please apply again",
    },
    "status.other": {"ja": "手続き中です", "en": "In progress"},
    "withdraw_choose": {
        "ja": "取り下げる申請を選んでください。\n{lines}",
        "en": "Which application would you like to withdraw?\n{lines}",
    },
    "withdraw_confirm": {
        "ja": "次の申請を取り下げますか？\n{application}\n取り下げた申請は元に戻せません。",
        "en": "Withdraw this application?\n{application}\nThis cannot be undone.",
    },
    "withdraw_line": {
        "ja": "{procedure}（受付番号 {id}、{date}申請）",
        "en": "{procedure} (No. {id}, {date})",
    },
    "withdraw_done": {
        "ja": "申請（受付番号 {id}）の取り下げを受け付けました。",
        "en": "Your application (No. {id}) is being withdrawn.",
    },
    "withdraw_kept": {
        "ja": "取り下げを中止しました。申請はこのまま進めます。",
        "en": "The application was not withdrawn and will go ahead.",
    },
    "withdraw_unavailable": {
        "ja": "この申請は現在取り下げできません（状況：{status}）。",
        "en": "This application cannot be withdrawn now (status: {status}).",
    },
    "label_menu": {"ja": "メニュー", "en": "Menu"},
    "label_status": {"ja": "申請状況", "en": "Status"},
    "label_help": {"ja": "ヘルプ", "en": "Help"},
    "label_continue": {"ja": "続ける", "en": "Continue"},
    "label_back": {"ja": "戻る", "en": "Back"},
    "label_cancel": {"ja": "キャンセル", "en": "Cancel"},
    "label_skip": {"ja": "スキップ", "en": "Skip"},
    "label_yes": {"ja": "はい", "en": "Yes"},
    "label_no": {"ja": "いいえ", "en": "No"},
    "label_other_language": {"ja": "English", "en": "日本語"},
}

RESIDENT = i18n.table(
    "resident", GENERAL_TEXTS, INTAKE_TEXTS, PHOTO_STAGE_TEXTS, REVIEW_TEXTS, PAYMENT_TEXTS, CERTIFICATE_TEXTS
)


def t(key: str, language: str, **params: object) -> str:
    """The resident text `key` in `language`, `params` filled in (messages.i18n.t over RESIDENT)."""
    return i18n.t(RESIDENT, key, language, **params)


def yen(amount: int, language: str) -> str:
    return f"¥{amount:,}" if language == "en" else f"{amount:,}円"
