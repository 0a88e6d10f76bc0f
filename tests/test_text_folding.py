"""``fold`` turns Vietnamese text into the search key every search compares against."""

from __future__ import annotations

import unicodedata

import pytest
from hypothesis import given
from hypothesis import settings as hypothesis_settings
from hypothesis import strategies as st

from cuutro.lib.text import fold, fold_by_normalising, search_terms


def test_it_folds_lower_case_d_with_stroke_to_d() -> None:
    # đ is a letter of its own: NFD leaves it alone, so plain Unicode stripping would miss it.
    assert unicodedata.normalize("NFD", "đ") == "đ"
    assert fold("đường") == "duong"


def test_it_folds_upper_case_d_with_stroke_to_lower_case_d() -> None:
    assert fold("Đông Hà") == "dong ha"
    assert fold("HGĐ-7K3F9") == "hgd-7k3f9"


@pytest.mark.parametrize(
    ("text", "folded"),
    [
        ("Quảng Trị", "quang tri"),
        ("Thừa Thiên Huế", "thua thien hue"),
        ("Tôn lợp mái", "ton lop mai"),
        ("Gạo", "gao"),
        ("Xã Hướng Hóa", "xa huong hoa"),
        ("Lũ tháng 10/2020", "lu thang 10/2020"),
        ("ươ ƯƠ ơ ư ă â ê ô", "uo uo o u a a e o"),
    ],
)
def test_it_drops_every_tone_mark_and_vowel_hat(text: str, folded: str) -> None:
    assert fold(text) == folded


def test_it_lower_cases_fully_upper_case_text() -> None:
    assert fold("ĐÔNG HÀ") == "dong ha"
    assert fold("QUẢNG TRỊ") == "quang tri"


def test_it_folds_decomposed_input_like_composed_input() -> None:
    composed = "Đông Hà, Quảng Trị, tôn lợp"
    decomposed = unicodedata.normalize("NFD", composed)
    assert decomposed != composed
    assert fold(decomposed) == fold(composed) == "dong ha, quang tri, ton lop"


def test_it_collapses_runs_of_whitespace_and_trims_the_ends() -> None:
    assert fold("  Phường \t Đông\n\nHà  ") == "phuong dong ha"


def test_it_returns_an_empty_string_for_empty_input() -> None:
    assert fold("") == ""


def test_it_leaves_plain_ascii_alone_except_for_case() -> None:
    assert fold("Rice 50 KG") == "rice 50 kg"


def test_search_terms_are_folded_words_of_the_query() -> None:
    assert search_terms("  Đông   HÀ ") == ["dong", "ha"]


def test_search_terms_keep_at_most_the_first_eight_words() -> None:
    assert search_terms("a b c d e f g h i j") == ["a", "b", "c", "d", "e", "f", "g", "h"]


# fold() takes a per-character table where it can; it must always equal the definition.
@hypothesis_settings(max_examples=300, deadline=None)
@given(st.text(alphabet=st.characters(codec="utf-8", exclude_categories=("Cs",)), max_size=80))
def test_fold_equals_its_definition(text: str) -> None:
    assert fold(text) == fold_by_normalising(text)


MEMO_CHARACTERS = (
    "abcxyzABCXYZ0123456789 .,-:;/()#\t\n"
    "ăâđêôơưĂÂĐÊÔƠƯàáảãạầấẩẫậằắẳẵặèéẻẽẹềếểễệìíỉĩịòóỏõọồốổỗộờớởỡợùúủũụừứửữựỳýỷỹỵ"
    "ÀÁẢÃẠỀẾỂỄỆỲÝỶỸỴ•–—“”‘’₫…ﬁ\u00a0\u2009\u3000\x1c\x85\u0300\u0301\u0303\u0309\u0323ÅåØøßİıΣσς"
)


@hypothesis_settings(max_examples=2000, deadline=None)
@given(st.text(alphabet=MEMO_CHARACTERS, max_size=60))
def test_fold_equals_its_definition_on_memo_like_text(text: str) -> None:
    """Vietnamese in both normal forms, combining marks, bullets, dashes, ligatures, spaces."""
    assert fold(text) == fold_by_normalising(text)
    decomposed = unicodedata.normalize("NFD", text)
    assert fold(decomposed) == fold_by_normalising(decomposed)


def test_fold_on_real_memos() -> None:
    for memo in ("Ủng hộ đồng bào lũ lụt – Hội phụ nữ phường Đông Hà", "MBVCB.•••••••876.CT 7K3F9Q.NGUYEN VAN AN", "  Đ  đ  "):
        assert fold(memo) == fold_by_normalising(memo)
    assert fold("Ủng hộ ĐỒNG BÀO – 1.000.000₫") == "ung ho dong bao – 1.000.000₫"
