"""The spoken form of a reply, pinned by a table: text → what espeak-ng is given to read."""

from __future__ import annotations

import re
import time

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from hall.guide.reading import spoken_form

# text -> spoken form
TABLE = [
    # Time limits, amounts, decimals, percentages, ranges.
    ("20个工作日", "二十个工作日"),
    ("办理时限：承诺3个工作日，法定20个工作日。", "办理时限：承诺三个工作日，法定二十个工作日。"),
    ("50元", "五十元"),
    ("费用为¥1,000.50", "费用为一千点五零元"),
    ("¥50元", "五十元"),
    ("1000000元", "一百万元"),
    ("1.5", "一点五"),
    ("0.5", "零点五"),
    ("5%", "百分之五"),
    ("5%-10%", "百分之五至百分之十"),
    ("3-5个工作日", "三至五个工作日"),
    ("2个工作日", "两个工作日"),
    ("第2个", "第二个"),
    ("2个、12个、22个", "两个、十二个、二十二个"),
    ("第3章第12条", "第三章第十二条"),
    ("共12345人", "共一万二千三百四十五人"),
    ("面积100㎡，温度25℃", "面积一百平方米，温度二十五摄氏度"),
    ("２０个工作日", "二十个工作日"),  # full-width digits
    # Dates and clock times.
    ("2024年3月5日", "二零二四年三月五日"),
    ("2024-03-05", "二零二四年三月五日"),
    ("2023年度", "二零二三年度"),
    ("2024-2025学年", "二零二四至二零二五学年"),
    ("粤府〔2024〕12号", "粤府二零二四十二号"),
    ("9:00-12:00", "九点至十二点"),
    ("8:30—12:00，14:00～17:30。", "八点三十分至十二点，十四点至十七点三十分。"),
    ("9:05", "九点零五分"),
    (
        "周一至周五 9:00-12:00，13:30-17:30（法定节假日除外）",
        "周一至周五九点至十二点，十三点三十分至十七点三十分（法定节假日除外）",
    ),
    # Phone numbers: digit by digit, 幺 for 1.
    ("拨打12345咨询", "拨打幺二三四五咨询"),
    ("请拨打12315。", "请拨打幺二三幺五。"),
    ("12345热线", "幺二三四五热线"),
    ("咨询热线12345，热线电话12315", "咨询热线幺二三四五，热线电话幺二三幺五"),
    ("拨打110或120", "拨打幺幺零或幺二零"),
    ("电话：0755-12345678", "电话：零七五五、幺二三四五六七八"),
    ("咨询电话：(0755)12345678转123", "咨询电话：零七五五、幺二三四五六七八转幺二三"),
    ("联系方式：020-12345678、12345", "联系方式：零二零、幺二三四五六七八、幺二三四五"),
    ("13812345678", "幺三八幺二三四五六七八"),
    ("手机号码：138 1234 5678", "手机号码：幺三八、幺二三四、五六七八"),
    ("400-123-4567", "四零零、幺二三、四五六七"),
    ("咨询15个问题", "咨询十五个问题"),  # a count after 咨询 is no phone number
    # ID numbers and codes: digit by digit, 一 for 1.
    ("身份证号440301199001011234", "身份证号四四零三零一一九九零零一零一一二三四"),
    ("编号HD-0101", "编号HD、零一零一"),
    ("ID：A12345，COVID-19", "ID：A一二三四五，COVID、一九"),
    ("受理号2024-001-0003", "受理号二零二四、零零一、零零零三"),
    ("第1.2.3条", "第一点二点三条"),
    # Links.
    ("详见 https://www.gdzwfw.gov.cn/portal/guide/123?x=1 。", "详见网址请见屏幕。"),
    ("详见www.gd.gov.cn", "详见网址请见屏幕"),
    ("点击[在线申请](https://example.cn/apply)办理", "点击在线申请办理"),
    ("邮箱 help@gd.gov.cn", "邮箱邮箱地址请见屏幕"),
    # Markup and symbols.
    (
        "<p>您好，<b>请携带</b>：</p><ul><li>身份证</li><li>户口本</li></ul>",
        "您好，请携带：身份证，户口本",
    ),
    (
        "## 办理材料\n- 身份证原件\n- 户口本\n1. 填写申请表\n2. 提交",
        "办理材料，身份证原件，户口本，一、填写申请表，二、提交",
    ),
    ("**注意**：请带`原件`", "注意：请带原件"),
    ("|材料|份数|\n|---|---|\n|身份证|1|", "材料，份数，身份证，一"),
    ("😀 您好！☎ 请拨打12315。", "您好！请拨打幺二三幺五。"),
    ("A & B * C # D", "A B C D"),
    ("&lt;b&gt;加粗&#50;", "b加粗二"),
    ("<script>alert(1)</script>您好", "您好"),
    # Whitespace and pauses.
    ("  您好，\n\n  请   稍等。 ", "您好，请稍等。"),
    ("您好,请稍等.", "您好，请稍等。"),
    ("您好，。请稍等！！", "您好。请稍等！"),
    ("", ""),
    ("   ", ""),
    ("🎉🎉", ""),
]


@pytest.mark.parametrize(("text", "spoken"), TABLE, ids=[t for t, _ in TABLE])
def test_spoken_form(text: str, spoken: str) -> None:
    assert spoken_form(text) == spoken


@given(st.text())
@settings(max_examples=500, deadline=None)
def test_any_text_gives_text_without_digits(text: str) -> None:
    spoken = spoken_form(text)
    assert isinstance(spoken, str)
    assert not re.search("[0-9]", spoken)
    assert spoken == spoken.strip()


@given(
    st.lists(
        st.sampled_from(
            [
                "12345",
                "0755-",
                "2024",
                "年",
                "1.5",
                "%",
                "-",
                ":",
                "00",
                "电话",
                "元",
                "个",
                "http://",
                "www.",
                "<b>",
                "#",
                "-",
                "*",
                "，",
                "\n",
                " ",
                "HD",
                "@",
                "¥",
                "〔",
            ]
        ),
        max_size=30,
    ).map("".join)
)
@settings(max_examples=500, deadline=None)
def test_reply_like_text_gives_text_without_digits(text: str) -> None:
    """Fragments the rules look for, in any order: no rule leaves a digit or raises."""
    assert not re.search("[0-9]", spoken_form(text))


@pytest.mark.parametrize(
    "text", ["a-" * 5000, "1" * 10000, " ，" * 5000, "a@" * 5000, "1," * 5000, "拨打" + "1-" * 5000]
)
def test_long_input_takes_linear_time(text: str) -> None:
    started = time.perf_counter()
    spoken_form(text)
    assert time.perf_counter() - started < 1.0
