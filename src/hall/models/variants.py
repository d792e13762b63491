"""Which of a family of matters a question means: the plain one, unless it asks for a variant.

A catalogue publishes one service as a family of matters: 建筑工程施工许可证核发 beside its 变更,
延续 and 注销; 《出生医学证明》首次签发 beside 出生医学证明信息查询. Their titles share every
word but the action, so every signal scores them alike, and the variant often wins by a hair
("施工许可证" found 变更 first). A citizen who names only the service ("施工许可证", "办出生证")
means getting it; one who wants a variant says so ("许可证要改", "到期了", "丢了", "查进度").

The same holds for a matter published for one audience beside the general one: 机动车驾驶证初次申领
for 外国人 or 港澳台居民 beside 大陆居民, 机关事业单位养老保险关系转移接续 beside the 企业职工 one.
A citizen who says nothing of being a foreigner, a civil servant or a veteran, or of being hurt
at work, is none of them.

So a matter whose title names a variant the question gives no cue of ranks a little
lower, ``penalty``, when its plain sibling stands among the best matters: enough to order
near-equal siblings, too little to pass over a matter the question fits better. Without a plain
sibling near the top ("燃气价格查询" for "燃气怎么收费") a variant action is simply the matter
asked about, and keeps its score; an audience's matter is lowered beside any plain matter
(one naming no variant) that scored, and by more (``audience_penalty``): "异地就医备案" means the
medical insurance's 异地长期居住人员备案 and its kin, not 工伤异地居住（就医）备案, though that
title holds every word of the question and theirs do not. Title words and cues are the
naming conventions of government matters (like the administrative levels of
:mod:`hall.models.regions`), not a hall's data.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import numpy.typing as npt

__all__ = ["AUDIENCES", "VARIANTS", "VariantPreference"]

#: variant (an action, or an audience) -> (words that mark it in a title, words of a question
#: that ask for it).
VARIANTS: dict[str, tuple[tuple[str, ...], tuple[str, ...]]] = {
    "change": (
        ("变更",),
        ("变更", "更改", "修改", "改", "变", "更正", "调整", "换"),
    ),
    "cancel": (
        ("注销", "撤销"),
        (
            *("注销", "销", "取消", "撤", "停", "交回", "不要", "不想", "不用", "关闭", "终止"),
            *("退", "死亡", "去世", "过世", "走了"),
        ),
    ),
    "renew": (
        ("延续", "延期"),
        ("延续", "续", "延期", "延长", "到期", "过期", "满"),
    ),
    "reissue": (
        ("补领", "补办", "补发", "遗失"),
        ("补", "丢", "遗失", "掉了", "损", "坏", "找不到", "没了", "被偷"),
    ),
    "exchange": (
        ("换领", "换发", "换证"),
        ("换", "到期", "过期", "满", "损", "坏", "旧", "改", "变"),
    ),
    "lookup": (
        ("查询",),
        ("查", "进度", "结果", "状态", "看看", "哪里看", "在哪看"),
    ),
    # audiences: the matter for foreigners and for residents of Hong Kong, Macao and Taiwan
    "foreign": (
        ("外国人", "外籍", "港澳台居民", "港澳居民", "台湾居民", "华侨"),
        ("外国", "老外", "外籍", "国籍", "港澳", "香港", "澳门", "台湾", "台胞", "侨"),
    ),
    # the one for civil servants and public institutions' staff
    "public": (
        ("机关事业单位",),
        ("机关", "事业单位", "事业编", "公务员", "参公", "体制内"),
    ),
    # the one for veterans
    "military": (
        ("退役军人", "军人", "复员干部", "转业干部"),
        ("军", "退役", "退伍", "部队", "当兵", "服役", "复员", "转业"),
    ),
    # and the work-injury scheme's own
    "injury": (
        ("工伤",),
        ("工伤", "伤", "摔", "事故", "职业病", "工亡"),
    ),
}


#: The variants that are audiences, not actions.
AUDIENCES = frozenset({"foreign", "public", "military", "injury"})

#: Siblings share a run of this many characters outside the variant's words.
SHARED = 4
#: How many of the best matters are compared with each other.
SHORTLIST = 20


def _grams(text: str) -> frozenset[str]:
    return frozenset(text[i : i + SHARED] for i in range(len(text) - SHARED + 1))


class VariantPreference:
    """Score adjustments for the matters of an index: ``-penalty`` for a matter whose title
    names variant actions (:data:`VARIANTS`), none of which a question asks for, when a plain
    sibling (a title naming no variant that shares a run of :data:`SHARED` characters with it,
    the variant's words aside, and that scored) stands among the question's best matters. A
    variant action with no plain sibling there is simply the matter the question names; an
    audience (:data:`AUDIENCES`) needs only a plain matter that scored among the best, and
    loses ``audience_penalty``: a citizen says who they are when it matters."""

    def __init__(
        self, titles: Sequence[str], *, penalty: float = 0.03, audience_penalty: float = 0.09
    ) -> None:
        self.penalty = penalty
        self.audience_penalty = audience_penalty
        self._actions = [
            tuple(a for a, (words, _) in VARIANTS.items() if any(w in t for w in words))
            for t in titles
        ]
        self._grams = [
            _grams(_strip(t, actions)) for t, actions in zip(titles, self._actions, strict=True)
        ]
        self._present = frozenset(a for actions in self._actions for a in actions)

    @property
    def active(self) -> bool:
        """Whether any adjustment can happen (a penalty, and titles that name a variant)."""
        return any(self.penalty_of((a,)) for a in self._present)

    def unasked(self, text: str) -> frozenset[str]:
        """The variant actions of this catalogue that ``text`` (the question, in any of its
        readings) gives no cue of."""
        return frozenset(a for a in self._present if not any(cue in text for cue in VARIANTS[a][1]))

    def adjust(
        self, scores: npt.NDArray[np.float32], text: str
    ) -> tuple[npt.NDArray[np.float32], dict[int, tuple[str, ...]]]:
        """``scores`` with the variants the question does not ask for lowered beside their
        plain siblings, and those matters' positions with the actions they were lowered for."""
        unasked = self.unasked(text) if self.active else frozenset()
        if not unasked or not scores.size:
            return scores, {}
        shortlist = _best(scores)
        plain = [self._grams[i] for i in shortlist if not self._actions[i] and scores[i] > 0]
        lowered: dict[int, tuple[str, ...]] = {}
        for i in shortlist:
            actions = self._actions[i]
            # A title naming an action the question asks for ("变更、注销登记" for "注销") is
            # one it means, whatever else the title names.
            if (
                actions
                and unasked.issuperset(actions)
                and self.penalty_of(actions) > 0
                and (
                    any(not self._grams[i].isdisjoint(grams) for grams in plain)
                    or (AUDIENCES.issuperset(actions) and bool(plain))
                )
            ):
                lowered[i] = actions
        if not lowered:
            return scores, {}
        adjusted = scores.copy()
        for i, actions in lowered.items():
            adjusted[i] = max(adjusted[i] - self.penalty_of(actions), 0.0)
        return adjusted, lowered

    def penalty_of(self, actions: Sequence[str]) -> float:
        """What a matter lowered for these variants loses: ``audience_penalty`` when all of
        them are audiences, else ``penalty``."""
        return self.audience_penalty if AUDIENCES.issuperset(actions) else self.penalty

    @staticmethod
    def words(title: str, actions: Sequence[str]) -> list[str]:
        """The words of ``title`` that name these actions (for ``why``)."""
        return [w for a in actions for w in VARIANTS[a][0] if w in title]


def _best(scores: npt.NDArray[np.float32]) -> list[int]:
    """The positions of the :data:`SHORTLIST` best scores, ties taken in position order (as the
    index's stable ranking takes them), in no particular order: a partition, not a sort."""
    if scores.size <= SHORTLIST:
        return list(range(scores.size))
    kth = np.partition(scores, scores.size - SHORTLIST)[scores.size - SHORTLIST]
    above = np.flatnonzero(scores > kth)
    ties = np.flatnonzero(scores == kth)[: SHORTLIST - above.size]
    return [*above.tolist(), *ties.tolist()]


def _strip(title: str, actions: Sequence[str]) -> str:
    for action in actions:
        for word in VARIANTS[action][0]:
            title = title.replace(word, "|")
    return title
