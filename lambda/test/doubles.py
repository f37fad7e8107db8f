"""Loopback test doubles for the pg_migrate Lambda handler.

RuntimeAPI       plays Lambda's Runtime API (2018-06-01): queues events,
                 records /response, /error and /init/error.
Sns              answers SNS Publish (query API) after re-computing the
                 SigV4 signature with botocore; records the messages; can
                 answer 5xx or any error.
SecretsManager   answers GetSecretValue after re-computing the SigV4
                 signature with botocore, and the Parameters and Secrets
                 extension's GET; can throttle, deny, 404 or 500.
ResponseReceiver accepts the CloudFormation PUT to the ResponseURL; can
                 answer 5xx/4xx or drop the connection.

All servers bind 127.0.0.1 on an ephemeral port and run in a thread;
stop() shuts them down.  SecretsManager and ResponseReceiver also speak
HTTPS when given tls=(certfile, keyfile).
"""

import json
import ssl
import threading
import time
import urllib.parse
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

from botocore.auth import SigV4Auth
from botocore.awsrequest import AWSRequest
from botocore.credentials import Credentials


class _Server:
    handler_class = None

    def __init__(self, tls=None):
        outer = self

        class H(self.handler_class):
            protocol_version = "HTTP/1.1"
            srv = outer

            def log_message(self, *a):
                pass

        self.httpd = ThreadingHTTPServer(("127.0.0.1", 0), H)
        self.scheme = "http"
        if tls:
            ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
            ctx.load_cert_chain(*tls)
            # a client that rejects our certificate fails the accept; the
            # server thread carries on (socketserver ignores OSError there)
            self.httpd.socket = ctx.wrap_socket(self.httpd.socket, server_side=True)
            self.scheme = "https"
        self.httpd.daemon_threads = True
        self.port = self.httpd.server_address[1]
        self.lock = threading.Lock()
        self.thread = threading.Thread(target=self.httpd.serve_forever, daemon=True)
        self.thread.start()

    def stop(self):
        self.httpd.shutdown()
        self.httpd.server_close()


def _send(h, status, body=b"", headers=None):
    if isinstance(body, str):
        body = body.encode()
    h.send_response(status)
    for k, v in (headers or {}).items():
        h.send_header(k, v)
    h.send_header("Content-Length", str(len(body)))
    h.end_headers()
    h.wfile.write(body)


def _read_body(h):
    n = int(h.headers.get("Content-Length") or 0)
    return h.rfile.read(n) if n else b""


class _RuntimeHandler(BaseHTTPRequestHandler):
    def do_GET(self):
        s = self.srv
        with s.lock:
            s.client_ports.add(self.client_address[1])
        if self.path != "/2018-06-01/runtime/invocation/next":
            return _send(self, 404)
        with s.lock:
            ev = s.queue.pop(0) if s.queue else None
        if ev is None:
            # no more work: "container error", the runtime should exit
            self.close_connection = True
            return _send(self, 500, '{"errorMessage":"no more events"}')
        headers = {
            "Lambda-Runtime-Aws-Request-Id": ev["id"],
            "Lambda-Runtime-Invoked-Function-Arn": "arn:aws:lambda:us-east-1:123456789012:function:pgm",
            "Lambda-Runtime-Trace-Id": "Root=1-5759e988-bd862e3fe1be46a994272793;Sampled=1",
            "Content-Type": "application/json",
        }
        if ev["deadline_ms"] is not None:
            headers["Lambda-Runtime-Deadline-Ms"] = str(ev["deadline_ms"])
        with s.lock:
            s.started[ev["id"]] = time.time()
        _send(self, 200, ev["body"], headers)

    def do_POST(self):
        s = self.srv
        body = _read_body(self)
        parts = self.path.split("/")
        # /2018-06-01/runtime/invocation/<id>/(response|error) or /runtime/init/error
        if self.path == "/2018-06-01/runtime/init/error":
            with s.lock:
                s.init_errors.append({"headers": dict(self.headers), "body": body.decode()})
            return _send(self, 202, '{"status":"OK"}')
        if len(parts) == 6 and parts[3] == "invocation" and parts[5] in ("response", "error"):
            if parts[5] == "response" and s.response_status != 202:
                with s.lock:
                    s.refused.append(parts[4])
                return _send(self, s.response_status, '{"errorType":"Function.ResponseSizeTooLarge"}')
            with s.lock:
                s.results[parts[4]] = {
                    "kind": parts[5],
                    "headers": {k.lower(): v for k, v in self.headers.items()},
                    "body": body.decode(),
                    "at": time.time(),
                }
            return _send(self, 202, '{"status":"OK"}')
        _send(self, 404)


class RuntimeAPI(_Server):
    handler_class = _RuntimeHandler

    def __init__(self):
        super().__init__()
        self.reset()

    def reset(self):
        self.queue = []
        self.results = {}
        self.started = {}
        self.init_errors = []
        self.client_ports = set()
        self.response_status = 202
        self.refused = []
        self.counter = getattr(self, "counter", 0)

    def add(self, body, deadline_ms=None, timeout_s=30.0):
        """Queue an event; deadline defaults to now + timeout_s."""
        self.counter += 1
        rid = "req-%04d" % self.counter
        if deadline_ms is None:
            deadline_ms = int((time.time() + timeout_s) * 1000)
        if isinstance(body, (dict, list)):
            body = json.dumps(body)
        self.queue.append({"id": rid, "body": body, "deadline_ms": deadline_ms})
        return rid


def _sigv4_problem(h, path, body, creds, service, region, also_signed=()):
    """None when the POST carries a valid SigV4 signature for service and
    region made with creds (access_key, secret_key, token) and signs the
    headers every AWS client signs plus also_signed; else why not."""
    access_key, secret_key, token = creds
    if h.get("X-Amz-Security-Token") != token:
        return "missing/bad X-Amz-Security-Token"
    if len(h.get_all("X-Amz-Date") or []) != 1:
        return "X-Amz-Date missing or duplicated"
    auth = h.get("Authorization", "")
    if not auth.startswith("AWS4-HMAC-SHA256 "):
        return "not SigV4: %r" % auth[:30]
    fields = dict(p.strip().split("=", 1) for p in auth[len("AWS4-HMAC-SHA256 "):].split(","))
    cred = fields.get("Credential", "").split("/")
    if len(cred) != 5 or cred[0] != access_key or cred[2] != region \
            or cred[3] != service or cred[4] != "aws4_request":
        return "bad credential scope %r" % fields.get("Credential")
    signed = fields.get("SignedHeaders", "").split(";")
    for need in ("host", "x-amz-date", "x-amz-security-token", "content-type") + tuple(also_signed):
        if need not in signed:
            return "header %s not signed" % need
    for name in signed:
        if h.get(name) is None:
            # curl 7.88 trap: a removal entry ("Expect:") signed, not sent
            return "%r is named as a SignedHeader, but it does not exist" % name
    req = AWSRequest(method="POST", url="http://%s%s" % (h.get("Host"), path),
                     data=body, headers={n: h.get(n) for n in signed})
    req.context["timestamp"] = h.get("X-Amz-Date")
    signer = SigV4Auth(Credentials(access_key, secret_key, token), service, region)
    canonical = signer.canonical_request(req)
    expected = signer.signature(signer.string_to_sign(req, canonical), req)
    if expected != fields.get("Signature"):
        return "signature mismatch (canonical request:\n%s)" % canonical
    return None


class _SnsHandler(BaseHTTPRequestHandler):
    def do_POST(self):
        s = self.srv
        body = _read_body(self)
        form = {k: v[0] for k, v in urllib.parse.parse_qs(body.decode("utf-8", "replace"),
                                                          keep_blank_values=True).items()}
        arn = form.get("TopicArn", "")
        region = arn.split(":")[3] if arn.count(":") == 5 else ""
        problem = self._check_form(form) or _sigv4_problem(
            self.headers, self.path, body, (s.access_key, s.secret_key, s.token), "sns", region)
        with s.lock:
            s.requests.append({"form": form, "problem": problem,
                               "content_type": self.headers.get("Content-Type")})
            if problem:
                s.sig_failures.append(problem)
            status = s.statuses.pop(0) if len(s.statuses) > 1 else (s.statuses or [200])[0]
        if problem:
            return self._error(400, "SignatureDoesNotMatch" if "signature" in problem
                               else "InvalidParameter", problem)
        if status != 200:
            return self._error(status, "InternalError" if status >= 500 else "AuthorizationError",
                               "double says %d" % status)
        if arn not in s.topics:
            return self._error(404, "NotFound", "Topic does not exist")
        with s.lock:
            s.messages.append({"topic": arn, "subject": form.get("Subject"),
                               "message": form.get("Message"), "form": form})
            mid = "msg-%04d" % len(s.messages)
        _send(self, 200, "<PublishResponse xmlns=\"http://sns.amazonaws.com/doc/2010-03-31/\">"
                         "<PublishResult><MessageId>%s</MessageId></PublishResult>"
                         "<ResponseMetadata><RequestId>r-1</RequestId></ResponseMetadata>"
                         "</PublishResponse>" % mid, {"Content-Type": "text/xml"})

    def _check_form(self, form):
        """What real SNS would refuse before looking at the topic."""
        if form.get("Action") != "Publish" or form.get("Version") != "2010-03-31":
            return "bad Action/Version %r" % ((form.get("Action"), form.get("Version")),)
        if not self.headers.get("Content-Type", "").startswith("application/x-www-form-urlencoded"):
            return "bad Content-Type %r" % self.headers.get("Content-Type")
        subject = form.get("Subject", "")
        if len(subject) >= 100 or any(not (0x20 <= ord(c) <= 0x7e) for c in subject):
            return "bad Subject %r" % subject
        if len(form.get("Message", "").encode()) > 256 * 1024:
            return "Message longer than 256 KB"
        if form.get("TopicArn", "").endswith(".fifo") and not form.get("MessageGroupId"):
            return "a FIFO topic needs MessageGroupId"
        return None

    def _error(self, status, code, message):
        _send(self, status, "<ErrorResponse xmlns=\"http://sns.amazonaws.com/doc/2010-03-31/\">"
                            "<Error><Type>Sender</Type><Code>%s</Code><Message>%s</Message></Error>"
                            "<RequestId>r-1</RequestId></ErrorResponse>" % (code, message),
              {"Content-Type": "text/xml"})


class Sns(_Server):
    """topics: the ARNs that exist; statuses: the HTTP status of each
    Publish in turn (the last one repeats), 200 by default."""
    handler_class = _SnsHandler

    def __init__(self, tls=None):
        super().__init__(tls)
        # the function's credentials are the same for every AWS service
        self.access_key = SecretsManager.access_key
        self.secret_key = SecretsManager.secret_key
        self.token = SecretsManager.token
        self.topics = set()
        self.reset()

    def reset(self):
        self.statuses = []
        self.clear_log()

    def clear_log(self):
        self.requests = []
        self.messages = []
        self.sig_failures = []


class _SecretsHandler(BaseHTTPRequestHandler):
    def do_GET(self):
        # AWS Parameters and Secrets Lambda Extension
        s = self.srv
        u = urllib.parse.urlsplit(self.path)
        if u.path != "/secretsmanager/get":
            return _send(self, 404)
        sid = urllib.parse.parse_qs(u.query).get("secretId", [""])[0]
        with s.lock:
            s.requests.append({"kind": "extension", "secret_id": sid})
        if self.headers.get("X-Aws-Parameters-Secrets-Token") != s.token:
            return _send(self, 401, '{"__type":"AccessDeniedException","message":"bad token"}')
        self._answer(sid)

    def do_POST(self):
        s = self.srv
        body = _read_body(self)
        problem = self._verify(body)
        try:
            sid = json.loads(body).get("SecretId", "")
        except ValueError:
            sid = ""
        with s.lock:
            s.requests.append({"kind": "sigv4", "secret_id": sid, "problem": problem})
            if problem:
                s.sig_failures.append(problem)
            else:
                s.sig_ok += 1
        if problem:
            return _send(self, 400, json.dumps({"__type": "InvalidSignatureException",
                                                "message": problem}),
                         {"Content-Type": "application/x-amz-json-1.1"})
        self._answer(sid)

    def _verify(self, body):
        s = self.srv
        h = self.headers
        if h.get("X-Amz-Target") != "secretsmanager.GetSecretValue":
            return "bad X-Amz-Target %r" % h.get("X-Amz-Target")
        if h.get("Content-Type") != "application/x-amz-json-1.1":
            return "bad Content-Type %r" % h.get("Content-Type")
        return _sigv4_problem(h, self.path, body, (s.access_key, s.secret_key, s.token),
                              "secretsmanager", s.region, also_signed=("x-amz-target",))

    def _answer(self, sid):
        s = self.srv
        with s.lock:
            plan = s.behaviour.get(sid, [])
            step = plan.pop(0) if plan and len(plan) > 1 else (plan[0] if plan else None)
        if step is not None and step != "ok":
            status, typ = step[:2]
            message = step[2] if len(step) > 2 else "double says " + typ
            return _send(self, status, json.dumps({"__type": "com.amazonaws.secretsmanager#" + typ,
                                                   "Message": message}),
                         {"Content-Type": "application/x-amz-json-1.1", "x-amzn-ErrorType": typ})
        with s.lock:
            seq = s.rotations.get(sid)
            if seq:
                # a rotation in progress: each fetch moves on, the last one stays
                s.secrets[sid] = seq.pop(0) if len(seq) > 1 else seq[0]
        if sid not in s.secrets:
            return _send(self, 400, json.dumps({"__type": "ResourceNotFoundException",
                                                "Message": "Secrets Manager can't find the specified secret."}),
                         {"Content-Type": "application/x-amz-json-1.1"})
        doc = {"ARN": "arn:aws:secretsmanager:us-east-1:123456789012:secret:" + sid,
               "Name": sid, "VersionId": "v1", "VersionStages": ["AWSCURRENT"],
               "CreatedDate": 1700000000.0, "SecretString": json.dumps(s.secrets[sid])}
        _send(self, 200, json.dumps(doc), {"Content-Type": "application/x-amz-json-1.1"})


class SecretsManager(_Server):
    """behaviour[secret_id] = list of steps; each step "ok" or (status, __type)
    or (status, __type, Message).  The last step repeats forever."""
    handler_class = _SecretsHandler
    access_key = "AKIDEXAMPLETEST"
    secret_key = "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY"
    token = "FwoGZXIvYXdzEXAMPLE//session+token=="
    region = "us-east-1"

    def __init__(self, tls=None):
        super().__init__(tls)
        self.secrets = {}
        self.reset()

    def reset(self):
        self.behaviour = {}
        self.rotations = {}
        self.clear_log()

    def clear_log(self):
        self.requests = []
        self.sig_failures = []
        self.sig_ok = 0


class _ReceiverHandler(BaseHTTPRequestHandler):
    def do_PUT(self):
        s = self.srv
        body = _read_body(self)
        with s.lock:
            s.puts.append({"path": self.path,
                           "headers": {k.lower(): v for k, v in self.headers.items()},
                           "body": body.decode(), "at": time.time()})
            step = s.plan.pop(0) if len(s.plan) > 1 else (s.plan[0] if s.plan else s.status)
        if step == "drop":
            # the connection closes without an answer (curl: empty reply)
            self.close_connection = True
            return
        _send(self, step)


class ResponseReceiver(_Server):
    """Answers each PUT with status, or with the next step of plan (an HTTP
    status or "drop"; the last step repeats forever)."""
    handler_class = _ReceiverHandler

    def __init__(self, tls=None):
        super().__init__(tls)
        self.reset()

    def reset(self):
        self.puts = []
        self.status = 200
        self.plan = []

    def url(self, tag):
        # the shape of a pre-signed S3 URL: must be used verbatim
        return ("%s://127.0.0.1:%d/cfn-responses/%s?AWSAccessKeyId=AKIA&Expires=1700000000"
                "&Signature=abc%%2Bdef%%3D" % (self.scheme, self.port, tag))
