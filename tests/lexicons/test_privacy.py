"""Personal numbers masked: what is masked, and what stays (numbers that are no one's)."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from hall.lexicons import redact

MASKED = [
    ("我的电话13812345678谢谢", "我的电话***********谢谢"),
    ("手机 138 1234 5678", "手机 *** **** ****"),
    ("打138-1234-5678找我", "打***-****-****找我"),
    ("+86 13812345678", "+** ***********"),
    ("８６１３８１２３４５６７８", "*************"),
    ("１３８１２３４５６７８", "***********"),
    ("身份证号110101199003071234", "身份证号******************"),
    ("身份证11010119900307123X号", "身份证******************号"),
    ("11010119900307123x", "******************"),
    ("老身份证110101900307123", "老身份证***************"),
    ("银行卡6222021234567890123", "银行卡*******************"),
    ("卡号 6222 0212 3456 7890", "卡号 **** **** **** ****"),
    ("卡号6222-0212-3456-7890-123", "卡号****-****-****-****-***"),
    ("座机0755-12345678", "座机****-********"),
    ("(010)12345678", "(***)********"),
    ("（０１０）１２３４５６７８", "（***）********"),
    ("两个号13812345678和13987654321", "两个号***********和***********"),
]

KEPT = [
    "我18岁了",
    "2024年3月1日",
    "拨打12345热线",
    "3个工作日",
    "邮编518000",
    "订单12345678",
    "HD-0101",
    "1381234567",  # ten digits: no mobile number
    "138123456789",  # twelve: no mobile number either
    "",
]


@pytest.mark.parametrize(("text", "masked"), MASKED)
def test_personal_numbers_are_masked(text: str, masked: str) -> None:
    assert redact(text) == masked


@pytest.mark.parametrize("text", KEPT)
def test_other_numbers_stay(text: str) -> None:
    assert redact(text) == text


@given(st.text())
def test_any_text_keeps_its_length_and_non_digits(text: str) -> None:
    masked = redact(text)
    assert len(masked) == len(text)
    for before, after in zip(text, masked, strict=True):
        assert after == before or after == "*"


@given(st.from_regex(r"1[3-9][0-9]{9}", fullmatch=True), st.text(alphabet="办证的了吗"))
def test_no_mobile_number_survives(number: str, words: str) -> None:
    assert number not in redact(words + number + words)
