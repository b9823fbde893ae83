"""The 44 indicators as nq71 holds them: codes in a seeded order, NFD titles, five rewordings.

The targets come from the mocks' own transcription of the plan (`mock_servers.common.plan`).
Each seed shuffles them (never leaving them in plan order) and numbers them
`CT01`…`CT44` in that order. Five titles, chosen from the same generator, are reworded in a way a
title normaliser (NFC, tone placement, case, whitespace, punctuation) absorbs: straight quotes for
curly ones, old tone placement (`hóa` → `hoá`), a comma dropped or turned into a semicolon, a
trailing period, a doubled space. Every title is then stored in NFD.
"""

import random
import re
import unicodedata
from collections.abc import Callable

from mock_servers.common.plan import PlanTarget, plan
from mock_servers.nq71.tables import Indicator

_NEW_TO_OLD_TONE = {
    "òa": "oà", "óa": "oá", "ỏa": "oả", "õa": "oã", "ọa": "oạ",
    "òe": "oè", "óe": "oé", "ỏe": "oẻ", "õe": "oẽ", "ọe": "oẹ",
    "ùy": "uỳ", "úy": "uý", "ủy": "uỷ", "ũy": "uỹ", "ụy": "uỵ",
}  # fmt: skip
_NEW_TONE_RE = re.compile(r"(?<![qQ])(" + "|".join(_NEW_TO_OLD_TONE) + r")(?!\w)")


def _straight_quotes(title: str, rng: random.Random) -> str | None:
    if "“" not in title:
        return None
    return title.replace("“", '"').replace("”", '"')


def _old_tone(title: str, rng: random.Random) -> str | None:
    matches = list(_NEW_TONE_RE.finditer(title))
    if not matches:
        return None
    m = rng.choice(matches)
    return title[: m.start()] + _NEW_TO_OLD_TONE[m.group(1)] + title[m.end() :]


def _comma(title: str, rng: random.Random) -> str | None:
    spots = [i for i, ch in enumerate(title) if ch == "," and title[i + 1 : i + 2] == " "]
    if not spots:
        return None
    i = rng.choice(spots)
    return title[:i] + rng.choice(["", ";"]) + title[i + 1 :]


def _trailing_period(title: str, rng: random.Random) -> str | None:
    if title[-1] in ".,;:!?":
        return None
    return title + "."


def _double_space(title: str, rng: random.Random) -> str | None:
    spots = [i for i, ch in enumerate(title) if ch == " "]
    if not spots:
        return None
    i = rng.choice(spots)
    return title[:i] + "  " + title[i + 1 :]


_REWORDINGS: tuple[Callable[[str, random.Random], str | None], ...] = (
    _straight_quotes,
    _old_tone,
    _comma,
    _trailing_period,
    _double_space,
)


def _target_value_text(target: PlanTarget) -> str:
    if target.value is None:
        return ""
    value = target.value
    text = str(int(value)) if value.is_integer() else repr(value)
    return text.replace(".", ",")


def _shuffled(rng: random.Random) -> list[PlanTarget]:
    in_plan_order = list(plan().targets)
    order = in_plan_order[:]
    while order == in_plan_order:
        rng.shuffle(order)
    return order


def _reworded_titles(rng: random.Random) -> dict[str, str]:
    chosen: dict[str, str] = {}
    for reword in _REWORDINGS:
        candidates = [
            t
            for t in plan().targets
            if t.code not in chosen and reword(t.title, random.Random()) is not None
        ]
        target = rng.choice(candidates)
        chosen[target.code] = reword(target.title, rng) or target.title
    return chosen


def seed_indicators(seed: int) -> list[Indicator]:
    """The 44 indicators for this seed, in `ma_chi_tieu` order (deterministic per seed)."""
    rng = random.Random(seed)
    deadline = plan().deadline.strftime("%d/%m/%Y")
    order = _shuffled(rng)
    reworded = _reworded_titles(rng)
    out = []
    for number, target in enumerate(order, start=1):
        title = reworded.get(target.code, target.title)
        out.append(
            Indicator(
                ma_chi_tieu=f"CT{number:02d}",
                ten_chi_tieu=unicodedata.normalize("NFD", title),
                don_vi_tinh=target.unit or "",
                chi_tieu_ke_hoach=_target_value_text(target),
                han_hoan_thanh=deadline,
                plan_code=target.code,
                reworded=target.code in reworded,
            )
        )
    return out
