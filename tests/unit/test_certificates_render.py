"""Certificates: the content built from the registry (answers only select), era dates, and the drawn pages."""

from __future__ import annotations

import base64
import dataclasses
import io
import json
from collections.abc import Iterator
from datetime import date
from pathlib import Path

import numpy as np
import pytest
import segno
from PIL import Image

from certificates import fonts
from certificates.era import fiscal_year_label, gregorian, wareki, wareki_and_gregorian, year_label
from certificates.model import CertificateData, CertificateUnavailable, Member, build_certificate
from certificates.render import (
    DPI,
    PAGE_SIZE,
    QR_MODULE,
    QR_QUIET,
    build_pdf,
    qr_box,
    render_pages,
    render_pdf,
    render_preview_png,
    seal_box,
)
from certificates.signing import SigningKeys, canonical_json, read_pdf
from config.settings import get_settings
from registry.seed import seed_demo
from registry.sql import SqlRegistry

ICHIRO, KEIKO, TARO = "P9000001", "P9000002", "P9000003"
KENICHI, HANAKO, HINA, ALEX = "P9000004", "P9000005", "P9000006", "P9000007"
CERT_ID = "AbCdEfGhIjKlMnOpQrStUv"
URL = f"http://127.0.0.1:8000/verify/{CERT_ID}"
ISSUED = date(2026, 11, 27)
KEYRING = SigningKeys.parse("test-1:" + base64.b64encode(bytes([1]) * 32).decode())
WHOLE = {"scope": "whole", "include_head_relationship": "yes", "include_domicile": "yes"}


@pytest.fixture(scope="module")
def registry(tmp_path_factory: pytest.TempPathFactory) -> Iterator[SqlRegistry]:
    store = SqlRegistry.from_url(f"sqlite:///{tmp_path_factory.mktemp('registry') / 'registry.sqlite'}")
    seed_demo(store.engine)
    yield store
    store.close()


def build(registry: SqlRegistry, code: str, answers: dict[str, str], person: str = ICHIRO) -> CertificateData:
    return build_certificate(code, answers, registry, person, "2026-000123", CERT_ID, ISSUED)


@pytest.fixture(scope="module")
def juminhyo(registry: SqlRegistry) -> CertificateData:
    return build(registry, "juminhyo", WHOLE)


@pytest.fixture(scope="module")
def preview(juminhyo: CertificateData) -> Image.Image:
    return Image.open(io.BytesIO(render_preview_png(juminhyo, verify_url=URL))).convert("RGB")


# -- era -----------------------------------------------------------------------------------------------------


def test_era_dates() -> None:
    assert wareki(date(2026, 11, 27)) == "令和8年11月27日"
    assert wareki(date(2019, 5, 1)) == "令和元年5月1日"
    assert wareki(date(2019, 4, 30)) == "平成31年4月30日"
    assert wareki(date(1989, 1, 7)) == "昭和64年1月7日"
    assert wareki(date(1989, 1, 8)) == "平成元年1月8日"
    assert wareki(date(1970, 5, 20)) == "昭和45年5月20日"
    assert gregorian(date(2026, 11, 27)) == "2026年11月27日"
    assert wareki_and_gregorian(date(2026, 11, 27)) == "令和8年11月27日（2026年11月27日）"
    assert (year_label(2025), fiscal_year_label(2026), fiscal_year_label(2019)) == (
        "令和7年",
        "令和8年度",
        "令和元年度",
    )
    with pytest.raises(ValueError):
        wareki(date(1850, 1, 1))


# -- content ---------------------------------------------------------------------------------------------


def test_personal_data_comes_from_the_registry_not_the_typed_answers(registry: SqlRegistry) -> None:
    typed = {
        **WHOLE,
        "name_kanji": "市川 一朗",  # mistyped
        "name_kana": "イチカワ イチロー",
        "birth_date": "1970-05-21",
        "address": "市川市八幡1-1-1 偽マンション101",
    }
    data = build(registry, "juminhyo", typed)
    assert (data.holder_name, data.holder_birth_date) == ("市川 一郎", date(1970, 5, 20))
    assert [m.name for m in data.members] == ["市川 一郎", "市川 恵子", "市川 太郎"]
    assert data.fields[0].label == "住所" and data.fields[0].value == "千葉県市川市八幡1丁目1番1号"
    text = canonical_json(data.to_payload())
    for typed_value in ("一朗", "イチロー", "1970-05-21", "偽マンション"):
        assert typed_value not in text
    assert data.title == "住民票の写し" and data.issued_label == "令和8年11月27日（2026年11月27日）"
    assert data.certification == "この写しは、住民票の原本と相違ないことを証明する。"
    assert data.city == "市川市" and data.mayor.startswith("市川市長")


def test_only_the_members_chosen_are_listed(registry: SqlRegistry) -> None:
    some = {"scope": "some", "include_head_relationship": "no", "include_domicile": "no"}
    assert [m.name for m in build(registry, "juminhyo", {**some, "members": "太郎"}).members] == ["市川 太郎"]
    both = build(registry, "juminhyo", {**some, "members": "いちかわ けいこ、本人"})
    assert [m.name for m in both.members] == ["市川 一郎", "市川 恵子"]
    by_full_name = build(registry, "juminhyo", {**some, "members": "市川　太郎, 市川 恵子"}, person=TARO)
    assert [m.name for m in by_full_name.members] == ["市川 恵子", "市川 太郎"]
    assert by_full_name.holder_name == "市川 太郎"
    with pytest.raises(CertificateUnavailable) as caught:
        build(registry, "juminhyo", {**some, "members": "太郎、山田 花子"})  # not of this household
    assert caught.value.reason == "members_unmatched"
    assert "山田" not in str(caught.value), "no personal data in the error"


def test_head_relationship_and_domicile_only_when_chosen(registry: SqlRegistry) -> None:
    plain = build(registry, "juminhyo", {"scope": "whole", "include_head_relationship": "no", "include_domicile": "no"})
    assert [f.label for f in plain.fields] == ["住所"]
    labels = {e.label for m in plain.members for e in m.entries()}
    assert labels.isdisjoint({"続柄", "本籍", "筆頭者"})
    assert all(m.relationship is None and m.domicile is None and m.domicile_head is None for m in plain.members)

    full = build(registry, "juminhyo", WHOLE)
    assert [(f.label, f.value) for f in full.fields] == [
        ("住所", "千葉県市川市八幡1丁目1番1号"),
        ("世帯主", "市川 一郎"),
    ]
    assert [m.relationship for m in full.members] == ["世帯主", "妻", "子"]
    assert {m.domicile for m in full.members} == {"千葉県市川市八幡一丁目1番地"}
    assert {e.label for e in full.members[0].entries()} >= {"続柄", "本籍", "筆頭者", "住民となった年月日"}

    head_only = build(registry, "juminhyo", {"scope": "whole", "include_head_relationship": "yes"})
    assert head_only.members[0].relationship == "世帯主" and head_only.members[0].domicile is None

    foreign = build(registry, "juminhyo", WHOLE, person=ALEX)
    assert foreign.members[0].nationality == "アメリカ合衆国" and foreign.members[0].domicile is None


def test_my_number_is_never_in_a_certificate(registry: SqlRegistry) -> None:
    numbers = [registry.get_my_number(p) for p in (ICHIRO, KEIKO, TARO, KENICHI, HANAKO, HINA)]
    assert all(numbers)
    certificates = [
        build(registry, "juminhyo", WHOLE),
        build(registry, "juminhyo", WHOLE, person=HANAKO),
        build(registry, "inkan", {}, person=HANAKO),
        build(registry, "shotoku", {"fiscal_year": "2025"}, person=HANAKO),
    ]
    for data in certificates:
        text = canonical_json(data.to_payload())
        assert not any(n and n in text for n in numbers)
        assert "個人番号" not in text and "マイナンバー" not in text


def test_seal_and_income_certificates(registry: SqlRegistry) -> None:
    inkan = build(registry, "inkan", {"registration_number": "99999999"}, person=HANAKO)
    assert inkan.seal_impression == "山田" and inkan.title == "印鑑登録証明書"
    values = {e.label: e.value for e in inkan.fields}
    assert values["氏名"] == "山田 花子" and values["登録番号"] != "99999999"
    with pytest.raises(CertificateUnavailable, match="no_seal_registration"):
        build(registry, "inkan", {}, person=KEIKO)

    shotoku = build(registry, "shotoku", {"fiscal_year": "2025"}, person=HANAKO)
    values = {e.label: e.value for e in shotoku.fields}
    assert values["総所得金額"] == "3,800,000円" and values["年度"].startswith("令和7年度（令和6年中")
    with pytest.raises(CertificateUnavailable, match="no_tax_record"):
        build(registry, "shotoku", {"fiscal_year": "2026"}, person=HANAKO)
    with pytest.raises(CertificateUnavailable, match="unsupported_procedure"):
        build(registry, "tenshutsu", {})
    with pytest.raises(CertificateUnavailable, match="person_unknown"):
        build(registry, "juminhyo", WHOLE, person="P0000000")


def test_payload_round_trip(registry: SqlRegistry, juminhyo: CertificateData) -> None:
    for data in (juminhyo, build(registry, "inkan", {}, person=HANAKO)):
        assert CertificateData.from_payload(json.loads(canonical_json(data.to_payload()))) == data


# -- drawing ---------------------------------------------------------------------------------------------


def red_pixels(image: Image.Image, box: tuple[int, int, int, int]) -> int:
    pixels = np.asarray(image.crop(box)).astype(int)
    red = (pixels[..., 0] > 150) & (pixels[..., 1] < 100) & (pixels[..., 2] < 100)
    return int(red.sum())


def test_preview_is_a4_at_200_dpi(preview: Image.Image, juminhyo: CertificateData) -> None:
    assert preview.size == PAGE_SIZE == (1654, 2339)
    assert preview.width / (210 / 25.4) >= 200 and abs(preview.height / preview.width - 297 / 210) < 0.002
    info = Image.open(io.BytesIO(render_preview_png(juminhyo, verify_url=URL))).info
    assert round(info["dpi"][0]) == DPI


def test_the_official_seal_is_red_in_the_lower_right(preview: Image.Image) -> None:
    w, h = preview.size
    assert red_pixels(preview, (w // 2, h // 2, w, h)) > 2000
    assert red_pixels(preview, seal_box(URL)) > 2000
    assert red_pixels(preview, (0, 0, w // 2, h // 2)) == 0


def test_the_qr_code_encodes_the_verification_url(preview: Image.Image) -> None:
    left, top, right, bottom = qr_box(URL)
    assert left < preview.width / 2 and top > preview.height * 0.8, "lower left"
    matrix = segno.make(URL, error="m", boost_error=False).matrix
    grey = np.asarray(preview.convert("L"))
    start = QR_QUIET * QR_MODULE + QR_MODULE // 2
    for r, row in enumerate(matrix):
        for c, dark in enumerate(row):
            value = grey[top + start + r * QR_MODULE, left + start + c * QR_MODULE]
            assert (value < 128) == bool(dark), (r, c)
    quiet = grey[top : top + QR_QUIET * QR_MODULE - 1, left:right]
    assert quiet.min() > 240, "white quiet zone, no copy pattern over it"
    assert (right - left) == (bottom - top)


def test_the_anti_copy_pattern_is_faint_and_everywhere(preview: Image.Image) -> None:
    pixels = np.asarray(preview).astype(int)
    body = pixels[1000:1400, 100:1550]
    pattern = (body[..., 2] > 225) & (body[..., 0] < 235) & (body[..., 0] > 200)  # pale blue-grey
    assert pattern.mean() > 0.02


def test_a_long_household_takes_more_pages(juminhyo: CertificateData) -> None:
    assert len(render_pages(juminhyo, verify_url=URL)) == 1
    extra = Member(
        "市川 次郎", "イチカワ ジロウ", date(2003, 4, 5), "男", date(2003, 4, 5), "子", "千葉県市川市", "市川 一郎"
    )
    long = dataclasses.replace(juminhyo, members=juminhyo.members + (extra,) * 9)
    pages = render_pages(long, verify_url=URL)
    assert len(pages) >= 2
    assert all(p.size == PAGE_SIZE for p in pages)
    box = seal_box(URL)
    assert red_pixels(pages[-1], box) > 2000, "the seal on the last page"
    assert red_pixels(pages[0], box) == 0, "not on the first"
    longer = dataclasses.replace(juminhyo, members=juminhyo.members + (extra,) * 20)
    assert len(render_pages(longer, verify_url=URL)) > len(pages)


def test_pdf_embeds_the_signed_payload(juminhyo: CertificateData) -> None:
    pdf = render_pdf(juminhyo, verify_url=URL, keyring=KEYRING)
    assert pdf.startswith(b"%PDF-1.7") and pdf.rstrip().endswith(b"%%EOF")
    assert pdf.count(b"/Type /Page ") == 1 and b"/MediaBox [0 0 595.28 841.89]" in pdf
    entries = read_pdf(pdf)
    assert entries is not None
    signed = KEYRING.sign(juminhyo)
    assert entries["key_id"] == "test-1" and entries["signature"] == signed.signature_b64
    assert entries["verify_url"] == URL
    assert base64.b64decode(entries["payload"]).decode() == signed.payload
    assert render_pdf(juminhyo, verify_url=URL, keyring=KEYRING) == pdf, "deterministic"
    draft = render_pdf(juminhyo, verify_url=URL)
    assert draft.startswith(b"%PDF-") and b"/MadoguchiPayload" not in draft


def test_multi_page_pdf(juminhyo: CertificateData) -> None:
    extra = juminhyo.members[0]
    long = dataclasses.replace(juminhyo, members=(extra,) * 12)
    pages = render_pages(long, verify_url=URL)
    pdf = build_pdf(pages, long, verify_url=URL, keyring=KEYRING)
    assert pdf.count(b"/Type /Page ") == len(pages) >= 2
    assert f"/Count {len(pages)}".encode() in pdf


def test_a_missing_font_says_how_to_install_it(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    fonts.font_path.cache_clear()
    fonts.font.cache_clear()
    try:
        monkeypatch.setenv(fonts.FONT_ENV, str(tmp_path / "none.otf"))
        get_settings.cache_clear()  # the setting is read through the one Settings class
        with pytest.raises(fonts.FontMissing, match="noto-cjk-sans-jp-regular"):
            fonts.font(30)
    finally:
        monkeypatch.delenv(fonts.FONT_ENV)
        get_settings.cache_clear()
        fonts.font_path.cache_clear()
        fonts.font.cache_clear()
    assert fonts.font(30).getname()[0] == "Noto Sans CJK JP"
