"""Edge cases of ``POST /api/import`` (API.md "Activities and bulk import", README "Activity
metrics and importing history"): odd CSV and NDJSON files, line numbers, counts, refusals.
Each test states the documented rule it holds the server to; where the server breaks the
rule the test is a strict xfail with the reason."""

import json
from typing import Any

from tests.test_import import _import, _setup

CSV = "text/csv"
NDJSON = "application/x-ndjson"
DEAL_HEAD = "type,external_id,seller_id,amount,customer\n"


async def _post(api, body, media: str | None = CSV, token=None):
    """The raw response of an import (any status)."""
    headers = {**api.auth(token), **({"Content-Type": media} if media else {})}
    return await api.client.post("/api/import", content=body, headers=headers)


async def _imported(api) -> dict[str, dict[str, Any]]:
    """external_id → its ledger entry, for every deal and activity recorded."""
    return {
        e["data"]["external_id"]: e
        for e in await api.ledger()
        if e["kind"] in ("deal.won", "deal.lost", "activity") and e["data"].get("external_id")
    }


def _adds_up(report: dict[str, Any], rows: int) -> None:
    assert report["rows"] == rows, report
    assert report["accepted"] + report["duplicates"] + report["refused"] == rows, report
    assert len(report["rejected"]) == report["refused"], report


async def test_a_utf8_bom_before_the_csv_header_is_ignored(api):
    """A CSV saved with a UTF-8 byte order mark (Excel's "CSV UTF-8") imports like one without."""
    *_, a, _ = await _setup(api)
    body = "\ufeff" + DEAL_HEAD + f"deal,bom-1,{a['id']},100,Equinor\n"
    response = await _post(api, body.encode())
    assert response.status_code == 200, response.text
    assert response.json()["accepted"] == 1
    assert "bom-1" in await _imported(api)


async def test_crlf_files_keep_their_values_and_line_numbers(api):
    """A CRLF file reads like an LF one: no value keeps a CR and line numbers count the header."""
    *_, a, _ = await _setup(api)
    body = (
        DEAL_HEAD
        + f"deal,crlf-1,{a['id']},100,Equinor\r\n"  # 2
        + f'deal,crlf-2,{a["id"]},200,"Acme, ""The Best"" AS"\r\n'  # 3
        + f'deal,crlf-3,{a["id"]},300,"Two\r\nlines AS"\r\n'  # 4-5
        + f"deal,crlf-4,{a['id']},lots,DNB\r\n"  # 6: refused
        + f'deal,crlf-5,{a["id"]},lots,"Also\r\ntwo"\r\n'  # 7-8: refused
        + f"deal,crlf-6,{a['id']},600,Telenor"  # 9, no line break at the end
    )
    report = await _import(api, body.encode())
    _adds_up(report, 6)
    assert [r["line"] for r in report["rejected"]] == [6, 7]
    got = await _imported(api)
    assert got["crlf-1"]["data"]["customer"] == "Equinor"
    assert got["crlf-2"]["data"]["customer"] == 'Acme, "The Best" AS'
    assert got["crlf-3"]["data"]["customer"].replace("\r", "") == "Two\nlines AS"
    assert got["crlf-6"]["data"]["customer"] == "Telenor"
    assert not any("\r" in e["data"]["customer"] for k, e in got.items() if k != "crlf-3")


async def test_a_stray_quote_in_an_unquoted_field_loses_no_other_row(api):
    """A stray quote inside an unquoted field never swallows or loses the rows after it."""
    *_, a, _ = await _setup(api)
    body = (
        DEAL_HEAD
        + f'deal,sq-1,{a["id"]},100,Acme 5" Pipes\n'
        + f"deal,sq-2,{a['id']},200,Bolt AS\n"
        + f'deal,sq-3,{a["id"]},300,Nut 6" Co\n'
        + f"deal,sq-4,{a['id']},400,Fine AS\n"
    )
    report = await _import(api, body.encode())
    got = await _imported(api)
    assert "sq-2" in got and "sq-4" in got  # plain rows are never lost
    _adds_up(report, 4)


async def test_a_carriage_return_inside_a_field_is_one_bad_row(api):
    """A lone CR inside a field refuses at most its own row: still a 200, every other row kept."""
    *_, a, _ = await _setup(api)
    rows = [f"deal,cr-{i},{a['id']},100,Customer {i}\n" for i in range(150)]
    rows.insert(120, f"deal,cr-bad,{a['id']},100,Ac\rme\n")  # line 122
    response = await _post(api, (DEAL_HEAD + "".join(rows)).encode())
    assert response.status_code == 200, response.text
    report = response.json()
    assert report["accepted"] + report["refused"] == 151
    assert [r["line"] for r in report["rejected"]] in ([], [122])
    got = await _imported(api)
    assert all(f"cr-{i}" in got for i in range(150))


async def test_a_control_character_refuses_only_its_row(api):
    """A NUL or other control character refuses its own row alone; the rows around it import."""
    *_, a, _ = await _setup(api)
    body = (
        DEAL_HEAD
        + f"deal,nul-1,{a['id']},100,Equinor\n"
        + f"deal,nul-2,{a['id']},100,Ac\x00me\n"  # 3
        + f"deal,nul-3,{a['id']},100,Be\x07ll\n"  # 4
        + f"deal,nul-4,{a['id']},100,DNB\n"
    )
    report = await _import(api, body.encode())
    _adds_up(report, 4)
    assert report["accepted"] >= 2
    assert {r["line"] for r in report["rejected"]} <= {3, 4}
    assert 3 in {r["line"] for r in report["rejected"]}
    got = await _imported(api)
    assert {"nul-1", "nul-4"} <= set(got) and "nul-2" not in got


async def test_unknown_extra_and_missing_columns(api):
    """Unknown columns are ignored, extra values refuse the row, no 'type' header is a 422."""
    *_, a, _ = await _setup(api)
    body = (
        "Type , External_ID,seller_id,amount,customer,notes\n"
        f"deal,col-1,{a['id']},100,Equinor,called twice\n"
        f"deal,col-2,{a['id']},100,Equinor,note,one value too many\n"  # 3
        f"deal,col-3,{a['id']},100\n"  # 4: no customer
        f"deal,col-4,{a['id']},100,DNB\n"
    )
    report = await _import(api, body.encode())
    _adds_up(report, 4)
    assert report["accepted"] == 2
    details = {r["line"]: r["detail"] for r in report["rejected"]}
    assert set(details) == {3, 4}
    assert "7 values for 6 columns" in details[3]
    assert "customer is required" in details[4]
    before = await api.ledger()
    no_header = f"deal,nh-1,{a['id']},100,Equinor\ndeal,nh-2,{a['id']},100,DNB\n"
    refused = await _import(api, no_header.encode(), expect=422)
    assert refused["status"] == 422 and "type" in refused["detail"]
    assert await api.ledger() == before


async def test_blank_lines_count_as_lines_but_not_as_rows(api):
    """Blank lines are no rows but count as lines; a last line without a line break imports."""
    *_, a, b = await _setup(api)
    csv_body = (
        "\n"  # 1: blank before the header
        + DEAL_HEAD  # 2
        + "\n"  # 3
        + f"deal,bl-1,{a['id']},100,Equinor\n"  # 4
        + "   \n"  # 5
        + "\r\n"  # 6
        + f"deal,bl-2,{a['id']},lots,Equinor\n"  # 7: refused
        + f"deal,bl-3,{a['id']},100,DNB"  # 8, no line break
    )
    report = await _import(api, csv_body.encode())
    _adds_up(report, 3)
    assert report["rejected"] == [{"line": 7, "detail": "amount must be a number, not 'lots'"}]
    row = {"type": "activity", "member_id": b["id"], "metric": "calls"}
    nd_body = (
        "\n"  # 1
        + json.dumps({**row, "external_id": "nb-1"})  # 2
        + "\r\n \t \r\n"  # 3
        + "{not json\n"  # 4
        + "\n"  # 5
        + "[1, 2]\n"  # 6
        + json.dumps({**row, "external_id": "nb-2"})  # 7, no line break
    )
    report = await _import(api, nd_body.encode(), media=NDJSON)
    _adds_up(report, 4)
    assert [r["line"] for r in report["rejected"]] == [4, 6]
    got = await _imported(api)
    assert {"bl-1", "bl-3", "nb-1", "nb-2"} <= set(got) and "bl-2" not in got


async def test_an_empty_or_header_only_file_imports_nothing(api):
    """A header-only CSV or an empty NDJSON body is a 200 that counts and records nothing."""
    await _setup(api)
    before = await api.ledger()
    empty = {"rows": 0, "accepted": 0, "duplicates": 0, "refused": 0, "rejected": []}
    assert await _import(api, DEAL_HEAD.encode()) == empty
    assert await _import(api, (DEAL_HEAD + "\n\n").encode()) == empty
    assert await _import(api, b"", media=NDJSON) == empty
    assert await _import(api, b"\n \n", media=NDJSON) == empty
    assert await api.ledger() == before


async def test_non_utf8_bytes_in_one_row_never_stop_the_others(api):
    """A row with non-UTF-8 bytes never stops the rows after it and the counts add up."""
    *_, a, _ = await _setup(api)
    body = (
        DEAL_HEAD.encode()
        + f"deal,l1-1,{a['id']},100,".encode()
        + b"Bj\xf8rn AS\n"
        + f"deal,l1-2,{a['id']},100,\xe9\xff\xfe\n".encode("latin-1")
        + f"deal,l1-3,{a['id']},100,Equinor\n".encode()
    )
    report = await _import(api, body)
    _adds_up(report, 3)
    assert "l1-3" in await _imported(api)


async def test_a_very_long_line_never_stops_the_rows_after_it(api):
    """A megabyte-long line is one row at its own line; the rows after it import unharmed."""
    *_, a, _ = await _setup(api)
    deal = {"type": "deal", "seller_id": a["id"], "amount": 100, "customer": "Equinor"}
    lines = [
        json.dumps({**deal, "external_id": "ll-1"}),  # 1
        json.dumps({**deal, "external_id": "ll-2", "note": "n" * 1_000_000}),  # 2
        json.dumps({**deal, "external_id": "ll-3"}),  # 3
        json.dumps({**deal, "external_id": "ll-4", "amount": "lots"}),  # 4: refused
    ]
    report = await _import(api, "\n".join(lines).encode(), media=NDJSON)
    _adds_up(report, 4)
    assert [r["line"] for r in report["rejected"]] in ([4], [2, 4])
    got = await _imported(api)
    assert {"ll-1", "ll-3"} <= set(got) and "ll-4" not in got


async def test_ndjson_fractional_or_boolean_ids_and_amounts_are_refused(api):
    """A fractional or boolean id or amount in NDJSON is refused, never rounded to a member."""
    *_, a, b = await _setup(api)
    deal = {"type": "deal", "seller_id": a["id"], "amount": 100, "customer": "Equinor"}
    lines = [
        {**deal, "external_id": "fr-1", "seller_id": b["id"] + 0.5},
        {**deal, "external_id": "fr-2", "seller_id": True},
        {**deal, "external_id": "fr-3", "amount": True},
        {**deal, "external_id": "fr-4", "assists": [b["id"] + 0.9]},
        {**deal, "external_id": "fr-5"},
    ]
    report = await _import(api, "\n".join(map(json.dumps, lines)).encode(), media=NDJSON)
    _adds_up(report, 5)
    assert [r["line"] for r in report["rejected"]] == [1, 2, 3, 4]
    assert set(await _imported(api)) == {"fr-5"}


async def test_a_refused_row_leaves_its_external_id_free(api):
    """A refused row changes nothing: its external_id stays free for a later, valid row."""
    *_, a, _ = await _setup(api)
    body = (
        DEAL_HEAD
        + f"deal,fx-1,{a['id']},-5,Equinor\n"  # 2: refused by the scoring rules
        + f"deal,fx-1,{a['id']},100,Equinor\n"  # 3
        + f"deal,fx-1,{a['id']},100,Equinor\n"  # 4: a duplicate of line 3
    )
    first = await _import(api, body.encode())
    assert (first["accepted"], first["duplicates"], first["refused"]) == (1, 1, 1)
    assert [r["line"] for r in first["rejected"]] == [2]
    assert (await _imported(api))["fx-1"]["data"]["amount"] == 100
    board = await api.board(season="all")
    again = await _import(api, body.encode())
    assert (again["accepted"], again["duplicates"], again["refused"]) == (0, 2, 1)
    assert await api.board(season="all") == board


async def test_a_mixed_file_counts_every_row_once(api):
    """In a mixed file every row is accepted, a duplicate or refused once: the counts add up."""
    *_, a, b = await _setup(api)
    head = "type,external_id,seller_id,member_id,amount,customer,outcome,metric,value\n"
    earlier = head + f"activity,mx-old,,{b['id']},,,,calls,1\n"
    assert (await _import(api, earlier.encode()))["accepted"] == 1
    body = (
        head
        + f"deal,mx-1,{a['id']},,100,Equinor,won,,\n"  # 2
        + f"activity,mx-2,,{b['id']},,,,calls,2\n"  # 3
        + f"activity,mx-2,,{b['id']},,,,calls,2\n"  # 4: duplicate within the file
        + f"activity,mx-old,,{b['id']},,,,calls,1\n"  # 5: duplicate of the earlier import
        + f"deal,mx-3,{a['id']},,100,DNB,maybe,,\n"  # 6: refused (outcome)
        + f"activity,mx-4,,{b['id']},,,,nope,1\n"  # 7: refused (metric)
        + f"DEAL,mx-5,{a['id']},,900,Telenor,LOST,,\n"  # 8
        + f"activity,mx-6,,{b['id']},,,,calls,0\n"  # 9: refused (value)
        + f"task,mx-7,{a['id']},,,,,,\n"  # 10: refused (type)
    )
    report = await _import(api, body.encode())
    _adds_up(report, 9)
    assert (report["accepted"], report["duplicates"], report["refused"]) == (3, 2, 4)
    assert [r["line"] for r in report["rejected"]] == [6, 7, 9, 10]
    got = await _imported(api)
    assert got["mx-5"]["kind"] == "deal.lost" and got["mx-2"]["data"]["value"] == 2
    again = await _import(api, body.encode())
    assert (again["accepted"], again["duplicates"], again["refused"]) == (0, 5, 4)


async def test_a_member_email_in_another_case_names_the_member(api):
    """seller_email and member_email name the member whatever their letters' case."""
    *_, a, b = await _setup(api)  # ana@example.com, bo@example.com
    body = (
        "type,external_id,seller_email,member_email,amount,customer,metric\n"
        "deal,em-1,ANA@Example.COM,,100,Equinor,\n"
        "activity,em-2,,  Bo@EXAMPLE.com ,,,calls\n"
        "activity,em-3,,nobody@example.com,,,calls\n"
    )
    report = await _import(api, body.encode())
    assert (report["accepted"], [r["line"] for r in report["rejected"]]) == (2, [4])
    got = await _imported(api)
    assert got["em-1"]["member_id"] == a["id"] and got["em-2"]["member_id"] == b["id"]


async def test_times_without_an_offset_are_refused(api):
    """A closed_at or occurred_at without an offset (or a bare date) is refused, saying so."""
    *_, a, b = await _setup(api)
    body = (
        "type,external_id,seller_id,member_id,amount,customer,closed_at,metric,occurred_at\n"
        f"deal,tz-1,{a['id']},,100,Equinor,2026-02-03T10:00:00,,\n"  # 2
        f"deal,tz-2,{a['id']},,100,Equinor,2026-02-03,,\n"  # 3
        f"activity,tz-3,,{b['id']},,,,calls,2026-02-03T10:00:00\n"  # 4
        f"deal,tz-4,{a['id']},,100,Equinor,03.02.2026 10:00,,\n"  # 5
        f"deal,tz-5,{a['id']},,100,Equinor,2026-02-03T10:00:00Z,,\n"  # 6
    )
    report = await _import(api, body.encode())
    _adds_up(report, 5)
    details = {r["line"]: r["detail"] for r in report["rejected"]}
    assert set(details) == {2, 3, 4, 5}
    assert all("offset" in details[line] for line in (2, 3, 4))
    assert "ISO 8601" in details[5]
    assert set(await _imported(api)) == {"tz-5"}


async def test_bad_amounts_are_refused_and_change_nothing(api):
    """A negative, non-numeric, NaN, infinite or huge amount is refused and changes nothing."""
    *_, a, _ = await _setup(api)
    amounts = ["-5", "NaN", "inf", "-inf", "1e13", "1,000", "12 kr", "0x10", ""]
    body = DEAL_HEAD + "".join(
        f'deal,am-{i},{a["id"]},"{amount}",Equinor\n' for i, amount in enumerate(amounts)
    )
    before, board = await api.ledger(), await api.board(season="all")
    report = await _import(api, body.encode())
    _adds_up(report, len(amounts))
    assert report["accepted"] == 0
    assert [r["line"] for r in report["rejected"]] == list(range(2, 2 + len(amounts)))
    assert all("amount" in r["detail"] for r in report["rejected"])
    assert await api.ledger() == before
    assert await api.board(season="all") == board


async def test_an_over_long_customer_or_external_id_is_refused_alone(api):
    """A customer or external_id over 200 characters is refused alone, as POST /api/deals does."""
    *_, a, b = await _setup(api)
    head = "type,external_id,seller_id,member_id,amount,customer,metric\n"
    body = (
        head
        + f"deal,lo-1,{a['id']},,100,Equinor,\n"
        + f"deal,lo-2,{a['id']},,100,{'C' * 201},\n"  # 3
        + f"deal,lo-3,{a['id']},,100,DNB,\n"
        + f"activity,{'E' * 201},,{b['id']},,,calls\n"  # 5
        + f"activity,lo-5,,{b['id']},,,calls\n"
    )
    report = await _import(api, body.encode())
    _adds_up(report, 5)
    assert report["accepted"] == 3
    assert [r["line"] for r in report["rejected"]] == [3, 5]
    assert all("200" in r["detail"] for r in report["rejected"])
    assert {"lo-1", "lo-3", "lo-5"} == set(await _imported(api))


async def test_a_wrong_content_type_is_a_415_in_words(api):
    """Any Content-Type but CSV or NDJSON (or none) is a 415 that says what to send."""
    *_, a, _ = await _setup(api)
    body = (DEAL_HEAD + f"deal,ct-1,{a['id']},100,Equinor\n").encode()
    before = await api.ledger()
    for media in (None, "text/plain", "application/json", "multipart/form-data; boundary=x"):
        response = await _post(api, body, media)
        assert response.status_code == 415, (media, response.text)
        assert response.headers["content-type"].startswith("application/problem+json")
        problem = response.json()
        assert problem["status"] == 415
        assert "text/csv" in problem["detail"] and "application/x-ndjson" in problem["detail"]
    assert await api.ledger() == before
    response = await _post(api, body, "Text/CSV; charset=utf-8")
    assert response.status_code == 200 and response.json()["accepted"] == 1


async def test_only_admin_and_integration_tokens_may_import(api):
    """Admin and integration tokens import; others get a 403, no or unknown token a 401."""
    *_, team, a, _ = await _setup(api)
    manager = await api.member(team["id"], role="manager")
    display = await api.role_token("display")
    integration = await api.role_token("integration")
    body = (DEAL_HEAD + f"deal,tk-1,{a['id']},100,Equinor\n").encode()
    before = await api.ledger()
    for token in (api.tokens[manager["id"]], display):
        response = await _post(api, body, token=token)
        assert response.status_code == 403, response.text
        assert "admin or integration" in response.json()["detail"]
    response = await api.client.post("/api/import", content=body, headers={"Content-Type": CSV})
    assert response.status_code == 401
    assert (await _post(api, body, token="hud_not-a-token")).status_code == 401
    assert await api.ledger() == before
    report = await _import(api, body, token=integration)
    assert report["accepted"] == 1
    assert (await _imported(api))["tk-1"]["by"]["role"] == "integration"


async def test_the_rejected_rows_listed_are_the_first_thousand(api):
    """Past 1,000 refused rows, the report lists the file's first 1,000, in line order."""
    *_, a, _ = await _setup(api)
    body = (
        DEAL_HEAD
        + "".join(f"deal,ft-{i},99999,100,Equinor\n" for i in range(1_000))  # no such member
        + "".join(f"deal,fa-{i},{a['id']},lots,Equinor\n" for i in range(10))  # not a number
    )
    report = await _import(api, body.encode())
    assert (report["rows"], report["refused"], len(report["rejected"])) == (1_010, 1_010, 1_000)
    assert [r["line"] for r in report["rejected"]] == list(range(2, 1_002))


async def test_a_compressed_body_is_a_415_in_words(api):
    """A gzip body is not read as text: a 415 that says to send it uncompressed."""
    import gzip

    headers = {**api.auth(None), "Content-Type": CSV, "Content-Encoding": "gzip"}
    response = await api.client.post(
        "/api/import", content=gzip.compress(DEAL_HEAD.encode()), headers=headers
    )
    assert response.status_code == 415, response.text
    assert "uncompressed" in response.json()["detail"]
