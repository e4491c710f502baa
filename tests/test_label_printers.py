"""Label printers on both engines: a fake Brother QL on 127.0.0.1 records the job, the raster
is decoded back into images whose QR codes zxing-cpp reads; an unreachable printer is a clear
error in time, never a hang."""

from __future__ import annotations

import asyncio
import contextlib
import io
import socket
import time
from pathlib import Path

import zxingcpp
from brother_ql.reader import BrotherQLReader
from conftest import auth
from network_support import LYON, other_lieu
from PIL import Image

from exchange.labels import printers


@contextlib.asynccontextmanager
async def fake_printer():
    """A raw printing port on 127.0.0.1 that keeps every byte it receives, per connection."""
    jobs: list[bytearray] = []

    async def take(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        job = bytearray()
        jobs.append(job)
        while chunk := await reader.read(65536):
            job.extend(chunk)
        writer.close()

    server = await asyncio.start_server(take, "127.0.0.1", 0)
    try:
        yield server.sockets[0].getsockname()[1], jobs
    finally:
        server.close()
        await server.wait_closed()


def decoded(job: bytes, tmp_path: Path) -> list[Image.Image]:
    reader = BrotherQLReader(io.BytesIO(job))
    reader.filename_fmt = str(tmp_path / "label{counter:04d}.png")
    with contextlib.redirect_stdout(io.StringIO()):
        reader.analyse()
    # The reader keeps the rows of the pages before on each page it saves: each label is
    # what a page adds to the one before.
    pages = [Image.open(path) for path in sorted(tmp_path.glob("label*.png"))]
    tops = [0] + [page.height for page in pages[:-1]]
    return [page.crop((0, top, page.width, page.height)) for page, top in zip(pages, tops)]


async def _items(client, lieu, count: int) -> list[str]:
    codes = []
    for n in range(count):
        body = {"category": "plywood", "title": f"Chute {n}", "workshop": "bois", "length_mm": 800, "width_mm": 300}
        codes.append((await client.post("/api/v1/items", json=body, headers=auth(lieu, "steward"))).json()["code"])
    return codes


async def test_printing_to_a_fake_printer(client, lieu, tmp_path):
    codes = await _items(client, lieu, 2)
    async with fake_printer() as (port, jobs):
        printer = {"name": "Atelier bois", "model": "QL-820NWB", "label": "62x29", "uri": f"tcp://127.0.0.1:{port}"}
        answer = await client.post("/api/v1/printers", json=printer, headers=auth(lieu, "coordinator"))
        assert answer.status_code == 201, answer.text
        listed = (await client.get("/api/v1/printers", headers=auth(lieu, "steward"))).json()
        assert listed == [{**printer, "lieu": "la-fabrique-test"}]  # the coordinator's own lieu

        answer = await client.post(
            "/api/v1/labels/print", json={"codes": codes, "printer": "Atelier bois"}, headers=auth(lieu, "steward")
        )
        assert answer.status_code == 202, answer.text
        assert answer.json()["codes"] == codes
        for _ in range(50):  # the server task may still be reading the last chunk
            if jobs and len(jobs[0]) == answer.json()["bytes_sent"]:
                break
            await asyncio.sleep(0.01)
    assert len(jobs) == 1 and len(jobs[0]) == answer.json()["bytes_sent"]
    images = decoded(bytes(jobs[0]), tmp_path)
    assert len(images) == 2
    for image, code in zip(images, codes):
        # The head's 720 dots by the die-cut label's 271 dots along the feed, at 300 dpi.
        assert image.size == (720, 271)
        assert [result.text for result in zxingcpp.read_barcodes(image)] == [f"https://lieu.example/i/{code}"]


async def test_each_lieu_prints_on_its_own_printers(client, lieu):
    """On a network, a printer is its lieu's: listed to, and printed on by, that lieu's stewards;
    configured by its coordinators (and the network's); another lieu's is as if it were not."""
    lyon = await other_lieu(LYON, "lyon-bois")
    (code,) = await _items(client, lieu, 1)
    async with fake_printer() as (port, jobs):
        theirs = {"name": "QL Lyon", "model": "QL-820NWB", "label": "62", "uri": f"tcp://127.0.0.1:{port}"}
        made = await client.post("/api/v1/printers", json=theirs, headers=lyon.auth("coordinator"))
        assert made.status_code == 201 and made.json()["lieu"] == "fablab-lyon", made.text
        ours = {**theirs, "name": "QL bois"}
        made = await client.post("/api/v1/printers", json=ours, headers=auth(lieu, "coordinator"))
        assert made.json()["lieu"] == "la-fabrique-test"

        def names(answer) -> list[str]:
            assert answer.status_code == 200, answer.text
            return [p["name"] for p in answer.json()]

        assert names(await client.get("/api/v1/printers", headers=auth(lieu, "steward"))) == ["QL bois"]
        assert names(await client.get("/api/v1/printers", headers=lyon.auth("steward"))) == ["QL Lyon"]
        assert names(await client.get("/api/v1/printers", headers=auth(lieu, "network"))) == ["QL Lyon", "QL bois"]
        # another lieu's printer: not ours to print on, change, or take the name of
        job = {"codes": [code], "printer": "QL Lyon"}
        assert (await client.post("/api/v1/labels/print", json=job, headers=auth(lieu, "steward"))).status_code == 404
        hijack = {**theirs, "uri": "tcp://127.0.0.1:9", "lieu": "fablab-lyon"}
        refused = await client.post("/api/v1/printers", json=hijack, headers=auth(lieu, "coordinator"))
        assert refused.status_code == 403
        same_name = await client.post(
            "/api/v1/printers", json={**theirs, "uri": "tcp://127.0.0.1:9"}, headers=auth(lieu, "coordinator")
        )
        assert same_name.status_code == 409
        assert (await client.get("/api/v1/printers", headers=lyon.auth("steward"))).json()[0]["uri"] == theirs["uri"]
        # the page lists the lieu's own printers only
        client.cookies.set("exchange_session", lieu.tokens["steward"])
        page = (await client.get("/labels", params={"codes": code})).text
        assert "QL bois" in page and "QL Lyon" not in page
        # Lyon's steward prints a label of ours (a piece Lyon reserved, say) on Lyon's printer
        sent = await client.post("/api/v1/labels/print", json=job, headers=lyon.auth("steward"))
        assert sent.status_code == 202, sent.text
        assert len(jobs) == 1


async def test_bad_printers_are_refused(client, lieu):
    coordinator = auth(lieu, "coordinator")
    for bad, field in (
        ({"model": "QL-9999"}, "model"),
        ({"label": "102"}, "label"),  # the wide labels fit only the QL-1000 series
        ({"uri": "/etc/passwd"}, "uri"),
        ({"uri": "http://printer/"}, "uri"),
        ({"uri": "tcp://printer:99999"}, "uri"),
    ):
        body = {"name": "P", "model": "QL-700", "label": "62", "uri": "tcp://127.0.0.1:9100", **bad}
        answer = await client.post("/api/v1/printers", json=body, headers=coordinator)
        assert (answer.status_code, answer.json().get("field")) == (422, field), answer.text
    assert (await client.get("/api/v1/printers", headers=coordinator)).json() == []
    print_job = {"codes": ["7K3M-Q9D2"], "printer": "nowhere"}
    assert (await client.post("/api/v1/labels/print", json=print_job, headers=auth(lieu, "steward"))).status_code == 404


async def test_an_unreachable_printer_is_a_clear_error_in_time(client, lieu, monkeypatch):
    assert printers.SEND_TIMEOUT_S <= 5
    (code,) = await _items(client, lieu, 1)
    coordinator, steward = auth(lieu, "coordinator"), auth(lieu, "steward")
    # A port nothing listens on: refused at once.
    closed = socket.socket()
    closed.bind(("127.0.0.1", 0))
    refused_port = closed.getsockname()[1]
    closed.close()
    # A port that never completes a connection: its accept queue is full and never drained,
    # so the kernel drops further SYNs (a switched-off printer on the network behaves so).
    blackhole = socket.socket()
    blackhole.bind(("127.0.0.1", 0))
    blackhole.listen(0)
    fillers = []
    for _ in range(4):
        filler = socket.socket()
        filler.setblocking(False)
        with contextlib.suppress(BlockingIOError):
            filler.connect(blackhole.getsockname())
        fillers.append(filler)
    monkeypatch.setattr(printers, "SEND_TIMEOUT_S", 1.0)
    try:
        for name, port, status in (("off", refused_port, 502), ("silent", blackhole.getsockname()[1], 504)):
            body = {"name": name, "model": "QL-700", "label": "62", "uri": f"tcp://127.0.0.1:{port}"}
            assert (await client.post("/api/v1/printers", json=body, headers=coordinator)).status_code == 201
            started = time.monotonic()
            answer = await client.post("/api/v1/labels/print", json={"codes": [code], "printer": name}, headers=steward)
            assert time.monotonic() - started < 2.5
            assert answer.status_code == status, answer.text
            problem = answer.json()
            assert problem["status"] == status and f"127.0.0.1:{port}" in problem["detail"]
            assert answer.headers["content-type"].startswith("application/problem+json")
    finally:
        for filler in fillers:
            filler.close()
        blackhole.close()
