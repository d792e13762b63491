"""Hypothesis strategies for questions: any Unicode, and text made of the domain's characters."""

from __future__ import annotations

from hypothesis import strategies as st

#: Characters citizens type: hanzi of common matters, particles, punctuation, pinyin letters.
DOMAIN = "驾照驶证身份户口公积金护照结婚社保卡丢了补办换领怎么取过期二胎低保出生登记 的吗？,gongjin"

#: Any Unicode text, any CJK ideographs (rare ones included), and short text of the domain's
#: characters (so that some searches hit).
QUERIES = st.one_of(
    st.text(max_size=40),
    st.text(st.characters(min_codepoint=0x4E00, max_codepoint=0x9FFF), min_size=1, max_size=8),
    st.text(alphabet=DOMAIN, min_size=1, max_size=12),
)
