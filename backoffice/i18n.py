"""The back office's texts in Japanese (the default) and English, and the language of a request.

CLERK is the back office's text table (messages.i18n): the layout, sign-in and error texts here, the review
pages' in backoffice/i18n_clerk.py. Templates get `t` bound to the request's language: ``{{ t("sign_in.title") }}``;
placeholders use ``str.format`` names: ``{{ t("layout.signed_in_as", name=..., role=...) }}``.
"""

from __future__ import annotations

from typing import Final

from starlette.requests import Request

from backoffice.i18n_clerk import REVIEW_PAGE_TEXTS
from messages import i18n
from messages.i18n import DEFAULT_LANGUAGE, Language, parse_language

# The language chosen with ?lang=… is kept in this cookie (set by the back office middleware).
LANG_COOKIE: Final = "mdg_lang"
LANG_QUERY: Final = "lang"

LAYOUT_TEXTS: Final[dict[str, dict[str, str]]] = {
    # Layout
    "service.name": {"ja": "市川市 LINE窓口 バックオフィス", "en": "Ichikawa LINE counter — back office"},
    "layout.skip_link": {"ja": "本文へ移動", "en": "Skip to main content"},
    "layout.nav_label": {"ja": "メインメニュー", "en": "Main menu"},
    "layout.account_label": {"ja": "ログイン中の職員", "en": "Signed-in staff"},
    "layout.signed_in_as": {"ja": "{name}（{role}）", "en": "{name} ({role})"},
    "layout.sign_out": {"ja": "ログアウト", "en": "Sign out"},
    "layout.footer": {"ja": "市川市 ― 職員専用", "en": "Ichikawa City — staff only"},
    # The switch link shows the OTHER language in its own language.
    "lang.switch_name": {"ja": "English", "en": "日本語"},
    "role.clerk": {"ja": "担当職員", "en": "Clerk"},
    "role.supervisor": {"ja": "責任者", "en": "Supervisor"},
    # Sign-in
    "sign_in.title": {"ja": "ログイン", "en": "Sign in"},
    "sign_in.intro": {
        "ja": "職員用のログインIDとパスワードを入力してください。",
        "en": "Enter your staff login ID and password.",
    },
    "sign_in.login_label": {"ja": "ログインID", "en": "Login ID"},
    "sign_in.password_label": {"ja": "パスワード", "en": "Password"},
    "sign_in.required": {"ja": "必須", "en": "Required"},
    "sign_in.submit": {"ja": "ログイン", "en": "Sign in"},
    "sign_in.error.invalid": {
        "ja": "ログインIDまたはパスワードが違います。",
        "en": "Login ID or password is wrong.",
    },
    "sign_in.error.locked": {
        "ja": "このログインIDでのログインに続けて失敗したため、一時的にロックしています。"
        "{minutes}分ほどたってから、もう一度お試しください。"
        "以前にこのIDでログインしたブラウザーからは、今すぐログインできます。",
        "en": "This login ID is locked for a while after too many failed sign-ins. "
        "Try again in about {minutes} minutes. A browser you signed in with before can sign in now.",
    },
    "sign_in.error.address_limited": {
        "ja": "このネットワークからのログインの試行が多すぎます。{minutes}分ほどたってから、もう一度お試しください。",
        "en": "Too many sign-in attempts from your network. Try again in about {minutes} minutes.",
    },
    "sign_in.error.busy": {
        "ja": "ただいまログインが混み合っています。少したってから、もう一度お試しください。",
        "en": "Sign-in is busy right now. Try again in a moment.",
    },
    "sign_in.error.login_required": {"ja": "ログインIDを入力してください。", "en": "Enter your login ID."},
    "sign_in.error.password_required": {"ja": "パスワードを入力してください。", "en": "Enter your password."},
    "sign_in.error.summary": {"ja": "入力内容を確認してください。", "en": "Check what you entered."},
    "sign_in.signed_out": {"ja": "ログアウトしました。", "en": "You have signed out."},
    # Errors
    "error.title": {"ja": "エラー", "en": "Error"},
    "error.csrf": {
        "ja": "フォームの有効期限が切れたか、このサイト以外から送信されました。"
        "ページを再読み込みして、もう一度お試しください。",
        "en": "This form has expired or was not sent from this site. Reload the page and try again.",
    },
    "error.forbidden": {
        "ja": "この操作を行う権限がありません。",
        "en": "You do not have permission to do this.",
    },
    "error.back_home": {"ja": "ホームへ戻る", "en": "Back to home"},
    "error.back_sign_in": {"ja": "ログイン画面へ", "en": "Go to the sign-in page"},
}

CLERK = i18n.table("clerk", LAYOUT_TEXTS, REVIEW_PAGE_TEXTS)


def t(key: str, lang: str = DEFAULT_LANGUAGE, **values: object) -> str:
    """The back office text `key` in `lang`, `values` filled in (messages.i18n.t over CLERK)."""
    return i18n.t(CLERK, key, lang, **values)


def language(request: Request) -> Language:
    """The request's UI language: ``?lang=ja|en`` if given, else the language cookie, else Japanese.

    Usable as a FastAPI dependency (``lang: str = Depends(language)``) or called directly.
    """
    return (
        parse_language(request.query_params.get(LANG_QUERY))
        or parse_language(request.cookies.get(LANG_COOKIE))
        or DEFAULT_LANGUAGE
    )
