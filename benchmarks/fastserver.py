"""A server that is never the bottleneck: raw asyncio, one canned 200 per request.

``python -m benchmarks.fastserver`` prints ``port N`` once listening; each ``stats`` line on
stdin is answered with one JSON line (requests, likes, its own CPU and wall clock); end of stdin
stops it. Why not the emulator: it verifies every signature and keeps books (~250 µs of CPU a
request, more than a bare client spends), so on a shared core it caps the baseline and the
comparison measures the server. This one parses just enough HTTP/1.1 to answer keep-alive
requests (request line, ``Content-Length``) and sends the body a success has: v1.1's tweet object
(the emulator's own, with the requested ID) or v2's ``{"data":{"liked":true}}``. It checks no
signatures: that the clients sign correctly is checked by the emulator-based end-to-end run.
Its utilisation (CPU seconds / wall seconds between two ``stats``) is reported with every figure.
"""

from __future__ import annotations

import asyncio
import json
import sys
import time

from bulklike.emulator.tweets import tweet_json

_PLACEHOLDER = "1000000000000"
#: the emulator's answer to a like, with the ID as a placeholder replaced per request
TWEET = tweet_json(_PLACEHOLDER, favorited=True, likers=1)
V2_LIKED = b'{"data":{"liked":true}}'
OTHER = b'{"id":1,"id_str":"1","data":{"id":"1","username":"bench"},"screen_name":"bench"}'
HEAD = b"HTTP/1.1 200 OK\r\nContent-Type: application/json; charset=utf-8\r\nContent-Length: "


class Counters:
    """What the server has answered: every request, and those that were likes."""

    def __init__(self) -> None:
        self.requests = 0
        self.likes = 0

    def snapshot(self) -> dict[str, float]:
        return {
            "requests": self.requests,
            "likes": self.likes,
            "auth_failures": 0,
            "cpu_s": time.process_time(),
            "wall_s": time.monotonic(),
        }


def answer(head: bytes) -> tuple[bytes, bool]:
    """(response body, is a like) for one request head; pure, so it is tested without sockets."""
    line = head[: head.find(b"\r\n")]
    target = line.split(b" ", 2)[1] if line.count(b" ") >= 2 else b"/"
    if b"/favorites/create.json" in target:
        mark = target.find(b"id=")
        tweet_id = target[mark + 3 :].split(b"&", 1)[0] if mark >= 0 else b"1"
        return TWEET.replace(_PLACEHOLDER.encode(), tweet_id), True
    if target.startswith(b"/2/users/") and target.rstrip(b"/").endswith(b"/likes") and line.startswith(b"POST"):
        return V2_LIKED, True
    return OTHER, False


class CannedHttp(asyncio.Protocol):
    """HTTP/1.1 with keep-alive: every complete request in the buffer is answered at once."""

    def __init__(self, counters: Counters) -> None:
        self._counters = counters
        self._buffer = b""
        self._transport: asyncio.Transport | None = None

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        assert isinstance(transport, asyncio.Transport)
        self._transport = transport

    def data_received(self, data: bytes) -> None:
        buffer = self._buffer + data if self._buffer else data
        out = []
        while True:
            end = buffer.find(b"\r\n\r\n")
            if end < 0:
                break
            head = buffer[:end]
            length = 0
            at = head.lower().find(b"\r\ncontent-length:")
            if at >= 0:
                stop = head.find(b"\r\n", at + 2)
                length = int(head[at + 17 : stop if stop >= 0 else len(head)])
            if len(buffer) < end + 4 + length:
                break
            buffer = buffer[end + 4 + length :]
            body, like = answer(head)
            self._counters.requests += 1
            self._counters.likes += like
            out.append(HEAD + str(len(body)).encode() + b"\r\n\r\n" + body)
        self._buffer = buffer
        if out and self._transport is not None:
            self._transport.write(b"".join(out))


async def serve() -> None:
    loop = asyncio.get_running_loop()
    counters = Counters()
    server = await loop.create_server(lambda: CannedHttp(counters), "127.0.0.1", 0, backlog=1024)
    port = server.sockets[0].getsockname()[1]
    print(f"port {port}", flush=True)
    reader = asyncio.StreamReader()
    await loop.connect_read_pipe(lambda: asyncio.StreamReaderProtocol(reader), sys.stdin)
    async with server:
        while line := await reader.readline():
            if line.strip() == b"stats":
                print(json.dumps(counters.snapshot()), flush=True)


if __name__ == "__main__":
    asyncio.run(serve())
