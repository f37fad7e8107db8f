#!/usr/bin/python3
# test/fetch/server.py
#   Loopback test servers for test/fetch (started and stopped by run.sh):
#     https    HTTPS with a certificate from the test CA (127.0.0.1, localhost)
#              and fault modes (slow, truncated, redirects to the same and to
#              other hosts and ports, 403, flaky 5xx, huge, ETag/304,
#              connection counting)
#     badhost  HTTPS with a certificate from the test CA for another host name
#     s3       an S3 double (path style, GetObject only) that verifies SigV4
#              signatures with botocore (Debian's python3-botocore)
#     meta     plain http doubles of the EC2 IMDSv2 and ECS credential endpoints
#     down     a port with nothing listening
#   Ports are written to --ports as NAME=PORT lines, then "ready".
#   Listens on 127.0.0.1 only.  Stops on SIGTERM/SIGINT, or by itself after
#   --lifetime seconds so a crashed test run never leaves it behind.
import argparse
import hashlib
import json
import os
import re
import signal
import socket
import ssl
import sys
import threading
import time
from datetime import datetime, timezone
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import quote, unquote, urlsplit

from botocore.auth import S3SigV4Auth
from botocore.awsrequest import AWSRequest
from botocore.credentials import Credentials

# --- test data -----------------------------------------------------------

FILES = {
    "V1__init.sql": b"CREATE TABLE t (id int);\n",
    "sub/V2__more.sql": b"ALTER TABLE t ADD COLUMN x text;\n",
}

S3_KEYS = {  # access key id -> (secret, required session token or None)
    "AKIDPLAINTEST000001": ("plainSecretKey/0123456789abcdefghijKLMN", None),
    "ASIATOKENTEST0000002": ("tokenSecretKey/0123456789abcdefghijKLMN", "SessionTokenValue//FwoGZXIvYXdzEJr+test=="),
}
S3_OBJECTS = {
    ("rel-bucket", "app/pg_migrate.json"): b'{"release": "r1", "files": []}\n',
    ("rel-bucket", "app/V1__init.sql"): FILES["V1__init.sql"],
    ("rel-bucket", "app/sub dir/V2__caf\u00e9+(1).sql"): b"SELECT 2;\n",
}
IMDS_TOKEN = "IMDSv2TokenValue-abcdefghijklmnop"
ECS_AUTH = "EcsAuthorizationToken-0123456789"
EXPIRATION = "2999-01-01T00:00:00Z"

state_lock = threading.Lock()
flaky_hits = {}
connections = {"https": 0}


def etag_of(body):
    return '"%s"' % hashlib.md5(body).hexdigest()


class Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    kind = "https"
    ports = {}

    def log_message(self, fmt, *args):
        if os.environ.get("FETCH_SERVER_VERBOSE"):
            sys.stderr.write("[%s] %s\n" % (self.kind, fmt % args))

    def send_body(self, code, body, ctype="text/plain", extra=None):
        self.send_response(code)
        self.send_header("Content-Type", ctype)
        self.send_header("Content-Length", str(len(body)))
        for k, v in (extra or {}).items():
            self.send_header(k, v)
        self.end_headers()
        if self.command != "HEAD":
            self.wfile.write(body)

    def serve_with_etag(self, body):
        tag = etag_of(body)
        if self.headers.get("If-None-Match") == tag:
            self.send_response(304)
            self.send_header("ETag", tag)
            self.send_header("Content-Length", "0")
            self.end_headers()
        else:
            self.send_body(200, body, extra={"ETag": tag})

    def do_GET(self):
        try:
            getattr(self, "get_" + self.kind)()
        except (BrokenPipeError, ConnectionResetError, ssl.SSLError):
            pass

    def do_PUT(self):
        if self.kind == "meta":
            self.put_meta()
        else:
            self.send_body(405, b"no\n")

    # -- HTTPS -------------------------------------------------------------
    def get_https(self):
        p = self.path
        if p.startswith("/files/"):
            name = urlsplit(p).path[len("/files/"):]   # a query (a signature) is ignored
            if name in FILES:
                return self.serve_with_etag(FILES[name])
            return self.send_body(404, b"not found\n")
        if p == "/slow":
            time.sleep(3)
            return self.send_body(200, b"late\n")
        if p == "/truncated":
            self.send_response(200)
            self.send_header("Content-Length", "1000")
            self.end_headers()
            self.wfile.write(b"x" * 100)
            self.wfile.flush()
            self.close_connection = True
            self.connection.shutdown(socket.SHUT_RDWR)
            return
        if p == "/redirect-http":
            return self.send_body(302, b"", extra={"Location": "http://127.0.0.1:%d/x" % self.ports["meta"]})
        if p == "/redirect-https":
            return self.send_body(302, b"", extra={"Location": "/files/V1__init.sql"})
        # redirects by host (the certificate is valid for 127.0.0.1 and localhost)
        me = "https://127.0.0.1:%d" % self.ports["https"]
        other = "https://localhost:%d" % self.ports["https"]
        redirects = {
            "/redirect-same-host": (301, me + "/files/V1__init.sql"),
            "/redirect-other-host": (302, other + "/files/V1__init.sql?X-Amz-Signature=urlpassword123"),
            "/redirect-other-port": (307, "https://127.0.0.1:%d/files/V1__init.sql" % self.ports["s3"]),
            "/redirect-chain": (302, other + "/redirect-chain-back"),
            "/redirect-chain-back": (308, me + "/files/V1__init.sql"),
            "/redirect-loop": (302, "/redirect-loop"),
        }
        if p in redirects:
            code, target = redirects[p]
            return self.send_body(code, b"", extra={"Location": target})
        m = re.match(r"^/status/(\d{3})$", p)
        if m:
            return self.send_body(int(m.group(1)), b"<Error><Code>AccessDenied</Code><Message>Access Denied</Message></Error>",
                                  ctype="application/xml")
        m = re.match(r"^/flaky/(\d+)/(\w+)$", p)  # /flaky/<failures>/<id>
        if m:
            with state_lock:
                n = flaky_hits.get(m.group(2), 0)
                flaky_hits[m.group(2)] = n + 1
            if n < int(m.group(1)):
                return self.send_body(503, b"try later\n")
            return self.send_body(200, b"ok after %d failures\n" % n)
        m = re.match(r"^/hits/(\w+)$", p)
        if m:
            with state_lock:
                return self.send_body(200, b"%d" % flaky_hits.get(m.group(1), 0))
        if p == "/huge":
            return self.send_body(200, b"h" * (2 * 1024 * 1024))
        if p == "/huge-chunked":
            self.send_response(200)
            self.send_header("Transfer-Encoding", "chunked")
            self.end_headers()
            chunk = b"c" * 65536
            for _ in range(40):
                self.wfile.write(b"%x\r\n%s\r\n" % (len(chunk), chunk))
            self.wfile.write(b"0\r\n\r\n")
            return
        if p == "/connections":
            with state_lock:
                return self.send_body(200, b"%d" % connections["https"])
        if p == "/echo-headers":
            return self.send_body(200, str(self.headers).encode())
        return self.send_body(404, b"not found\n")

    get_badhost = get_https

    # -- S3 double ----------------------------------------------------------
    def s3_error(self, code, s3code, message, extra=""):
        body = ("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<Error><Code>%s</Code><Message>%s</Message>%s"
                "<RequestId>TEST</RequestId></Error>" % (s3code, message, extra)).encode()
        self.send_body(code, body, ctype="application/xml")

    def get_s3(self):
        auth = self.headers.get("Authorization", "")
        m = re.match(r"^AWS4-HMAC-SHA256 Credential=([^/]+)/(\d{8})/([^/]+)/([^/]+)/aws4_request, ?"
                     r"SignedHeaders=([a-z0-9;-]+), ?Signature=([0-9a-f]{64})$", auth)
        if not m:
            return self.s3_error(403, "AccessDenied", "missing or malformed Authorization")
        akid, date, region, service, signed, sig = m.groups()
        if akid not in S3_KEYS:
            return self.s3_error(403, "InvalidAccessKeyId",
                                 "The AWS Access Key Id you provided does not exist in our records.",
                                 "<AWSAccessKeyId>%s</AWSAccessKeyId>" % akid)
        secret, need_token = S3_KEYS[akid]
        if service != "s3" or region != self.server.region:
            return self.s3_error(400, "AuthorizationHeaderMalformed",
                                 "bad scope %s/%s, expecting %s/s3" % (region, service, self.server.region))
        amz_date = self.headers.get("x-amz-date", "")
        try:
            t = datetime.strptime(amz_date, "%Y%m%dT%H%M%SZ").replace(tzinfo=timezone.utc)
        except ValueError:
            return self.s3_error(403, "AccessDenied", "bad x-amz-date")
        if abs((datetime.now(timezone.utc) - t).total_seconds()) > 900 or amz_date[:8] != date:
            return self.s3_error(403, "RequestTimeTooSkewed", "time skew")
        if "x-amz-content-sha256" not in self.headers:
            return self.s3_error(400, "InvalidRequest", "Missing required header for this request: x-amz-content-sha256")
        names = signed.split(";")
        for required in ("host", "x-amz-date", "x-amz-content-sha256"):
            if required not in names:
                return self.s3_error(403, "AccessDenied", "%s is not signed" % required)
        if need_token is not None:
            if self.headers.get("x-amz-security-token") != need_token or "x-amz-security-token" not in names:
                return self.s3_error(403, "InvalidToken", "The provided token is malformed or otherwise invalid.")
        headers = {}
        for n in names:
            vals = self.headers.get_all(n)
            if vals is None:
                return self.s3_error(403, "AccessDenied", "'%s' is named as a SignedHeader, but it does not exist" % n)
            if len(vals) > 1:
                return self.s3_error(400, "InvalidRequest", "header %s sent twice" % n)
            headers[n] = vals[0]
        split = urlsplit(self.path)
        # S3 canonicalises the decoded key with SigV4's UriEncode ('/' kept)
        canonical_path = quote(unquote(split.path), safe="/~")
        url = "https://%s%s%s" % (self.headers["host"], canonical_path, "?" + split.query if split.query else "")
        req = AWSRequest(method="GET", url=url, headers=headers)
        req.context["timestamp"] = amz_date
        signer = S3SigV4Auth(Credentials(akid, secret, need_token), "s3", region)
        if signer.signed_headers(signer.headers_to_sign(req)) != signed:
            return self.s3_error(403, "AccessDenied", "signed header list differs")
        cr = signer.canonical_request(req)
        sts = signer.string_to_sign(req, cr)
        if signer.signature(sts, req) != sig:
            # like S3: the details name the key id and echo the canonical request
            return self.s3_error(403, "SignatureDoesNotMatch",
                                 "The request signature we calculated does not match the signature you provided. "
                                 "Check your key and signing method.",
                                 "<AWSAccessKeyId>%s</AWSAccessKeyId><StringToSign>%s</StringToSign>"
                                 "<CanonicalRequest>%s</CanonicalRequest>" % (akid, sts, cr))
        parts = unquote(split.path).lstrip("/").split("/", 1)
        if len(parts) != 2 or (parts[0], parts[1]) not in S3_OBJECTS:
            return self.s3_error(404, "NoSuchKey", "The specified key does not exist.")
        with state_lock:
            self.server.signed_ok += 1
        self.serve_with_etag(S3_OBJECTS[(parts[0], parts[1])])

    # -- metadata doubles (plain http) ----------------------------------------
    def creds_json(self, code=True):
        d = {"AccessKeyId": "ASIATOKENTEST0000002", "SecretAccessKey": S3_KEYS["ASIATOKENTEST0000002"][0],
             "Token": S3_KEYS["ASIATOKENTEST0000002"][1], "Expiration": EXPIRATION}
        if code:
            d["Code"] = "Success"
            d["Type"] = "AWS-HMAC"
        return json.dumps(d).encode()

    def put_meta(self):
        if self.path == "/latest/api/token" and self.headers.get("X-aws-ec2-metadata-token-ttl-seconds"):
            return self.send_body(200, IMDS_TOKEN.encode())
        return self.send_body(400, b"bad token request\n")

    def get_meta(self):
        p = self.path
        if p.startswith("/latest/"):
            if self.headers.get("X-aws-ec2-metadata-token") != IMDS_TOKEN:
                return self.send_body(401, b"unauthorized\n")
            if p == "/latest/meta-data/iam/security-credentials/":
                return self.send_body(200, b"test-role")
            if p == "/latest/meta-data/iam/security-credentials/test-role":
                return self.send_body(200, self.creds_json())
            return self.send_body(404, b"not found\n")
        if p == "/ecs/creds":
            if self.headers.get("Authorization") != ECS_AUTH:
                return self.send_body(403, b"bad authorization\n")
            return self.send_body(200, self.creds_json(code=False))
        if p == "/ecs/broken":
            return self.send_body(200, b"not json")
        return self.send_body(404, b"not found\n")


class Server(ThreadingHTTPServer):
    daemon_threads = True
    allow_reuse_address = True
    signed_ok = 0
    region = "eu-west-1"

    def __init__(self, kind, ctx):
        self.kind = kind
        handler = type("H_" + kind, (Handler,), {"kind": kind})
        super().__init__(("127.0.0.1", 0), handler)
        if ctx is not None:
            self.socket = ctx.wrap_socket(self.socket, server_side=True, do_handshake_on_connect=False)

    def get_request(self):
        sock, addr = super().get_request()
        sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)  # headers and body are two writes
        if self.kind == "https":
            with state_lock:
                connections["https"] += 1
        return sock, addr

    def handle_error(self, request, client_address):
        pass                     # faults are expected; keep the output clean


def context(cert, key):
    ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    ctx.load_cert_chain(cert, key)
    return ctx


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--dir", required=True, help="folder with server.crt/key and badhost.crt/key")
    ap.add_argument("--ports", required=True)
    ap.add_argument("--lifetime", type=int, default=300)
    a = ap.parse_args()

    good = context(os.path.join(a.dir, "server.crt"), os.path.join(a.dir, "server.key"))
    bad = context(os.path.join(a.dir, "badhost.crt"), os.path.join(a.dir, "badhost.key"))
    servers = {"https": Server("https", good), "badhost": Server("badhost", bad),
               "s3": Server("s3", good), "meta": Server("meta", None)}
    ports = {k: s.server_address[1] for k, s in servers.items()}
    s = socket.socket()
    s.bind(("127.0.0.1", 0))
    ports["down"] = s.getsockname()[1]
    s.close()
    Handler.ports = ports
    serve(servers, ports, a.ports, a.lifetime)


def serve(servers, ports, ports_path, lifetime):
    """Serve until SIGTERM/SIGINT or the lifetime ends; the ports file, written
    last and atomically, tells the tests the servers are ready."""
    for srv in servers.values():
        threading.Thread(target=srv.serve_forever, daemon=True).start()

    stop = threading.Event()
    signal.signal(signal.SIGTERM, lambda *_: stop.set())
    signal.signal(signal.SIGINT, lambda *_: stop.set())
    tmp = ports_path + ".tmp"
    with open(tmp, "w") as f:
        for k, v in ports.items():
            f.write("%s=%d\n" % (k, v))
        f.write("ready\n")
    os.rename(tmp, ports_path)
    stop.wait(lifetime)
    for srv in servers.values():
        srv.shutdown()
        srv.server_close()


if __name__ == "__main__":
    main()
