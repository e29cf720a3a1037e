#!/usr/bin/env python3
"""Delays and drops the packets of one NFQUEUE queue: the network test's stand-in for netem.

The test kernels have no sch_netem, so a host's link is impaired in its own network namespace
by `iptables -j NFQUEUE --queue-num N` rules that hand its packets to this program, which holds
each for --delay-ms and then accepts it, or drops it with probability --loss. Packets leave in
the order they came. It speaks nfnetlink directly (stdlib only, no libnetfilter_queue), and
must run in the namespace whose rules feed the queue (`ip netns exec`). It prints "ready" once
bound, and runs until killed.

Usage: nfqueue-impair.py --queue N --delay-ms D [--loss P] [--seed S]
"""
import argparse
import heapq
import os
import random
import select
import socket
import struct
import sys
import time

NETLINK_NETFILTER = 12
NFNL_SUBSYS_QUEUE = 3
NFQNL_MSG_PACKET = 0
NFQNL_MSG_VERDICT = 1
NFQNL_MSG_CONFIG = 2
NFQA_PACKET_HDR = 1
NFQA_VERDICT_HDR = 2
NFQA_CFG_CMD = 1
NFQA_CFG_PARAMS = 2
NFQA_CFG_QUEUE_MAXLEN = 3
NFQNL_CFG_CMD_BIND = 1
NFQNL_COPY_META = 1
NLM_F_REQUEST = 1
NLM_F_ACK = 4
NLMSG_ERROR = 2
NF_DROP = 0
NF_ACCEPT = 1


def attr(kind, payload):
    length = 4 + len(payload)
    return struct.pack("=HH", length, kind) + payload + b"\0" * ((4 - length % 4) % 4)


def message(msg_type, queue, attrs, seq, flags=NLM_F_REQUEST):
    body = struct.pack("=BB", socket.AF_UNSPEC, 0) + struct.pack("!H", queue) + b"".join(attrs)
    kind = (NFNL_SUBSYS_QUEUE << 8) | msg_type
    return struct.pack("=IHHII", 16 + len(body), kind, flags, seq, 0) + body


def expect_ack(sock, what):
    data = sock.recv(65536)
    length, kind = struct.unpack_from("=IH", data, 0)
    if kind == NLMSG_ERROR:
        (error,) = struct.unpack_from("=i", data, 16)
        if error != 0:
            sys.exit(f"nfqueue-impair: {what} failed: {os.strerror(-error)}")


def packet_ids(data):
    """The ids of the queued packets in one netlink read (several messages may share it)."""
    offset = 0
    while offset + 16 <= len(data):
        length, kind = struct.unpack_from("=IH", data, offset)
        if length < 16:
            break
        if kind == (NFNL_SUBSYS_QUEUE << 8) | NFQNL_MSG_PACKET:
            at = offset + 20  # nlmsghdr (16) + nfgenmsg (4)
            while at + 4 <= offset + length:
                alen, atype = struct.unpack_from("=HH", data, at)
                if alen < 4:
                    break
                if atype & 0x7FFF == NFQA_PACKET_HDR:
                    yield struct.unpack_from("!I", data, at + 4)[0]
                at += (alen + 3) & ~3
        offset += (length + 3) & ~3


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--queue", type=int, required=True)
    parser.add_argument("--delay-ms", type=float, required=True)
    parser.add_argument("--loss", type=float, default=0.0)
    parser.add_argument("--seed", type=int, default=None)
    args = parser.parse_args()
    if args.delay_ms < 0 or not 0 <= args.loss < 1:
        sys.exit("nfqueue-impair: --delay-ms must be >= 0 and --loss in [0, 1)")
    rng = random.Random(args.seed)

    sock = socket.socket(socket.AF_NETLINK, socket.SOCK_RAW, NETLINK_NETFILTER)
    sock.bind((0, 0))
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 4 << 20)
    seq = 1
    for what, attrs in (
        ("bind", [attr(NFQA_CFG_CMD, struct.pack("!BBH", NFQNL_CFG_CMD_BIND, 0, socket.AF_INET))]),
        ("copy mode", [attr(NFQA_CFG_PARAMS, struct.pack("!IB", 0, NFQNL_COPY_META))]),
        ("queue length", [attr(NFQA_CFG_QUEUE_MAXLEN, struct.pack("!I", 8192))]),
    ):
        sock.send(message(NFQNL_MSG_CONFIG, args.queue, attrs, seq, NLM_F_REQUEST | NLM_F_ACK))
        expect_ack(sock, what)
        seq += 1
    print("ready", flush=True)

    def verdict(packet_id, decision):
        header = attr(NFQA_VERDICT_HDR, struct.pack("!II", decision, packet_id))
        sock.send(message(NFQNL_MSG_VERDICT, args.queue, [header], 0))

    held = []  # (due, arrival order, packet id): equal delays keep arrival order
    order = 0
    delay_s = args.delay_ms / 1000
    while True:
        now = time.monotonic()
        while held and held[0][0] <= now:
            verdict(heapq.heappop(held)[2], NF_ACCEPT)
        wait = max(0.0, held[0][0] - now) if held else None
        readable, _, _ = select.select([sock], [], [], wait)
        if not readable:
            continue
        data = sock.recv(1 << 20)
        arrived = time.monotonic()
        for packet_id in packet_ids(data):
            if args.loss > 0 and rng.random() < args.loss:
                verdict(packet_id, NF_DROP)
            elif delay_s == 0:
                verdict(packet_id, NF_ACCEPT)
            else:
                order += 1
                heapq.heappush(held, (arrived + delay_s, order, packet_id))


if __name__ == "__main__":
    main()
