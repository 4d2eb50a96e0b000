#!/usr/bin/env python3
"""A SIP INVITE flood over UDP, for tests/sip/flood.rs.

    sip_flood.py HOST PORT USER RATE SECONDS

Sends RATE new INVITEs a second for sip:USER@HOST (each its own Call-ID, branch and tag, with
an SDP offer, from a caller of another domain) for SECONDS seconds to HOST:PORT (the proxy the
user is registered at), and once a second an OPTIONS to the user, timing its answer. Listens for the
answers all along, then one second more, and prints one JSON line:

    {"sent": N, "answered": N, "codes": {"100": N, "180": N, "486": N, "503": N, ...},
     "retry_after": N, "options_sent": N, "options_answered": N, "options_ms": [..]}

"answered" counts INVITEs that got a final answer; "retry_after" the 5xx answers that carried
Retry-After (a proxy passes a 503 on as 500, RFC 3261 §16.7). Responses are not acknowledged: an unanswered final answer's retransmissions
are counted once per INVITE.
"""

import json
import select
import socket
import sys
import time


def main():
    host, port, user, rate, seconds = sys.argv[1], int(sys.argv[2]), sys.argv[3], int(sys.argv[4]), float(sys.argv[5])
    sock = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    sock.bind(("127.0.0.1", 0))
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 4 << 20)
    me = sock.getsockname()[1]
    sdp = (
        "v=0\r\no=- 1 1 IN IP4 127.0.0.1\r\ns=-\r\nc=IN IP4 127.0.0.1\r\nt=0 0\r\n"
        "m=audio 40000 RTP/AVP 0\r\na=rtpmap:0 PCMU/8000\r\n"
    )

    pending = {}

    def request(method, n, body="", cancel=False):
        """A request; with `cancel`, the CANCEL of INVITE number n (same branch, no body)."""
        verb = "CANCEL" if cancel else method
        lines = [
            f"{verb} sip:{user}@{host} SIP/2.0",
            f"Via: SIP/2.0/UDP 127.0.0.1:{me};branch=z9hG4bKflood{method}{n};rport",
            "Max-Forwards: 70",
            f"From: <sip:flood@flood.example>;tag=flood{n}",
            f"To: <sip:{user}@{host}>",
            f"Call-ID: flood-{method}-{n}-{me}@127.0.0.1",
            f"CSeq: 1 {verb}",
            f"Contact: <sip:flood@127.0.0.1:{me}>",
        ]
        if cancel:
            body = ""
        if body:
            lines.append("Content-Type: application/sdp")
        lines.append(f"Content-Length: {len(body.encode())}")
        return ("\r\n".join(lines) + "\r\n\r\n" + body).encode()

    codes = {}
    final_for = {}
    retry_after = 0
    options_at = {}
    options_ms = []

    def receive(until):
        nonlocal retry_after
        while True:
            wait = until - time.monotonic()
            if wait <= 0:
                return
            ready, _, _ = select.select([sock], [], [], wait)
            if not ready:
                return
            data = sock.recv(65536).decode(errors="replace")
            first = data.split("\r\n", 1)[0]
            if not first.startswith("SIP/2.0 "):
                continue
            code = first.split(" ")[1]
            headers = data.split("\r\n")
            call_id = next((l.split(":", 1)[1].strip() for l in headers if l.lower().startswith("call-id:")), "")
            cseq = next((l.split(":", 1)[1].strip() for l in headers if l.lower().startswith("cseq:")), "")
            if cseq.endswith("CANCEL"):
                continue
            if call_id.startswith("flood-OPTIONS-"):
                n = int(call_id.split("-")[2])
                if n in options_at and code.startswith("2"):
                    options_ms.append(round((time.monotonic() - options_at.pop(n)) * 1000, 1))
                continue
            if code < "200" and code != "100":
                pending[call_id] = int(call_id.split("-")[2])
            if code >= "200":
                if call_id in final_for:
                    continue
                final_for[call_id] = code
                if code >= "500" and "\r\nretry-after:" in data.lower():
                    retry_after += 1
            codes[code] = codes.get(code, 0) + 1

    start = time.monotonic()
    sent = 0
    options = 0
    while time.monotonic() - start < seconds:
        due = int((time.monotonic() - start) * rate) + 1
        while sent < due:
            sock.sendto(request("INVITE", sent, sdp), (host, port))
            sent += 1
        if time.monotonic() - start >= options:
            options_at[options] = time.monotonic()
            sock.sendto(request("OPTIONS", options), (host, port))
            options += 1
        receive(time.monotonic() + 0.002)
    receive(time.monotonic() + 1.0)
    # Give up on the calls still ringing, as a caller does (CANCEL, RFC 3261 §9.1).
    for call_id, n in list(pending.items()):
        if call_id not in final_for:
            sock.sendto(request("INVITE", n, cancel=True), (host, port))
    receive(time.monotonic() + 1.0)
    print(json.dumps({
        "sent": sent,
        "answered": len(final_for),
        "codes": codes,
        "retry_after": retry_after,
        "options_sent": options,
        "options_answered": len(options_ms),
        "options_ms": options_ms,
    }))


if __name__ == "__main__":
    main()
