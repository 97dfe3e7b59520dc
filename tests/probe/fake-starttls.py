#!/usr/bin/env python3
# SPDX-License-Identifier: LGPL-2.1-or-later
#
# a stand-in daemon for test-probe: on 127.0.0.1 and a port the kernel
# picks (printed first), says the xmpp or postgresql preamble, then serves
# TLS with python's ssl (openssl) and the given certificate chain.
# usage: fake-starttls.py xmpp|postgres <chain.pem> <key.pem>
import socket
import ssl
import sys

STREAM = (b"<?xml version='1.0'?><stream:stream from='example.com' id='probe' version='1.0' "
          b"xmlns='jabber:client' xmlns:stream='http://etherx.jabber.org/streams'>"
          b"<stream:features><starttls xmlns='urn:ietf:params:xml:ns:xmpp-tls'><required/>"
          b"</starttls></stream:features>")


def read_until(conn, marker):
    got = b""
    while marker not in got:
        c = conn.recv(1)
        if not c:
            raise ConnectionError("closed")
        got += c
    return got


def preamble(mode, conn):
    if mode == "xmpp":
        read_until(conn, b"'>")
        conn.sendall(STREAM)
        read_until(conn, b"<starttls")
        read_until(conn, b"/>")
        conn.sendall(b"<proceed xmlns='urn:ietf:params:xml:ns:xmpp-tls'/>")
    else:
        request = b""
        while len(request) < 8:
            request += conn.recv(8 - len(request))
        if request != b"\x00\x00\x00\x08\x04\xd2\x16\x2f":
            raise ConnectionError("not an SSLRequest")
        conn.sendall(b"S")


def main():
    mode, chain, key = sys.argv[1:4]
    ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    ctx.load_cert_chain(chain, key)
    srv = socket.socket()
    srv.bind(("127.0.0.1", 0))
    srv.listen(4)
    print(srv.getsockname()[1], flush=True)
    while True:
        conn, _ = srv.accept()
        conn.settimeout(10)
        try:
            preamble(mode, conn)
            with ctx.wrap_socket(conn, server_side=True) as tls:
                tls.recv(1)
        except (OSError, ConnectionError):
            pass
        finally:
            conn.close()


main()
