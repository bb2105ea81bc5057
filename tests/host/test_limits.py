# SPDX-License-Identifier: Apache-2.0
"""fuma-host's defences, on by default: body, header, time and connection
limits, and the memory pictures take while they are decoded."""

import io
import os
import json
import socket
import struct
import threading
import time

from PIL import Image

from conftest import Client, closed_by_peer, read_response, wait_for_log


def test_body_over_max_body_is_413(start_host):
    host = start_host("--max-body", "1024")
    status, headers, body = host.request("POST", "/api/uscc/x", body=b"x" * 4096)
    assert status == 413
    assert headers["Connection"] == "close"
    doc = json.loads(body)
    assert doc["ok"] is False and doc["error"]["code"] == "PAYLOAD_TOO_LARGE"


def test_client_still_sending_a_large_body_reads_its_413(start_host):
    # The host refuses after the header, while megabytes are still on their
    # way; closing at once would reset the connection under the client.
    host = start_host("--max-body", "1024")
    status, _, body = host.request("POST", "/api/uscc/x", body=b"x" * (8 << 20))
    assert status == 413
    assert json.loads(body)["error"]["code"] == "PAYLOAD_TOO_LARGE"


def test_body_within_max_body_reaches_routing(start_host):
    host = start_host("--max-body", "1024")
    status, _, _ = host.request("POST", "/api/uscc/x", body=b"x" * 1024)
    assert status == 405


def test_chunked_body_over_max_body_is_413(start_host):
    host = start_host("--max-body", "1024")
    with host.socket() as sock:
        chunk = b"x" * 800
        request = (b"POST /healthz HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n"
                   + (b"%x\r\n" % len(chunk) + chunk + b"\r\n") * 2 + b"0\r\n\r\n")
        sock.sendall(request)
        status, _, body = read_response(sock)
    assert status == 413
    assert json.loads(body)["error"]["code"] == "PAYLOAD_TOO_LARGE"


def test_a_chunked_request_whose_end_comes_in_pieces_is_answered(host):
    # The last chunk's header, then the CRLF that ends the request a byte at
    # a time: Beast's parser reads that header again with four bytes at
    # hand, which an assertion of its own refuses in a build without NDEBUG
    # (examples/host/boost_assert.cpp). Each piece goes once the host has
    # read the one before, so that its parser meets them apart.
    with host.socket() as sock:
        sock.sendall(b"POST /healthz HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n"
                     b"0\r\n")
        for piece in (b"\r", b"\n"):
            wait_until_read_by_host(sock)
            sock.sendall(piece)
        status, _, _ = read_response(sock)
    assert status == 405


def wait_until_read_by_host(sock, deadline=30.0):
    """Waits until the host's end of an IPv4 connection holds nothing unread
    (its receive queue in /proc/net/tcp is empty)."""
    def proc_address(addr):
        ip, port = addr[:2]
        return "%08X:%04X" % (struct.unpack("<I", socket.inet_aton(ip))[0], port)
    hosts_end, ours = proc_address(sock.getpeername()), proc_address(sock.getsockname())
    end = time.monotonic() + deadline
    while time.monotonic() < end:
        with open("/proc/net/tcp") as table:
            for row in table.readlines()[1:]:
                fields = row.split()
                if fields[1] == hosts_end and fields[2] == ours:
                    if int(fields[4].split(":")[1], 16) == 0:
                        return
        time.sleep(0.001)
    raise AssertionError("the host left what was sent unread for %s s" % deadline)


def test_default_max_body_is_one_mebibyte(host):
    with host.socket() as sock:
        sock.sendall(b"POST /healthz HTTP/1.1\r\nHost: x\r\nContent-Length: %d\r\n\r\n"
                     % ((1 << 20) + 1))
        status, _, _ = read_response(sock)
    assert status == 413


def test_expect_100_continue_gets_continue_then_the_answer(host):
    with host.socket() as sock:
        sock.sendall(b"POST /healthz HTTP/1.1\r\nHost: x\r\nContent-Length: 5\r\n"
                     b"Expect: 100-continue\r\n\r\n")
        assert sock.recv(4096).startswith(b"HTTP/1.1 100 Continue\r\n")
        sock.sendall(b"hello")
        status, _, _ = read_response(sock)
    assert status == 405


def test_header_section_over_8_kib_is_431(host):
    with host.socket() as sock:
        sock.sendall(b"GET /healthz HTTP/1.1\r\nHost: x\r\nX-Big: " + b"a" * 9000 + b"\r\n\r\n")
        status, headers, body = read_response(sock)
        assert status == 431
        assert headers["connection"] == "close"
        assert json.loads(body)["error"]["code"] == "HEADER_TOO_LARGE"
        assert closed_by_peer(sock, 10)


def test_header_section_under_8_kib_is_served(host):
    status, _, _ = host.request("GET", "/healthz", headers={"X-Big": "a" * 7000})
    assert status == 200


def test_idle_connection_is_closed_after_timeout(start_host):
    host = start_host("--timeout", "1")
    with host.socket() as sock:
        start = time.monotonic()
        # Closed before the default 30 s would close it: the 1 s applies.
        assert closed_by_peer(sock, 25)
        took = time.monotonic() - start
    assert took >= 0.8, took


def test_idle_keep_alive_connection_is_closed_after_timeout(start_host):
    host = start_host("--timeout", "1")
    with host.socket() as sock:
        sock.sendall(b"GET /healthz HTTP/1.1\r\nHost: x\r\n\r\n")
        assert read_response(sock)[0] == 200
        start = time.monotonic()
        assert closed_by_peer(sock, 25)  # before the default 30 s
        assert time.monotonic() - start >= 0.8


def test_slow_header_is_cut_off_at_timeout(start_host):
    host = start_host("--timeout", "1")
    with host.socket() as sock:
        sock.sendall(b"GET /healthz HTTP/1.1\r\n")
        closed = False
        # One header byte every 0.3 s or more: each arrives in time, the
        # whole never. A timeout that only bounded each read would never
        # close it; the loop gives up long before the default 30 s.
        for _ in range(60):
            try:
                sock.sendall(b"X")
            except (BrokenPipeError, ConnectionResetError):
                closed = True
                break
            if closed_by_peer(sock, 0.3):
                closed = True
                break
        assert closed


def test_connections_beyond_max_connections_are_closed_at_once(start_host):
    host = start_host("--max-connections", "2")
    held = [host.socket(), host.socket()]
    try:
        for sock in held:  # both accepted and counted before the third arrives
            sock.sendall(b"GET /healthz HTTP/1.1\r\nHost: x\r\n\r\n")
            assert read_response(sock)[0] == 200
        with host.socket() as third:
            try:
                third.sendall(b"GET /healthz HTTP/1.1\r\nHost: x\r\n\r\n")
            except (BrokenPipeError, ConnectionResetError):
                pass
            # Closed, not held until the 30 s timeout.
            assert closed_by_peer(third, 25)
        held.pop().close()
        # The place is free again once the host has seen the close.
        deadline = time.monotonic() + 30
        while True:
            try:
                status, _, _ = host.request("GET", "/healthz")
                break
            except (ConnectionError, socket.timeout, OSError):
                if time.monotonic() > deadline:
                    raise
                time.sleep(0.1)
        assert status == 200
    finally:
        for sock in held:
            sock.close()


def test_one_address_cannot_take_every_connection(start_host):
    host = start_host("--max-connections", "10", "--max-connections-per-address", "2")
    held = [host.socket(), host.socket()]
    try:
        for sock in held:  # both accepted and counted before the third arrives
            sock.sendall(b"GET /healthz HTTP/1.1\r\nHost: x\r\n\r\n")
            assert read_response(sock)[0] == 200
        with host.socket() as third:
            try:
                third.sendall(b"GET /healthz HTTP/1.1\r\nHost: x\r\n\r\n")
            except (BrokenPipeError, ConnectionResetError):
                pass
            assert closed_by_peer(third, 25)  # closed, not held until the timeout
        # Another address is served while the first holds its share.
        assert host.request("GET", "/healthz", source="127.0.0.2")[0] == 200
        assert wait_for_log(host, "reason=max_connections_per_address max=2 address=127.0.0.1")
    finally:
        for sock in held:
            sock.close()


def test_a_trusted_proxy_is_not_held_to_the_per_address_share(start_host):
    host = start_host("--max-connections", "10", "--max-connections-per-address", "1",
                      "--trusted-proxy", "127.0.0.2")
    held = [host.socket(source="127.0.0.2") for _ in range(3)]
    try:
        for sock in held:
            sock.sendall(b"GET /healthz HTTP/1.1\r\nHost: x\r\n\r\n")
            assert read_response(sock)[0] == 200
    finally:
        for sock in held:
            sock.close()


# --- Pictures decoded at once: the engine's decode_pixel_budget ---------------
# docs/security.md: decoding a picture and reading its QR codes takes at most
# 12 bytes a pixel, and the engine decodes at most decode_pixel_budget
# (32,000,000 by default) pixels at once.
BYTES_PER_PIXEL = 12
DECODE_PIXEL_BUDGET = 32_000_000
# What else the host allocates while it answers: 24 bodies, threads' stacks,
# the engine's buffers.
MARGIN = 64 << 20


def status_bytes(pid, field):
    """A size from /proc/PID/status (VmHWM: the peak resident set), in bytes."""
    with open(f"/proc/{pid}/status") as status:
        for line in status:
            if line.startswith(field + ":"):
                return int(line.split()[1]) * 1024
    raise AssertionError(f"no {field} in /proc/{pid}/status")


def png(width, height, mode="RGBA"):
    # RGBA is the costliest picture to decode measured (8 bytes a pixel);
    # plain white: no QR code, so the reader also tries the negative.
    out = io.BytesIO()
    Image.new(mode, (width, height), "white").save(out, "PNG", compress_level=1)
    return out.getvalue()


def login_attempt(host, picture, address):
    """session.login with the picture from a client address of its own (the
    host trusts 127.0.0.1 as a proxy), so that no address reaches its
    attempt limit; the captcha is no matter: the picture is read first."""
    client = Client(host, headers={"X-Forwarded-For": address}, timeout=300)
    return client.upload("session.login", {"captcha_id": "x", "captcha_answer": "FUMA7"},
                         picture, "login.png", "image/png")


def test_many_large_pictures_at_once_stay_within_the_decode_budget(start_host, monkeypatch):
    # Under AddressSanitizer (make sanitize) freed memory waits in a
    # quarantine of 256 MB before it is reused or returned, which the peak
    # would count too: the budget bounds the decodes in flight, not that.
    asan = os.environ.get("ASAN_OPTIONS")
    monkeypatch.setenv("ASAN_OPTIONS", (asan + ":" if asan else "") + "quarantine_size_mb=0")
    host = start_host("--trusted-proxy", "127.0.0.1")
    # A small picture first, so that the code and the buffers every request
    # needs are in the baseline, but no large picture is.
    assert login_attempt(host, png(400, 400), "198.51.100.1").code == "NO_QR_FOUND"
    baseline = status_bytes(host.proc.pid, "VmHWM")

    large = png(4000, 4000)  # 16 megapixels, the largest a picture may be
    replies = [None] * 24

    def send(i):
        replies[i] = login_attempt(host, large, f"203.0.113.{i + 1}")

    threads = [threading.Thread(target=send, args=(i,)) for i in range(len(replies))]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=600)
    assert not any(t.is_alive() for t in threads), "a request got no answer"

    # Each got an answer: read and refused (no code in it), or refused as
    # busy when the pictures before it held the budget for too long.
    codes = [r.code for r in replies]
    assert set(codes) <= {"NO_QR_FOUND", "TOO_MANY_ATTEMPTS"}, codes
    assert "NO_QR_FOUND" in codes
    for r in replies:
        if r.code == "TOO_MANY_ATTEMPTS":
            assert r.status == 429 and r.json["error"]["message"] == \
                "同时提交的图片较多，系统繁忙，请稍后再试", r
    peak = status_bytes(host.proc.pid, "VmHWM")
    ceiling = baseline + BYTES_PER_PIXEL * DECODE_PIXEL_BUDGET + MARGIN
    assert peak <= ceiling, (f"peak {peak >> 20} MiB over the ceiling {ceiling >> 20} MiB "
                             f"(baseline {baseline >> 20} MiB)")
