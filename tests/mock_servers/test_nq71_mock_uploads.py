"""nq71 mock, chunked uploads: khoi-tao, parts, da_nhan, hoan-tat, SAI_MA_BAM, types, expiry."""

import hashlib
from collections.abc import AsyncIterator
from typing import Any

import pytest
from nq71_mock_support import PART, Nq71, assert_error, chunks, office, open_nq71, pdf, start_body

MIB = 1024 * 1024


@pytest.fixture
async def nq71() -> AsyncIterator[Nq71]:
    async with open_nq71() as mock:
        yield mock


async def start(mock: Nq71, data: bytes, **fields: Any) -> str:
    started = await mock.ok("POST", "/tai-lieu/khoi-tao", json=start_body(data, **fields))
    assert set(started) == {"upload_id", "kich_thuoc_phan"}
    assert started["kich_thuoc_phan"] == PART
    upload_id = started["upload_id"]
    assert isinstance(upload_id, str)
    return upload_id


async def test_multi_part_upload_completes_and_reports_progress(nq71: Nq71) -> None:
    """A 2.5 MiB file goes in 3 parts; da_nhan grows; hoan-tat gives a TL- document id."""
    data = pdf(5 * MIB // 2)
    upload_id = await start(nq71, data)
    status = await nq71.ok("GET", f"/tai-lieu/{upload_id}")
    assert status == {"da_nhan": [], "hoan_tat": False}
    parts = chunks(data)
    for n in (2, 0):
        assert await nq71.ok("PUT", f"/tai-lieu/{upload_id}/phan/{n}", content=parts[n]) is None
    assert await nq71.ok("GET", f"/tai-lieu/{upload_id}") == {"da_nhan": [0, 2], "hoan_tat": False}
    await nq71.ok("PUT", f"/tai-lieu/{upload_id}/phan/1", content=parts[1])
    done = await nq71.ok("POST", f"/tai-lieu/{upload_id}/hoan-tat")
    assert set(done) == {"tai_lieu_id"} and done["tai_lieu_id"].startswith("TL-")
    status = await nq71.ok("GET", f"/tai-lieu/{upload_id}")
    assert status == {"da_nhan": [0, 1, 2], "hoan_tat": True}
    (document,) = (await nq71.state())["documents"]
    assert (document["tai_lieu_id"], document["sha256"], document["kich_thuoc"]) == (
        done["tai_lieu_id"],
        hashlib.sha256(data).hexdigest(),
        len(data),
    )


async def test_completing_twice_gives_the_same_document(nq71: Nq71) -> None:
    """hoan-tat on a completed upload answers the same tai_lieu_id and creates nothing new."""
    data = pdf()
    upload_id = await start(nq71, data)
    await nq71.ok("PUT", f"/tai-lieu/{upload_id}/phan/0", content=data)
    first = await nq71.ok("POST", f"/tai-lieu/{upload_id}/hoan-tat")
    again = await nq71.ok("POST", f"/tai-lieu/{upload_id}/hoan-tat")
    assert first == again
    assert len((await nq71.state())["documents"]) == 1


async def test_resending_a_part_is_a_no_op(nq71: Nq71) -> None:
    """A part sent again (even with other bytes) keeps the first copy; the file still checks."""
    data = pdf(PART + 10)
    upload_id = await start(nq71, data)
    first, last = chunks(data)
    await nq71.ok("PUT", f"/tai-lieu/{upload_id}/phan/1", content=last)
    await nq71.ok("PUT", f"/tai-lieu/{upload_id}/phan/1", content=b"x" * 10)
    await nq71.ok("PUT", f"/tai-lieu/{upload_id}/phan/0", content=first)
    assert (await nq71.ok("POST", f"/tai-lieu/{upload_id}/hoan-tat"))["tai_lieu_id"]
    counts = (await nq71.state())["counts"]
    assert counts["parts"] == 3


@pytest.mark.parametrize(
    ("size", "n", "sent", "mentions"),
    [
        (PART + 10, 0, PART - 1, ("0", str(PART))),
        (PART + 10, 0, PART + 1, ("0", str(PART))),
        (PART + 10, 1, 9, ("1", "10")),
        (PART + 10, 1, PART, ("1", "10")),
        (PART + 10, 2, 10, ("so_thu_tu",)),
        (PART + 10, -1, 10, ("so_thu_tu",)),
    ],
    ids=["short", "long", "short-last", "full-last", "past-end", "negative"],
)
async def test_wrong_part_size_or_number_is_refused(
    nq71: Nq71, size: int, n: int, sent: int, mentions: tuple[str, ...]
) -> None:
    """Parts must be exactly 1 MiB except the last (the remainder), numbered within range."""
    upload_id = await start(nq71, pdf(size))
    resp = await nq71.call("PUT", f"/tai-lieu/{upload_id}/phan/{n}", content=b"\0" * sent)
    assert_error(resp, "DU_LIEU_KHONG_HOP_LE", *mentions)
    assert await nq71.ok("GET", f"/tai-lieu/{upload_id}") == {"da_nhan": [], "hoan_tat": False}


async def test_missing_parts_are_named_on_completion(nq71: Nq71) -> None:
    """hoan-tat with parts missing: DU_LIEU_KHONG_HOP_LE listing them."""
    data = pdf(3 * PART + 1)
    upload_id = await start(nq71, data)
    await nq71.ok("PUT", f"/tai-lieu/{upload_id}/phan/1", content=chunks(data)[1])
    resp = await nq71.call("POST", f"/tai-lieu/{upload_id}/hoan-tat")
    assert_error(resp, "DU_LIEU_KHONG_HOP_LE", "0, 2, 3")


async def test_sha256_mismatch_is_sai_ma_bam(nq71: Nq71) -> None:
    """Bytes that do not hash to the declared sha256: SAI_MA_BAM, no document."""
    data = pdf()
    upload_id = await start(nq71, data, sha256=hashlib.sha256(b"other").hexdigest())
    await nq71.ok("PUT", f"/tai-lieu/{upload_id}/phan/0", content=data)
    assert_error(await nq71.call("POST", f"/tai-lieu/{upload_id}/hoan-tat"), "SAI_MA_BAM")
    assert (await nq71.state())["documents"] == []


async def test_upper_case_sha256_is_accepted(nq71: Nq71) -> None:
    """The declared sha256 may be upper-case hex."""
    data = pdf()
    upload_id = await start(nq71, data, sha256=hashlib.sha256(data).hexdigest().upper())
    await nq71.ok("PUT", f"/tai-lieu/{upload_id}/phan/0", content=data)
    assert (await nq71.ok("POST", f"/tai-lieu/{upload_id}/hoan-tat"))["tai_lieu_id"]


@pytest.mark.parametrize(
    ("data", "kind"),
    [
        (pdf(), "pdf"),
        (b"\xff\xd8\xff\xe0" + b"\0" * 50, "jpeg"),
        (b"\x89PNG\r\n\x1a\n" + b"\0" * 50, "png"),
        (office("word"), "docx"),
        (office("xl"), "xlsx"),
    ],
)
async def test_supported_types_by_magic_bytes(nq71: Nq71, data: bytes, kind: str) -> None:
    """PDF, JPEG, PNG, DOCX and XLSX are recognised by their content, whatever the name."""
    tai_lieu_id = await nq71.upload(data, name="tep-khong-duoi")
    (document,) = (await nq71.state())["documents"]
    assert (document["tai_lieu_id"], document["dinh_dang"]) == (tai_lieu_id, kind)


@pytest.mark.parametrize(
    "data",
    [b"Hello, plain text", office("ppt"), b"PK\x03\x04 broken zip", b"GIF89a" + b"\0" * 10],
    ids=["text", "pptx-like-zip", "broken-zip", "gif"],
)
async def test_other_types_are_loai_tep_khong_ho_tro(nq71: Nq71, data: bytes) -> None:
    """Content that is none of the five types, even named .pdf: LOAI_TEP_KHONG_HO_TRO."""
    upload_id = await start(nq71, data, ten_tep="gia.pdf")
    await nq71.ok("PUT", f"/tai-lieu/{upload_id}/phan/0", content=data)
    resp = await nq71.call("POST", f"/tai-lieu/{upload_id}/hoan-tat")
    assert_error(resp, "LOAI_TEP_KHONG_HO_TRO")


async def test_file_size_limit_is_50_mib(nq71: Nq71) -> None:
    """kich_thuoc of 50 MiB is accepted; one byte more is TEP_QUA_LON."""
    body = start_body(b"", kich_thuoc=50 * MIB)
    assert (await nq71.ok("POST", "/tai-lieu/khoi-tao", json=body))["upload_id"]
    body = start_body(b"", kich_thuoc=50 * MIB + 1)
    assert_error(await nq71.call("POST", "/tai-lieu/khoi-tao", json=body), "TEP_QUA_LON")


@pytest.mark.parametrize(
    ("fields", "field"),
    [
        ({"sha256": "abc"}, "sha256"),
        ({"sha256": "g" * 64}, "sha256"),
        ({"loai_tai_lieu": "anh"}, "loai_tai_lieu"),
        ({"kich_thuoc": 0}, "kich_thuoc"),
        ({"kich_thuoc": "10"}, "kich_thuoc"),
        ({"ten_tep": ""}, "ten_tep"),
    ],
    ids=repr,
)
async def test_invalid_start_is_du_lieu_khong_hop_le(
    nq71: Nq71, fields: dict[str, Any], field: str
) -> None:
    """A malformed khoi-tao body: DU_LIEU_KHONG_HOP_LE naming the field."""
    resp = await nq71.call("POST", "/tai-lieu/khoi-tao", json=start_body(pdf(), **fields))
    assert_error(resp, "DU_LIEU_KHONG_HOP_LE", field)


async def test_unknown_upload_is_khong_tim_thay(nq71: Nq71) -> None:
    """Part, status or completion of an unknown upload: KHONG_TIM_THAY."""
    unknown = "00000000-0000-4000-8000-000000000000"
    assert_error(await nq71.call("GET", f"/tai-lieu/{unknown}"), "KHONG_TIM_THAY", unknown)
    resp = await nq71.call("PUT", f"/tai-lieu/{unknown}/phan/0", content=b"x")
    assert_error(resp, "KHONG_TIM_THAY")
    assert_error(await nq71.call("POST", f"/tai-lieu/{unknown}/hoan-tat"), "KHONG_TIM_THAY")


async def test_unfinished_upload_expires_after_24_hours(nq71: Nq71) -> None:
    """An unfinished upload lives until 24 h after khoi-tao, then is KHONG_TIM_THAY and gone."""
    data = pdf(PART + 1)
    upload_id = await start(nq71, data)
    await nq71.ok("PUT", f"/tai-lieu/{upload_id}/phan/0", content=chunks(data)[0])
    await nq71.later(24 * 3600 - 1)
    assert await nq71.ok("GET", f"/tai-lieu/{upload_id}") == {"da_nhan": [0], "hoan_tat": False}
    await nq71.later(1)
    assert_error(await nq71.call("GET", f"/tai-lieu/{upload_id}"), "KHONG_TIM_THAY")
    resp = await nq71.call("PUT", f"/tai-lieu/{upload_id}/phan/1", content=chunks(data)[1])
    assert_error(resp, "KHONG_TIM_THAY")
    assert_error(await nq71.call("POST", f"/tai-lieu/{upload_id}/hoan-tat"), "KHONG_TIM_THAY")
    assert (await nq71.state())["uploads"] == []


async def test_completed_upload_does_not_expire(nq71: Nq71) -> None:
    """A completed upload still answers after 24 h, with the same document id."""
    data = pdf()
    upload_id = await start(nq71, data)
    await nq71.ok("PUT", f"/tai-lieu/{upload_id}/phan/0", content=data)
    done = await nq71.ok("POST", f"/tai-lieu/{upload_id}/hoan-tat")
    await nq71.later(48 * 3600)
    assert await nq71.ok("GET", f"/tai-lieu/{upload_id}") == {"da_nhan": [0], "hoan_tat": True}
    assert await nq71.ok("POST", f"/tai-lieu/{upload_id}/hoan-tat") == done


async def test_same_file_uploaded_twice_gives_two_documents(nq71: Nq71) -> None:
    """Two uploads of the same bytes give two different tai_lieu_id."""
    data = pdf()
    assert await nq71.upload(data) != await nq71.upload(data)
    assert len((await nq71.state())["documents"]) == 2
