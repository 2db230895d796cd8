#!/usr/bin/env python3
"""An MSN HTTP gateway exchange on 127.0.0.1, for recording gateway.pcap (see record.sh).

`gateway_exchange.py --port P` serves the gateway: each POST to /gateway/gateway.dll carries
MSNP client commands; the response carries the server's, with `X-MSN-Messenger: SessionID=…;
GW-IP=…`. `gateway_exchange.py --client --port P` runs one MSNP8 session through it over two
TCP connections: open and log in on the first, then go online, ask for switchboards (one
referred, one refused), poll, and sign out on the second.
"""

import socket
import sys
import threading

SESSION = "41234.2849"


def msnp(commands, state):
    """The server's answer to client command lines, and what a poll will get."""
    out = []
    for line in commands.split("\r\n"):
        f = line.split(" ")
        if not line:
            continue
        if f[0] == "VER":
            out.append(f"VER {f[1]} MSNP8 CVR0")
        elif f[0] == "CVR":
            out.append(f"CVR {f[1]} 6.0.0602 6.0.0602 6.0.0268 http://127.0.0.1/ http://127.0.0.1/")
        elif f[0] == "USR" and f[3] == "I":
            out.append(f"USR {f[1]} TWN S lc=1033,id=507")
        elif f[0] == "USR":
            out.append(f"USR {f[1]} OK alice@example.com Alice 1 0")
        elif f[0] == "CHG":
            out.append(f"CHG {f[1]} NLN 0")
            body = "MIME-Version: 1.0\r\n\r\nXFR 99 SB 10.9.9.9:1863 CKI decoy"
            state["queued"] = f"MSG Hotmail Hotmail {len(body)}\r\n{body}"
        elif f[0] == "XFR" and not state.get("referred"):
            state["referred"] = True
            out.append(f"XFR {f[1]} SB 127.0.0.1:1864 CKI 1743299.2458.33")
        elif f[0] == "XFR":
            out.append(f"800 {f[1]}")
        elif f[0] == "OUT":
            state["closed"] = True
    return "".join(o + "\r\n" for o in out)


def serve_connection(conn, state):
    buf = b""
    while True:
        while b"\r\n\r\n" not in buf:
            data = conn.recv(4096)
            if not data:
                return
            buf += data
        head, buf = buf.split(b"\r\n\r\n", 1)
        lines = head.decode().split("\r\n")
        length = 0
        for h in lines[1:]:
            name, _, value = h.partition(":")
            if name.lower() == "content-length":
                length = int(value)
        while len(buf) < length:
            buf += conn.recv(4096)
        body, buf = buf[:length].decode(), buf[length:]
        target = lines[0].split(" ")[1]
        reply = msnp(body, state)
        if "Action=poll" in target:
            reply += state.pop("queued", "")
        close = "; Session=close" if state.get("closed") else ""
        payload = reply.encode()
        conn.sendall(
            (
                "HTTP/1.1 200 OK\r\n"
                f"X-MSN-Messenger: SessionID={SESSION}; GW-IP=127.0.0.1{close}\r\n"
                "Content-Type: application/x-msn-messenger\r\n"
                f"Content-Length: {len(payload)}\r\n\r\n"
            ).encode()
            + payload
        )


def server(port):
    sock = socket.socket()
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    sock.bind(("127.0.0.1", port))
    sock.listen()
    sock.settimeout(30)
    state = {}
    try:
        while True:
            conn, _ = sock.accept()
            threading.Thread(target=serve_connection, args=(conn, state), daemon=True).start()
    except socket.timeout:
        pass


def post(sock, target, body):
    data = body.encode()
    sock.sendall(
        (
            f"POST http://127.0.0.1/gateway/gateway.dll?{target} HTTP/1.1\r\n"
            "Host: 127.0.0.1\r\nContent-Type: application/x-msn-messenger\r\n"
            f"Content-Length: {len(data)}\r\n\r\n"
        ).encode()
        + data
    )
    head = b""
    while b"\r\n\r\n" not in head:
        head += sock.recv(1)
    length = int([h for h in head.decode().split("\r\n") if h.lower().startswith("content-length")][0].split(":")[1])
    body = b""
    while len(body) < length:
        body += sock.recv(length - len(body))
    return body.decode()


def client(port):
    first = socket.create_connection(("127.0.0.1", port))
    post(first, "Action=open&Server=NS&IP=127.0.0.1", "VER 1 MSNP8 CVR0\r\n")
    post(first, f"SessionID={SESSION}", "CVR 2 0x0409 winnt 5.1 i386 MSNMSGR 6.0.0602 MSMSGS alice@example.com\r\nUSR 3 TWN I alice@example.com\r\n")
    post(first, f"SessionID={SESSION}", "USR 4 TWN S t=test\r\n")
    first.close()
    second = socket.create_connection(("127.0.0.1", port))
    post(second, f"SessionID={SESSION}", "CHG 5 NLN 0\r\nXFR 6 SB\r\n")
    post(second, f"Action=poll&SessionID={SESSION}", "")
    post(second, f"SessionID={SESSION}", "XFR 7 SB\r\n")
    post(second, f"SessionID={SESSION}", "OUT\r\n")
    second.close()


if __name__ == "__main__":
    port = int(sys.argv[sys.argv.index("--port") + 1])
    if "--client" in sys.argv:
        client(port)
    else:
        server(port)
