"""A reply as espeak-ng's Mandarin voice should read it: :func:`spoken_form`.

espeak-ng reads what it is given: markup symbols by their English names ("asterisk", "hash"),
a URL letter by letter, "20" in English and 13812345678 as one huge number. The spoken form
keeps the words and the pauses and rewrites the rest the way a person at the counter says it:

- markup (HTML tags, markdown headings, bullets, emphasis, tables) and emoji are dropped;
- a URL becomes "网址请见屏幕", an e-mail address "邮箱地址请见屏幕";
- amounts, time limits, percentages and decimals are read as numbers (20个工作日 → 二十个工作日,
  1.5 → 一点五, 5% → 百分之五, 3-5天 → 三至五天, 2个 → 两个);
- years are read digit by digit (2024年 → 二零二四年), clock times as hours and minutes
  (9:00-12:00 → 九点至十二点);
- phone numbers (hotlines such as 12345, mobiles, landlines, 400 numbers) are read digit by
  digit with 幺 for 1, as they are said on the phone; ID numbers, codes and other runs of seven
  or more digits digit by digit with 一 (幺 is for phone numbers only).

Pure and total: any ``str`` gives a ``str``, with no ASCII digit left in it.
"""

from __future__ import annotations

import html
import re
import unicodedata

import cn2an

__all__ = ["spoken_form"]

URL_WORDS = "网址请见屏幕"
EMAIL_WORDS = "邮箱地址请见屏幕"

_DIGITS = "零一二三四五六七八九"
_PHONE_DIGITS = "零幺二三四五六七八九"
#: cn2an reads at most 16 integer digits; a longer number is a code anyway.
_MAX_CARDINAL_DIGITS = 16

# Government hotlines said on their own ("打12345"); anything followed by a unit is a quantity.
_HOTLINES = (
    "110|114|119|120|122|12306|12308|12309|12310|12315|12319|12320|12328|12329|12333|12338"
    "|12339|12345|12348|12351|12355|12356|12358|12360|12363|12365|12366|12368|12369|12377"
    "|12380|12381|12388|12393|12395|12123"
)
_UNIT_AFTER = (
    r"(?!\d|\.\d|\s*(?:元|个|年|月|日|号|天|人|次|份|件|项|名|%|％|万|亿|千|百|米|岁|小时|分钟))"
)
_PHONE_CONTEXT = r"拨打|致电|电话|热线|咨询|联系方式|手机|传真|客服"

# Not inside a number: "12345." ends a sentence, "1.5" is one number.
_B = r"(?<!\d)(?<!\d\.)"
_E = r"(?!\d|\.\d)"
# A phone number is not part of a code (A12345).
_BP = _B + r"(?<![A-Za-z])"
_UNITS = {"㎡": "平方米", "m²": "平方米", "㎢": "平方公里", "km²": "平方公里", "℃": "摄氏度"}
_UNIT = re.compile("|".join(map(re.escape, _UNITS)))

# --- markup ----------------------------------------------------------------------------------

_SCRIPT = re.compile(r"<(script|style)\b[^>]*>.*?</\1\s*>", re.IGNORECASE | re.DOTALL)
_BLOCK_TAG = re.compile(r"<\s*(?:br|/p|/div|/li|/h[1-6]|/tr|/ul|/ol|/table)\b[^<>]*>", re.I)
_TAG = re.compile(r"<[A-Za-z!/?][^<>]*>")
_MD_IMAGE_OR_LINK = re.compile(r"!?\[([^\[\]]*)\]\(([^()\s]*)\)")
_URL = re.compile(
    r"(?:https?://|ftp://|www\.)[^\s\u3000-\u303f\uff00-\uffef\u4e00-\u9fff<>\"'()（）]*",
    re.IGNORECASE,
)
_EMAIL = re.compile(r"(?<![\w.+-])[\w.+-]+@[A-Za-z0-9-]+(?:\.[A-Za-z0-9-]+)+", re.ASCII)
_LINE_START = re.compile(
    r"^\s*(?:#{1,6}\s*|>+\s*|[-*+]\s+|[•·●○▪■◆◇√✓✔]\s*|(\d{1,3})[.)、](?!\d)\s*)"
)
_RULE = re.compile(r"^\s*(?:[-*_=]\s*){3,}$")
_TABLE_RULE = re.compile(r"^\s*\|?(?:\s*:?-{2,}:?\s*\|)+\s*:?-*:?\s*$")
_EMPHASIS = re.compile(r"\*\*|__|~~|`+")

# --- numbers ---------------------------------------------------------------------------------

_NUM = r"\d+(?:\.\d+)?"
_DASH = r"\s*[-~～—–－至到]\s*"
_THOUSANDS = re.compile(_B + r"(?<!\d,)\d{1,3}(?:,\d{3})+(?!,?\d)")
_ISO_DATE = re.compile(_B + r"(\d{4})[-/.](\d{1,2})[-/.](\d{1,2})" + _E)
_YEAR_RANGE = re.compile(r"(?<!\d)((?:19|20)\d{2})" + _DASH + r"((?:19|20)\d{2})(?=\s*(?:年|学年))")
_YEAR = re.compile(_B + r"(\d{4})(?=\s*年)|(?<=[〔【\[(（])\s*((?:19|20)\d{2})\s*(?=[〕】\])）])")
_TIME = r"([01]?\d|2[0-4])[:：]([0-5]\d)(?:[:：][0-5]\d)?"
_TIME_RANGE = re.compile(_B + _TIME + _DASH + _TIME + r"(?!\d)")
_ONE_TIME = re.compile(_B + _TIME + r"(?!\d)")
_PHONE = re.compile(
    # mobile (with +86), landline with its area code, 400/800 service numbers
    _BP + r"(?:(?:\+?86[-\s]?)?1[3-9]\d[-\s]?\d{4}[-\s]?\d{4}"
    r"|[(（]?0\d{2,3}[)）]?[-\s]?\d{7,8}(?:[-转]\d{1,5})?"
    r"|[48]00[-\s]?\d{3}[-\s]?\d{4})" + _E
)
_PHONE_AFTER_CONTEXT = re.compile(
    r"((?:" + _PHONE_CONTEXT + r")[^\d\n。；;！!？?]{0,6}?)(\d{3,}(?:-\d+)*)" + _UNIT_AFTER
)
_PHONE_BEFORE_CONTEXT = re.compile(
    _BP + r"(\d{3,}(?:-\d+)*)(?=\s*(?:热线|服务热线|热线电话|便民热线|政务服务便民热线|电话|客服))"
)
_KNOWN_HOTLINE = re.compile(_BP + r"(?:" + _HOTLINES + r")" + _UNIT_AFTER)
_CODE = re.compile(
    r"(?<![A-Za-z0-9_./-])[A-Za-z]+(?:[-_/.][A-Za-z]+)*[-_]?\d[A-Za-z0-9]*(?:[-_][A-Za-z0-9]+)*"
)
_GROUPED = re.compile(_B + r"\d+(?:-\d+){2,}" + _E)
_LONG = re.compile(_B + r"(\d{7,})" + _E + r"(元)?")
_LEADING_ZERO = re.compile(_B + r"0\d+" + _E)
_DOTTED = re.compile(_B + r"\d+(?:\.\d+){2,}" + _E)
_CURRENCY = re.compile(r"[¥￥]\s*(" + _NUM + r")(\s*元)?")
_RANGE = re.compile(_B + r"(" + _NUM + r")\s*([%％‰]?)" + _DASH + r"(" + _NUM + r")\s*([%％‰]?)")
_PERCENT = re.compile(_B + r"(" + _NUM + r")\s*([%％‰])")
_TWO = re.compile(
    r"(?<![\d.第])2(?!\.\d|\d)(?=\s*(?:个|人|次|份|本|张|名|位|天|周|项|件|种|类|岁|小时|分钟|套|页|条|户|家|间|台|辆))"
)
_NUMBER = re.compile(_B + _NUM)
_ANY_DIGIT = re.compile(r"\d")

# --- what is left ----------------------------------------------------------------------------

# ASCII punctuation espeak-ng passes over without a pause; their full-width forms pause.
_ASCII_PUNCT = str.maketrans(
    {
        ",": "，",
        ".": "。",
        ";": "；",
        ":": "：",
        "!": "！",
        "?": "？",
        "(": "（",
        ")": "）",
        "|": "，",
    }
)
#: Punctuation that stays: the pauses and the quotation and title marks espeak-ng reads silently.
_KEEP = set("，。、；：！？…—《》“”‘’（）【】「」『』·")
_PAUSES = "，。、；：！？"
_PAUSE_RUN = re.compile(r"\s?[，。、；：！？…](?:\s?[，。、；：！？…])*\s?")
_STRONG = "。！？"
_EMPTY_BRACKETS = re.compile(r"（\s*）|【\s*】|《\s*》|“\s*”|「\s*」")
_SPACES = re.compile(r"\s+")
_SPACE_NEAR_CJK = re.compile(r"(?<=[^\x00-\x7f])\s+|\s+(?=[^\x00-\x7f])")


def _fold(text: str) -> str:
    """Full-width letters and digits to ASCII, and other scripts' digits (①, Ⅱ, ٣) to ours."""
    out = []
    for char in text:
        code = ord(char)
        if 0xFF10 <= code <= 0xFF19 or 0xFF21 <= code <= 0xFF3A or 0xFF41 <= code <= 0xFF5A:
            out.append(chr(code - 0xFEE0))
        elif char.isascii():
            out.append(char)
        elif unicodedata.category(char) in ("Nd", "No", "Nl"):
            value = unicodedata.numeric(char, -1.0)
            out.append(str(int(value)) if value >= 0 and value == int(value) else " ")
        else:
            out.append(char)
    return "".join(out)


def _digits(run: str, *, phone: bool = False) -> str:
    """Digit by digit; a separator (0755-…, 138 1234 5678) becomes the short pause 、."""
    table = _PHONE_DIGITS if phone else _DIGITS
    out = []
    for char in run:
        if "0" <= char <= "9":
            out.append(table[ord(char) - 48])
        elif char.isalpha():
            out.append(char)
        elif out and out[-1] != "、":
            out.append("、")
    return "".join(out).strip("、")


def _cardinal(number: str) -> str:
    """An amount: 20 → 二十, 1.5 → 一点五; cn2an's reading, or digit by digit when it cannot."""
    whole, _, fraction = number.partition(".")
    whole = whole.lstrip("0") or "0"
    if len(whole) > _MAX_CARDINAL_DIGITS:
        return _digits(number)
    try:
        spoken = cn2an.an2cn(f"{whole}.{fraction}" if fraction else whole, "low")
    except Exception:  # cn2an has no exception family; its reading is a nicety
        return _digits(number)
    return str(spoken) if isinstance(spoken, str) else _digits(number)


def _percent(number: str, sign: str) -> str:
    prefix = "千分之" if sign == "‰" else "百分之" if sign else ""
    return prefix + _cardinal(number)


def _time(hour: str, minute: str) -> str:
    spoken = _cardinal(hour) + "点"
    if minute == "00":
        return spoken
    return spoken + (_DIGITS[0] if minute.startswith("0") else "") + _cardinal(minute) + "分"


def _numbers(text: str) -> str:
    """Every number the way it is said; the order matters: the specific shapes come first."""
    text = _THOUSANDS.sub(lambda m: m[0].replace(",", ""), text)
    text = _YEAR_RANGE.sub(lambda m: f"{_digits(m[1])}至{_digits(m[2])}", text)
    text = _ISO_DATE.sub(
        lambda m: (
            f"{_digits(m[1])}年{_cardinal(m[2])}月{_cardinal(m[3])}日"
            if 1 <= int(m[2]) <= 12 and 1 <= int(m[3]) <= 31
            else _digits(m[0])
        ),
        text,
    )
    text = _YEAR.sub(lambda m: _digits(m[1] or m[2]), text)
    text = _TIME_RANGE.sub(lambda m: f"{_time(m[1], m[2])}至{_time(m[3], m[4])}", text)
    text = _ONE_TIME.sub(lambda m: _time(m[1], m[2]), text)
    text = _PHONE.sub(lambda m: _digits(m[0], phone=True), text)
    text = _PHONE_AFTER_CONTEXT.sub(lambda m: m[1] + _digits(m[2], phone=True), text)
    text = _PHONE_BEFORE_CONTEXT.sub(lambda m: _digits(m[1], phone=True), text)
    text = _KNOWN_HOTLINE.sub(lambda m: _digits(m[0], phone=True), text)
    text = _CODE.sub(lambda m: _digits(m[0]), text)
    text = _GROUPED.sub(lambda m: _digits(m[0]), text)
    # A long run is a code, unless it is an amount of money (1000000元).
    text = _LONG.sub(
        lambda m: _cardinal(m[1]) + "元" if m[2] and len(m[1]) <= 12 else _digits(m[0]), text
    )
    text = _LEADING_ZERO.sub(lambda m: _digits(m[0]), text)
    text = _DOTTED.sub(lambda m: "点".join(_cardinal(p) for p in m[0].split(".")), text)
    text = _CURRENCY.sub(lambda m: _cardinal(m[1]) + "元", text)

    def _range(m: re.Match[str]) -> str:
        sign = m[2] or m[4]
        return f"{_percent(m[1], sign)}至{_percent(m[3], sign)}"

    text = _RANGE.sub(_range, text)
    text = _PERCENT.sub(lambda m: _percent(m[1], m[2]), text)
    text = _TWO.sub(lambda m: "两", text)
    text = _NUMBER.sub(lambda m: _cardinal(m[0]), text)
    return _ANY_DIGIT.sub(lambda m: _DIGITS[int(m[0])], text)


def _markup(text: str) -> str:
    """HTML and markdown down to their words; every line ends with a pause."""
    text = _SCRIPT.sub(" ", text)
    text = _BLOCK_TAG.sub("\n", text)
    text = _TAG.sub(" ", text)
    text = html.unescape(text)
    text = _MD_IMAGE_OR_LINK.sub(lambda m: m[1] if m[1].strip() else URL_WORDS, text)
    text = _URL.sub(URL_WORDS, text)
    text = _EMAIL.sub(EMAIL_WORDS, text)
    lines = []
    for raw in text.splitlines():
        if _RULE.match(raw) or _TABLE_RULE.match(raw):
            continue
        line = _LINE_START.sub(lambda m: f"{m[1]}、" if m[1] else "", raw, count=1)
        line = _EMPHASIS.sub("", line).strip().strip("|").strip()
        if line:
            lines.append(line if line[-1] in _PAUSES else line + "，")
    return "".join(lines)


def _clean(text: str) -> str:
    """Symbols out, pauses in full width, one space at most and none beside Chinese."""
    text = text.translate(_ASCII_PUNCT)
    out = []
    for char in text:
        category = unicodedata.category(char)
        if char in _KEEP or char.isspace() or category[0] in "LM":
            out.append(char)
        else:
            out.append(" ")
    # Spaces collapsed first: the pause runs below then match in linear time.
    text = _EMPTY_BRACKETS.sub("", _SPACES.sub(" ", "".join(out)))

    def _pause(m: re.Match[str]) -> str:
        marks = [c for c in m[0] if c in _PAUSES or c == "…"]
        strong = [c for c in marks if c in _STRONG]
        return strong[0] if strong else marks[0]

    text = _PAUSE_RUN.sub(_pause, text)
    text = _SPACE_NEAR_CJK.sub("", text).strip()
    text = text.lstrip(_PAUSES + "… ")
    return text.rstrip("，、；： ")


def spoken_form(text: str) -> str:
    """``text`` as it should be read aloud; "" when nothing in it can be said."""
    # Markup first: an entity such as &#50; is a digit only once unescaped.
    text = _fold(_UNIT.sub(lambda m: _UNITS[m[0]], _markup(text)))
    return _clean(_numbers(text))
