"""Whole-report replacement: what a save changes, and the rules it must pass before it is saved."""

import html
import re
from collections.abc import Callable, Iterable, Sequence

from mock_servers.theodoinq.errors import ApiError
from mock_servers.theodoinq.schemas import RowInput
from mock_servers.theodoinq.store import RowContent, RowRecord

_NUMBER = re.compile(r"-?[0-9]+(?:,[0-9]+)?")
_TARGET = re.compile(r"(≥|≤)?\s*(-?[0-9]+(?:,[0-9]+)?)")
_LINE_BREAK = re.compile(r"<br\s*/?>|</(?:p|div|li|h[1-6]|tr)\s*>", re.IGNORECASE)
_TAG = re.compile(r"<[^>]*>")


def content_text(content: str) -> str:
    """The text of editor HTML: tags dropped (line breaks kept), entities unescaped, trimmed."""
    text = _TAG.sub("", _LINE_BREAK.sub("\n", content))
    lines = [line.strip() for line in html.unescape(text).replace("\xa0", " ").split("\n")]
    return "\n".join(line for line in lines if line)


def parse_number(value: str) -> float | None:
    """A theodoinq number (`87,5`, `-3`, `100`), or None if `value` is not one."""
    if not _NUMBER.fullmatch(value):
        return None
    return float(value.replace(",", "."))


def meets_target(target: str, value: float) -> bool:
    """Whether `value` meets an `idxTarget` such as `≥ 90`, `≤ 10` or `100`."""
    found = _TARGET.fullmatch(target.strip())
    if found is None:
        return False
    goal = float(found.group(2).replace(",", "."))
    if found.group(1) == "≥":
        return value >= goal
    if found.group(1) == "≤":
        return value <= goal
    return value == goal


def _invalid(idx_id: int, reason: str) -> ApiError:
    return ApiError("INVALID_VALUE", f"Giá trị không hợp lệ tại chỉ tiêu {idx_id}: {reason}.")


def _content(row: RowInput) -> RowContent:
    content = row.idxContent or ""
    return RowContent(
        idx_id=row.idxId,
        value=row.idxValue or "",
        content=content,
        content_raw=content_text(content),
        file_ids=tuple(row.fileIds or ()),
    )


def _empty(idx_id: int) -> RowContent:
    return RowContent(idx_id=idx_id, value="", content="", content_raw="", file_ids=())


def _is_change(row: RowRecord, new: RowContent) -> bool:
    """Whether writing `new` changes the row's value, content or files."""
    return (row.idx_value, row.idx_content, row.file_ids) != (new.value, new.content, new.file_ids)


def _check(row: RowRecord, new: RowContent, owned: set[str]) -> None:
    if row.idx_type == "GROUP":
        if new.value or new.content or new.file_ids:
            raise _invalid(row.idx_id, "dòng nhóm chỉ tiêu không nhận giá trị")
        return
    number: float | None = None
    if row.idx_type in ("NUMBER", "PERCENT") and new.value:
        number = parse_number(new.value)
        if number is None:
            raise _invalid(row.idx_id, f"“{new.value}” không phải là số (dùng dấu phẩy thập phân)")
        if row.idx_type == "PERCENT" and not 0 <= number <= 100:
            raise _invalid(row.idx_id, "tỷ lệ phải từ 0 đến 100")
    foreign = [f for f in new.file_ids if f not in owned]
    if foreign:
        raise _invalid(row.idx_id, f"tệp {foreign[0]} không tồn tại")
    if number is not None and not new.file_ids and meets_target(row.idx_target, number):
        raise ApiError(
            "EVIDENCE_REQUIRED",
            f"Chỉ tiêu {row.idx_id} đạt mục tiêu ({row.idx_target}) nhưng chưa có tệp minh chứng.",
        )


def plan_save(
    current: Sequence[RowRecord],
    body: Iterable[RowInput],
    owned_files: Callable[[set[str]], set[str]],
) -> list[RowContent]:
    """The rows a whole-report save changes, in body order then the cleared ones.

    Raises ApiError (INVALID_VALUE, EVIDENCE_REQUIRED) naming the first offending idxId; rows the
    save leaves unchanged are not checked. `owned_files` tells which of some file ids belong to
    the saving account.
    """
    by_id = {row.idx_id: row for row in current}
    sent: dict[int, RowContent] = {}
    for item in body:
        if item.idxId not in by_id:
            raise _invalid(item.idxId, "chỉ tiêu không thuộc báo cáo này")
        if item.idxId in sent:
            raise _invalid(item.idxId, "chỉ tiêu xuất hiện nhiều lần trong báo cáo")
        sent[item.idxId] = _content(item)
    cleared = [_empty(row.idx_id) for row in current if row.idx_id not in sent]
    changes = [new for new in [*sent.values(), *cleared] if _is_change(by_id[new.idx_id], new)]
    owned = owned_files({f for new in changes for f in new.file_ids})
    for new in changes:
        _check(by_id[new.idx_id], new, owned)
    return changes
