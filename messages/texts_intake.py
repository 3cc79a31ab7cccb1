"""Texts of the intake: questions, re-asks, the confirmation card, submission, reminders."""

from __future__ import annotations

INTAKE_TEXTS: dict[str, dict[str, str]] = {
    "intake_start": {
        "ja": "{procedure}の申請を始めます（手数料 1通 {fee}）。\n"
        "質問に1つずつお答えください。前の質問に戻るときは「戻る」、やめるときは「キャンセル」を送ってください。",
        "en": "Let's start your application for: {procedure} (fee {fee} per copy).\n"
        'Please answer the questions one at a time. Send "back" for the previous question '
        'or "cancel" to stop.',
    },
    "question_progress": {"ja": "【{n}/{total}】", "en": "[{n}/{total}] "},
    "current_answer": {"ja": "（現在の回答：{value}）", "en": "(Current answer: {value})"},
    "hint_date": {
        "ja": "例：1990年4月1日、平成2年4月1日、1990-04-01\n「カレンダーで選ぶ」からも入力できます。",
        "en": 'For example 1990-04-01 or 1 April 1990. You can also tap "Pick a date".',
    },
    "hint_phone": {"ja": "例：090-1234-5678", "en": "For example 090-1234-5678"},
    "hint_optional": {
        "ja": "省略する場合は「スキップ」を押してください。",
        "en": 'Tap "Skip" if you prefer not to answer.',
    },
    "label_calendar": {"ja": "カレンダーで選ぶ", "en": "Pick a date"},
    "back_first": {
        "ja": "これが最初の質問です。申請をやめる場合は「キャンセル」を押してください。",
        "en": 'This is the first question. Tap "Cancel" if you want to stop.',
    },
    "count_not_digit": {
        "ja": "通数は{min}〜{max}の数字で入力してください（例：2）。",
        "en": "Please type the number of copies as a digit from {min} to {max} (for example 2).",
    },
    "count_range": {
        "ja": "{min}〜{max}の範囲で入力してください。",
        "en": "Please choose a number from {min} to {max}.",
    },
    "date_format": {
        "ja": "日付を読み取れませんでした。1990年4月1日、平成2年4月1日、1990-04-01 のように入力してください。",
        "en": "I could not read that date. Please type it like 1990-04-01 or 1 April 1990.",
    },
    "date_invalid": {
        "ja": "{year}年{month}月{day}日という日付はありません。もう一度ご確認ください。",
        "en": "{year}-{month}-{day} is not a real calendar date. Please check it.",
    },
    "date_era": {
        "ja": "{era_ja}は{span_ja}です。年をご確認ください。",
        "en": "The {era_en} era runs {span_en}. Please check the year.",
    },
    "date_future": {
        "ja": "未来の日付は入力できません。生年月日をご確認ください。",
        "en": "That date is in the future. Please check your date of birth.",
    },
    "date_too_early": {
        "ja": "{earliest}年以降の日付を入力してください。",
        "en": "Please enter a date from {earliest} onwards.",
    },
    "text_empty": {
        "ja": "回答が空です。文字で入力してください。",
        "en": "The answer is empty. Please type it.",
    },
    "text_meaningless": {
        "ja": "文字または数字で入力してください（絵文字や記号だけの回答はお受けできません）。",
        "en": "Please answer with letters or numbers (emoji or symbols alone cannot be accepted).",
    },
    "text_too_long": {
        "ja": "{max}文字以内で入力してください（現在{length}文字です）。",
        "en": "Please keep it to {max} characters (yours has {length}).",
    },
    "kana_only": {
        "ja": "カタカナで入力してください（ひらがなでも受け付けます）。",
        "en": "Please type it in katakana (hiragana is fine too).",
    },
    "phone_invalid": {
        "ja": "電話番号を10桁または11桁の数字で入力してください（ハイフンは入れても構いません）。例：090-1234-5678",
        "en": "Please type a Japanese phone number of 10 or 11 digits, for example 090-1234-5678.",
    },
    "choice_unknown": {
        "ja": "下のボタンから選んでください（選択肢の番号でも入力できます）。",
        "en": "Please choose one of the buttons below (or type the option's number).",
    },
    "yesno_unknown": {"ja": "「はい」か「いいえ」でお答えください。", "en": 'Please answer "Yes" or "No".'},
    "not_skippable": {"ja": "この質問は省略できません。", "en": "This question cannot be skipped."},
    "edit_prompt": {
        "ja": "修正する項目を選んでください。\n{lines}",
        "en": "Which answer would you like to change?\n{lines}",
    },
    "edit_only_on_card": {
        "ja": "回答の修正は、最後の確認画面から行えます。前の質問に戻るには「戻る」を押してください。",
        "en": 'You can change answers on the confirmation card at the end. Tap "Back" for the previous question.',
    },
    "label_to_card": {"ja": "確認画面に戻る", "en": "Back to summary"},
    "card_subtitle": {"ja": "申請内容の確認", "en": "Please check your application"},
    "card_fee_label": {"ja": "手数料", "en": "Fee"},
    "fee_line": {"ja": "{fee} × {copies}通 = {total}", "en": "{fee} × {copies} copies = {total}"},
    "fee_line_one": {"ja": "{fee} × 1通 = {total}", "en": "{fee} × 1 copy = {total}"},
    "card_note": {
        "ja": "内容をご確認のうえ「申請する」を押してください。お支払い方法は本人確認の後にご案内します。",
        "en": 'Please check the details and tap "Submit". We will explain how to pay after checking your ID.',
    },
    "card_alt": {
        "ja": "申請内容の確認：{procedure} {fee}",
        "en": "Please check your application: {procedure} {fee}",
    },
    "card_use_buttons": {
        "ja": "確認画面の「申請する」「修正する」「キャンセル」からお選びください。",
        "en": 'Please choose "Submit", "Edit" or "Cancel" on the confirmation card.',
    },
    "label_submit": {"ja": "申請する", "en": "Submit"},
    "label_edit": {"ja": "修正する", "en": "Edit"},
    "submitted_id_photo": {
        "ja": "申請を受け付けました。ありがとうございます。\n受付番号：{id}",
        "en": "Thank you, your application has been received.\nApplication number: {id}",
    },
    "submitted_jpki": {
        "ja": "申請を受け付けました。ありがとうございます。\n受付番号：{id}\n"
        "次に、マイナンバーカードによる電子署名（公的個人認証）をご案内します。",
        "en": "Thank you, your application has been received.\nApplication number: {id}\n"
        "Next, we will ask you to sign with your My Number card (JPKI).",
    },
    "cancel_confirm": {
        "ja": "入力中の{procedure}の申請をやめますか？入力した内容は破棄されます。",
        "en": "Stop your application for: {procedure}? Your answers will be discarded.",
    },
    "cancel_done": {
        "ja": "申請をやめました。入力内容は破棄しました。",
        "en": "The application has been stopped and your answers discarded.",
    },
    "cancel_kept": {"ja": "申請を続けます。", "en": "Let's continue your application."},
    "switch_confirm": {
        "ja": "{current}の申請を入力中です。入力内容を破棄して、{new}の申請を始めますか？",
        "en": "You are in the middle of an application for: {current}. Discard it and start an application for: {new}?",
    },
    "same_procedure": {
        "ja": "{procedure}の申請はすでに入力中です。続きからお答えください。",
        "en": "Your application for {procedure} is already in progress. Let's continue.",
    },
    "reminder": {
        "ja": "{procedure}の申請が入力の途中です。続きの質問にお答えください。"
        "このまま{hours}時間操作がない場合、入力内容は破棄されます。",
        "en": "Your application for {procedure} is not finished yet. Please answer the next question. "
        "If there is no reply within {hours} hours, your answers will be discarded.",
    },
    "expired": {
        "ja": "{procedure}の申請は、しばらく操作がなかったため入力内容を破棄しました。"
        "改めて申請する場合は、メニューからお選びください。",
        "en": "Your unfinished application for {procedure} was discarded because there was no reply "
        "for a while. You can start again from the menu.",
    },
    "yes": {"ja": "はい", "en": "Yes"},
    "no": {"ja": "いいえ", "en": "No"},
    "skipped": {"ja": "（未入力）", "en": "(not given)"},
    "delivery_label": {"ja": "受け取り方法", "en": "Delivery"},
    "delivery_prompt": {"ja": "受け取り方法を選んでください。", "en": "How would you like to receive it?"},
    "delivery.mail": {"ja": "郵送", "en": "By mail"},
    "delivery.digital": {"ja": "電子交付（PDF）", "en": "Digital (PDF)"},
}
