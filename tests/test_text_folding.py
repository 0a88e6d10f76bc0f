"""``fold`` turns Vietnamese text into the search key every search compares against."""

from __future__ import annotations

import unicodedata

import pytest

from cuutro.lib.text import fold, search_terms


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
