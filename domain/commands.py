"""Words a resident can type at any point, in Japanese or English."""

from __future__ import annotations

from enum import StrEnum

from domain.parsing import normalize_command


class Command(StrEnum):
    MENU = "menu"
    STATUS = "status"
    CANCEL = "cancel"
    HELP = "help"
    BACK = "back"
    EDIT = "edit"
    CONTINUE = "continue"
    ENGLISH = "en"
    JAPANESE = "ja"


_WORDS: dict[Command, tuple[str, ...]] = {
    Command.MENU: ("menu", "メニュー", "めにゅー", "main menu", "トップ"),
    Command.STATUS: ("status", "状況", "申請状況", "じょうきょう", "ステータス", "my applications"),
    Command.CANCEL: ("cancel", "キャンセル", "やめる", "止める", "中止", "取り消し", "取消", "stop", "quit"),
    Command.HELP: ("help", "ヘルプ", "へるぷ", "使い方", "?", "help me"),
    Command.BACK: ("back", "戻る", "もどる", "前に戻る", "go back", "previous"),
    Command.EDIT: ("edit", "修正", "修正する", "訂正", "変更", "change"),
    Command.CONTINUE: ("continue", "続ける", "つづける", "再開", "resume"),
    Command.ENGLISH: ("english", "英語", "えいご", "in english"),
    Command.JAPANESE: ("日本語", "japanese", "にほんご", "nihongo"),
}
_BY_WORD = {word: command for command, words in _WORDS.items() for word in words}

SUBMIT_WORDS = frozenset({"submit", "send", "申請する", "申請", "送信", "送信する", "この内容で申請する"})
SKIP_WORDS = frozenset({"skip", "スキップ", "すきっぷ", "省略"})
YES_WORDS = frozenset({"はい", "yes", "y", "ok", "必要", "要", "お願いします", "する", "あり", "要る"})
NO_WORDS = frozenset({"いいえ", "no", "n", "不要", "いらない", "しない", "なし", "不要です", "いりません"})


def _key(text: str) -> str:
    return normalize_command(text).rstrip("。.!！ ")


def match_command(text: str) -> Command | None:
    return _BY_WORD.get(_key(text))


def command_from_code(code: str) -> Command | None:
    try:
        return Command(code)
    except ValueError:
        return None


def is_submit(text: str) -> bool:
    return _key(text) in SUBMIT_WORDS


def is_skip(text: str) -> bool:
    return _key(text) in SKIP_WORDS


def yes_no(text: str) -> bool | None:
    """True for yes, False for no, None for anything else."""
    key = _key(text)
    if key in YES_WORDS:
        return True
    if key in NO_WORDS:
        return False
    return None
