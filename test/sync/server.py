#!/usr/bin/python3
# test/sync/server.py
#   Loopback servers for the sync TAP tests (t/050_sync_*.pl) and
#   bench/sync_bench.sh, serving releases from a folder (--root):
#     https    HTTPS (certificate of the test CA for 127.0.0.1) serving
#              ROOT/<path> with ETags and 304s, and fault modes
#     badhost  the same, with a certificate for another host name
#     s3       test/fetch/server.py's S3 double (SigV4 checked with botocore),
#              serving ROOT/<bucket>/<key>
#     plain    plain http serving the same files (target of redirect faults)
#     meta     test/fetch/server.py's ECS and EC2 IMDSv2 credential doubles
#     down     a port with nothing listening
#   Faults: ROOT/faults.json maps a request path (without the leading '/')
#   to a mode, re-read on every request:
#     slow            answer after 5 s
#     truncated       announce more bytes than are sent, then close
#     redirect-http   302 to the same path on the plain http server
#     redirect-other-host  302 to the same path on https://localhost (this
#                     server, under another host name)
#     403 / 404 / 500 that status
#     huge            a body of 64 MB
#     swap-manifest   before answering, replace <folder>/pg_migrate.json by
#                     <folder>/pg_migrate.json.next (a release published
#                     while a sync is running)
#   GET /__stats (https) answers {"requests": N, "by_path": {...},
#   "connections": N} and
#   /__reset zeroes them.  Ports are written to --ports as NAME=PORT lines,
#   then "ready".  Listens on 127.0.0.1 only; stops on SIGTERM, or by
#   itself after --lifetime seconds.
import argparse
import importlib.util
import json
import os
import shutil
import signal
import socket
import ssl
import sys
import threading
import time
from urllib.parse import unquote, urlsplit

here = os.path.dirname(os.path.abspath(__file__))
spec = importlib.util.spec_from_file_location("fetch_server", os.path.join(here, "..", "fetch", "server.py"))
fs = importlib.util.module_from_spec(spec)
spec.loader.exec_module(fs)

ROOT = None
stats_lock = threading.Lock()
stats = {"requests": 0, "by_path": {}}


class FolderObjects:
    """test/fetch/server.py's S3_OBJECTS, backed by ROOT/<bucket>/<key>."""

    def _file(self, k):
        bucket, key = k
        p = os.path.normpath(os.path.join(ROOT, bucket, key))
        return p if p.startswith(ROOT + os.sep) and os.path.isfile(p) else None

    def __contains__(self, k):
        return self._file(k) is not None

    def __getitem__(self, k):
        count("s3:" + "/".join(k))
        with open(self._file(k), "rb") as f:
            return f.read()


fs.S3_OBJECTS = FolderObjects()


def count(path):
    with stats_lock:
        stats["requests"] += 1
        stats["by_path"][path] = stats["by_path"].get(path, 0) + 1


def faults():
    try:
        with open(os.path.join(ROOT, "faults.json")) as f:
            return json.load(f)
    except (OSError, ValueError):
        return {}


class Handler(fs.Handler):
    def get_https(self):
        path = unquote(urlsplit(self.path).path).lstrip("/")
        if path == "__stats":
            with stats_lock:
                body = dict(stats, connections=fs.connections["https"])
                return self.send_body(200, json.dumps(body).encode(), ctype="application/json")
        if path == "__reset":
            with stats_lock:
                stats["requests"] = 0
                stats["by_path"] = {}
                fs.connections["https"] = 0
            return self.send_body(200, b"ok\n")
        count(path)
        mode = faults().get(path)
        if mode == "slow":
            time.sleep(5)
        elif mode == "truncated":
            self.send_response(200)
            self.send_header("Content-Length", "100000")
            self.end_headers()
            self.wfile.write(b"-- x\n" * 10)
            self.wfile.flush()
            self.close_connection = True
            self.connection.shutdown(socket.SHUT_RDWR)
            return
        elif mode == "reset":
            # a server going down mid-request: the connection closes, no response
            self.close_connection = True
            self.connection.shutdown(socket.SHUT_RDWR)
            return
        elif mode == "redirect-http":
            return self.send_body(302, b"", extra={"Location": "http://127.0.0.1:%d/%s" % (self.ports["plain"], path)})
        elif mode == "redirect-other-host" and not self.headers.get("Host", "").startswith("localhost"):
            # the same server under another name (its certificate names both)
            return self.send_body(302, b"", extra={"Location": "https://localhost:%d/%s" % (self.ports["https"], path)})
        elif mode in ("403", "404", "500"):
            return self.send_body(int(mode), b"<Error><Code>AccessDenied</Code></Error>", ctype="application/xml")
        elif mode == "huge":
            return self.send_body(200, b"-" * (64 * 1024 * 1024))
        elif mode == "swap-manifest":
            folder = os.path.dirname(os.path.join(ROOT, path))
            while folder != ROOT and not os.path.exists(os.path.join(folder, "pg_migrate.json.next")):
                folder = os.path.dirname(folder)
            nxt = os.path.join(folder, "pg_migrate.json.next")
            if os.path.exists(nxt):
                shutil.copyfile(nxt, os.path.join(folder, "pg_migrate.json.tmp"))
                os.rename(os.path.join(folder, "pg_migrate.json.tmp"), os.path.join(folder, "pg_migrate.json"))
        p = os.path.normpath(os.path.join(ROOT, path))
        if not p.startswith(ROOT + os.sep) or not os.path.isfile(p):
            return self.send_body(404, b"not found\n")
        with open(p, "rb") as f:
            return self.serve_with_etag(f.read())

    get_badhost = get_https
    get_plain = get_https


class Server(fs.Server):
    def __init__(self, kind, ctx):
        self.kind = kind
        handler = type("H_" + kind, (Handler,), {"kind": kind})
        fs.ThreadingHTTPServer.__init__(self, ("127.0.0.1", 0), handler)
        if ctx is not None:
            self.socket = ctx.wrap_socket(self.socket, server_side=True, do_handshake_on_connect=False)


def main():
    global ROOT
    ap = argparse.ArgumentParser()
    ap.add_argument("--certs", required=True, help="folder with server.crt/key and badhost.crt/key")
    ap.add_argument("--root", required=True)
    ap.add_argument("--ports", required=True)
    ap.add_argument("--lifetime", type=int, default=900)
    a = ap.parse_args()
    ROOT = os.path.realpath(a.root)

    good = fs.context(os.path.join(a.certs, "server.crt"), os.path.join(a.certs, "server.key"))
    bad = fs.context(os.path.join(a.certs, "badhost.crt"), os.path.join(a.certs, "badhost.key"))
    servers = {"https": Server("https", good), "badhost": Server("badhost", bad),
               "s3": Server("s3", good), "plain": Server("plain", None), "meta": Server("meta", None)}
    ports = {k: s.server_address[1] for k, s in servers.items()}
    s = socket.socket()
    s.bind(("127.0.0.1", 0))
    ports["down"] = s.getsockname()[1]
    s.close()
    fs.Handler.ports = ports
    fs.serve(servers, ports, a.ports, a.lifetime)

if __name__ == "__main__":
    sys.exit(main())
