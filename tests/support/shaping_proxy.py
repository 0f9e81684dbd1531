#!/usr/bin/env python3
"""A TCP proxy that makes loopback behave like an object store across a datacenter network.

Each request waits LATENCY before it reaches the server (time to first byte), each connection's
downstream bytes are capped at PER_CONN bytes/s (an object store serves each connection at a
limited rate, which is why parallel reads win), and all connections together at TOTAL bytes/s.

  shaping_proxy.py LISTEN_PORT TARGET_HOST:PORT --latency-ms 15 --per-conn-mbps 80 --total-mbps 400
"""
import argparse
import asyncio
import os
import time


class TokenBucket:
    """Bytes per second with a small burst; waiters are served in turn."""

    def __init__(self, rate):
        self.rate = rate
        self.burst = max(rate / 50, 256 * 1024)
        self.tokens = self.burst
        self.last = time.monotonic()
        self.lock = asyncio.Lock()

    async def consume(self, n):
        if self.rate <= 0:
            return
        async with self.lock:
            now = time.monotonic()
            self.tokens = min(self.burst, self.tokens + (now - self.last) * self.rate)
            self.last = now
            self.tokens -= n
            if self.tokens < 0:
                await asyncio.sleep(-self.tokens / self.rate)


async def pump_upstream(reader, writer, state, latency):
    # Client → server: a request that follows a response (or opens the connection) is delayed.
    while True:
        data = await reader.read(1 << 20)
        if not data:
            break
        if state["new_request"]:
            state["new_request"] = False
            await asyncio.sleep(latency)
        writer.write(data)
        await writer.drain()
    writer.close()


async def pump_downstream(reader, writer, state, conn_bucket, total_bucket):
    while True:
        data = await reader.read(256 * 1024)
        if not data:
            break
        state["new_request"] = True
        COUNTERS["down_bytes"] += len(data)
        await conn_bucket.consume(len(data))
        await total_bucket.consume(len(data))
        writer.write(data)
        await writer.drain()
    writer.close()


COUNTERS = {"down_bytes": 0}


async def write_counters(path):
    """Keeps PATH holding the bytes sent downstream so far (the link's egress)."""
    while True:
        with open(path + ".tmp", "w") as f:
            f.write("%d\n" % COUNTERS["down_bytes"])
        os.replace(path + ".tmp", path)
        await asyncio.sleep(0.1)


async def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("listen_port", type=int)
    parser.add_argument("target")
    parser.add_argument("--latency-ms", type=float, default=15)
    parser.add_argument("--per-conn-mbps", type=float, default=80, help="MB/s per connection; 0: no cap")
    parser.add_argument("--total-mbps", type=float, default=400, help="MB/s in all; 0: no cap")
    parser.add_argument("--listen-host", default="127.0.0.1")
    parser.add_argument("--count-file", help="keep the bytes sent downstream so far in this file")
    args = parser.parse_args()
    host, port = args.target.rsplit(":", 1)
    total = TokenBucket(args.total_mbps * 1e6)

    async def handle(client_reader, client_writer):
        try:
            server_reader, server_writer = await asyncio.open_connection(host, int(port))
        except OSError:
            client_writer.close()
            return
        state = {"new_request": True}
        conn = TokenBucket(args.per_conn_mbps * 1e6)
        await asyncio.gather(
            pump_upstream(client_reader, server_writer, state, args.latency_ms / 1000),
            pump_downstream(server_reader, client_writer, state, conn, total),
            return_exceptions=True,
        )

    server = await asyncio.start_server(handle, args.listen_host, args.listen_port, backlog=1024)
    if args.count_file:
        asyncio.ensure_future(write_counters(args.count_file))
    print(f"shaping_proxy: {args.listen_host}:{args.listen_port} -> {args.target}", flush=True)
    async with server:
        await server.serve_forever()


if __name__ == "__main__":
    asyncio.run(main())
