#!/usr/bin/python3
"""Integration tests for the pg_migrate Lambda handler (make -C lambda check).

Starts the loopback doubles (doubles.py) and a throwaway PostgreSQL with the
real pg_migrate extension (pgcluster.py), runs ./bootstrap against them in
every mode, runs the C unit tests and a valgrind pass, and ends with
"lambda: N passed, N failed".  If the extension cannot be created the run
fails: nothing is skipped.
"""

import json
import os
import re
import shutil
import signal
import subprocess
import sys
import tempfile
import time

HERE = os.path.dirname(os.path.abspath(__file__))
LAMBDA = os.path.dirname(HERE)
sys.path.insert(0, HERE)

from doubles import ResponseReceiver, RuntimeAPI, SecretsManager, Sns  # noqa: E402
from pgcluster import PgCluster, free_port  # noqa: E402

BOOTSTRAP = os.path.join(LAMBDA, "bootstrap")
PASSWORD = "Tr0ub4dor&3-pgm-S3cret"
WRONG_PASSWORD = "Wr0ng-pgm-Passw0rd-42"
PLAIN_SECRET = "hunter2-plain-S3cret-text"       # a secret that is not JSON
# a session token that JSON must escape: a mask applied after escaping misses it
QUOTED_TOKEN = 'FwoGZXIv"quoted\\token+EXAMPLE=='

passed = 0
failed = 0
captured = []            # every text the handler emitted: logs and responses


def leaked(text, secret):
    """The secret, raw or as JSON escapes it, is in text."""
    return secret in text or json.dumps(secret)[1:-1] in text


def check(name, cond, detail=""):
    global passed, failed
    if cond:
        passed += 1
        print("ok - %s" % name)
    else:
        failed += 1
        print("not ok - %s%s" % (name, (": " + str(detail)[:2000]) if detail else ""))
    sys.stdout.flush()


class Env:
    def __init__(self, rt, sm, pg):
        self.rt, self.sm, self.pg = rt, sm, pg

    def base(self, **over):
        e = {
            "PATH": os.environ.get("PATH", "/usr/bin:/bin"),
            "AWS_LAMBDA_RUNTIME_API": "127.0.0.1:%d" % self.rt.port,
            "PG_MIGRATE_INVOKE_MODE": "direct",
            "AWS_REGION": SecretsManager.region,
            "AWS_ACCESS_KEY_ID": SecretsManager.access_key,
            "AWS_SECRET_ACCESS_KEY": SecretsManager.secret_key,
            "AWS_SESSION_TOKEN": SecretsManager.token,
            "AWS_ENDPOINT_URL_SECRETS_MANAGER": "http://127.0.0.1:%d/" % self.sm.port,
            "MASTER_SECRET_ARN": "db-ok",
            "PGSSLMODE": "disable",
            "PG_MIGRATE_DEADLINE_MARGIN_MS": "2000",
            "LAMBDA_TASK_ROOT": "/nonexistent",
        }
        for k, v in over.items():
            if v is None:
                e.pop(k, None)
            else:
                e[k] = v
        return e

    def url(self, db, port=None, extra=""):
        return "jdbc:postgresql://127.0.0.1:%d/%s%s" % (port or self.pg.port, db, extra)


def run(env, events, timeout=60, wrapper=None):
    """Queue events, run bootstrap until the double runs dry; returns
    (returncode, stdout, stderr, [request ids])."""
    rt = env_ctx.rt
    rt.reset()
    env_ctx.sm.clear_log()
    ids = []
    for ev in events:
        if isinstance(ev, tuple):
            body, kw = ev
            ids.append(rt.add(body, **kw))
        else:
            ids.append(rt.add(ev))
    argv = (wrapper or []) + [BOOTSTRAP]
    p = subprocess.run(argv, env=env, capture_output=True, text=True, timeout=timeout)
    captured.append(p.stdout)
    captured.append(p.stderr)
    for r in rt.results.values():
        captured.append(r["body"])
    for r in rt.init_errors:
        captured.append(r["body"])
    for r in env_ctx.rcv.puts:
        captured.append(r["body"])
    return p.returncode, p.stdout, p.stderr, ids


def result(rid):
    r = env_ctx.rt.results.get(rid)
    if r is None:
        return None, None, None
    try:
        body = json.loads(r["body"])
    except ValueError:
        body = r["body"]
    return r["kind"], body, r["headers"]


def err_type(rid):
    kind, body, headers = result(rid)
    if kind != "error":
        return None
    return headers.get("lambda-runtime-function-error-type")


def logs_ok(stdout):
    for line in stdout.splitlines():
        try:
            rec = json.loads(line)
        except ValueError:
            return "not JSON: %r" % line
        for k in ("timestamp", "level", "phase", "message"):
            if k not in rec:
                return "missing %s: %r" % (k, line)
    return None


def setup_migrations(pg):
    m = {}
    m["ok"] = pg.migrations("ok", {
        "V1__create_kv.sql": "CREATE TABLE kv(k text PRIMARY KEY, v text);\n",
        "V2__seed_kv.sql": "INSERT INTO kv VALUES ('greeting', 'hello');\n",
    })
    m["fail"] = pg.migrations("fail", {
        "V1__create_t.sql": "CREATE TABLE t1(id int);\n",
        "V2__broken.sql": "SELECT 1;\nSELECT 2;\nSELEC broken;\n",
    })
    m["three"] = pg.migrations("three", {
        "V1__one.sql": "CREATE TABLE one(id int);\n",
        "V2__two.sql": "CREATE TABLE two(id int);\n",
        "V3__three.sql": "CREATE TABLE three(id int);\n",
    })
    m["ph"] = pg.migrations("ph", {
        "V1__placeholders.sql": "CREATE TABLE ph(v text);\n"
                                "INSERT INTO ph VALUES ('${my_key}'), ('${other_key}');\n",
    })
    m["custom_names"] = pg.migrations("custom_names", {
        "Mig1-one.sql": "CREATE TABLE one(id int);\n",
        "Mig2-two.pgsql": "CREATE TABLE two(id int);\n",
        "V3__three.sql": "CREATE TABLE three(id int);\n",
    })
    m["six"] = pg.migrations("six", {
        "V1__six_placeholders.sql": "CREATE TABLE six(v text);\n"
                                    "INSERT INTO six VALUES ('${p1}'), ('${p2}'), ('${p3}'), "
                                    "('${p4}'), ('${p5}'), ('${p6}');\n",
    })
    m["timeouts"] = pg.migrations("timeouts", {
        "V1__record_timeouts.sql": "CREATE TABLE seen AS SELECT current_setting('statement_timeout') AS st, "
                                   "current_setting('lock_timeout') AS lt;\n",
    })
    m["slow"] = pg.migrations("slow", {
        "V1__slow.sql": "SELECT pg_sleep(30);\n",
    })
    m["leak"] = pg.migrations("leak", {
        "V1__leak.sql": "DO $$ BEGIN RAISE EXCEPTION 'leaked %%', '%s'; END $$;\n" % PASSWORD,
    })
    m["longerr"] = pg.migrations("longerr", {
        "V1__long_error.sql": "DO $$ BEGIN RAISE EXCEPTION 'long: %', repeat('\u00e9x', 4000); END $$;\n",
    })
    return m


def params_lines(log):
    return "\n".join(l for l in log.splitlines() if "parameters:" in l)[-3000:]


def migrated_versions(pg, db):
    out = pg.psql("SELECT string_agg(version, ',') FROM migrate_info() WHERE state = 'Success'",
                  db=db)
    return out or ""


def test_direct(env, pg, m):
    pg.database("d_ok", m["ok"])
    rc, out, err, ids = run(env.base(FLYWAY_URL=env.url("d_ok")), ["{}"])
    kind, body, _ = result(ids[0])
    check("direct: success applies both migrations",
          kind == "response" and body.get("applied") == 2 and body.get("status") == "SUCCESS"
          and [x["version"] for x in body.get("migrations", [])] == ["1", "2"]
          and body.get("schemaVersion") == "2", (kind, body, out))
    check("direct: secret fetched with a valid SigV4 signature (botocore)",
          env.sm.sig_ok == 1 and not env.sm.sig_failures, env.sm.sig_failures)
    check("direct: process exits 0 when the runtime API stops", rc == 0, (rc, err))
    check("logs: every stdout line is a JSON record", logs_ok(out) is None, logs_ok(out))
    check("logs: migrate_info() logged before and after",
          "migrate_info() before apply" in out and "migrate_info() after apply" in out, out)
    check("logs: request id and duration in records",
          '"requestId":"%s"' % ids[0] in out and '"durationMs"' in out, out)

    # CDK Trigger invokes with no payload
    rc, out, err, ids = run(env.base(FLYWAY_URL=env.url("d_ok")), [""])
    kind, body, _ = result(ids[0])
    check("direct: nothing to apply (empty event)",
          kind == "response" and body.get("applied") == 0 and body.get("migrations") == []
          and body.get("schemaVersion") == "2", (kind, body, out))

    pg.database("d_fail", m["fail"])
    rc, out, err, ids = run(env.base(FLYWAY_URL=env.url("d_fail")), ["{}"])
    kind, body, headers = result(ids[0])
    check("direct: failed migration -> /error Function.MigrationFailed naming the script",
          kind == "error" and err_type(ids[0]) == "Function.MigrationFailed"
          and "V2__broken" in body.get("errorMessage", "")
          and body.get("errorType") == "Function.MigrationFailed"
          and body.get("stackTrace") == [], (kind, body, headers))
    # fail fast: V2's syntax error is found before V1 runs, so nothing is applied
    check("direct: V2's syntax error stops the run before V1 runs (fail fast)",
          migrated_versions(pg, "d_fail") == "", migrated_versions(pg, "d_fail"))

    rc, out, err, ids = run(env.base(FLYWAY_URL=env.url("d_ok"), MASTER_SECRET_ARN="db-wrongpw"),
                            ["{}"])
    kind, body, _ = result(ids[0])
    check("direct: wrong password -> Function.AuthenticationFailed",
          err_type(ids[0]) == "Function.AuthenticationFailed"
          and "password authentication failed" in body.get("errorMessage", ""), (kind, body))
    check("direct: wrong password re-fetches the secret once (rotation)",
          len(env.sm.requests) == 2, env.sm.requests)

    dead = free_port()
    t0 = time.time()
    rc, out, err, ids = run(env.base(FLYWAY_URL=env.url("d_ok", port=dead)), ["{}"])
    kind, body, _ = result(ids[0])
    check("direct: database unreachable -> Function.DatabaseUnreachable",
          err_type(ids[0]) == "Function.DatabaseUnreachable" and time.time() - t0 < 20,
          (kind, body))

    rc, out, err, ids = run(env.base(FLYWAY_URL=env.url("d_ok"), MASTER_SECRET_ARN="missing"),
                            ["{}"])
    kind, body, _ = result(ids[0])
    check("direct: secret missing -> Function.SecretNotFound",
          err_type(ids[0]) == "Function.SecretNotFound" and "missing" in body.get("errorMessage", ""),
          (kind, body))

    env.sm.behaviour["denied"] = [(400, "AccessDeniedException")]
    rc, out, err, ids = run(env.base(FLYWAY_URL=env.url("d_ok"), MASTER_SECRET_ARN="denied"),
                            ["{}"])
    kind, body, _ = result(ids[0])
    check("direct: AccessDenied -> Function.SecretAccessDenied, no retry",
          err_type(ids[0]) == "Function.SecretAccessDenied"
          and "secretsmanager:GetSecretValue" in body.get("errorMessage", "")
          and len(env.sm.requests) == 1, (kind, body, env.sm.requests))

    env.sm.behaviour["db-ok"] = [(400, "ThrottlingException"), (503, "InternalServiceError"), "ok"]
    rc, out, err, ids = run(env.base(FLYWAY_URL=env.url("d_ok")), ["{}"])
    kind, body, _ = result(ids[0])
    check("direct: throttling and 5xx retried with backoff, then success",
          kind == "response" and len(env.sm.requests) == 3 and env.sm.sig_ok == 3,
          (kind, body, env.sm.requests))

    env.sm.behaviour["db-ok"] = [(500, "InternalServiceError")]
    rc, out, err, ids = run(env.base(FLYWAY_URL=env.url("d_ok")), ["{}"])
    kind, body, _ = result(ids[0])
    check("direct: persistent 5xx -> Function.SecretUnavailable after 5 attempts",
          err_type(ids[0]) == "Function.SecretUnavailable" and len(env.sm.requests) == 5,
          (kind, body, len(env.sm.requests)))
    env.sm.behaviour.pop("db-ok")

    t0 = time.time()
    rc, out, err, ids = run(env.base(FLYWAY_URL=env.url("d_ok")),
                            [("{}", {"timeout_s": 2.5})])
    kind, body, _ = result(ids[0])
    check("direct: deadline too short -> Function.DeadlineTooShort, nothing fetched",
          err_type(ids[0]) == "Function.DeadlineTooShort" and not env.sm.requests
          and time.time() - t0 < 2.5, (kind, body))

    rc, out, err, ids = run(env.base(FLYWAY_URL=env.url("d_ok")), ["this is {not json"])
    kind, body, _ = result(ids[0])
    check("direct: malformed event -> Function.InvalidEvent, event not echoed",
          err_type(ids[0]) == "Function.InvalidEvent" and "not json" not in out
          and "not json" not in json.dumps(body), (kind, body))

    pg.database("d_noext", m["ok"], extension=False)
    rc, out, err, ids = run(env.base(FLYWAY_URL=env.url("d_noext"), PG_MIGRATE_ENGINE="extension"), ["{}"])
    kind, body, _ = result(ids[0])
    msg = body.get("errorMessage", "") if isinstance(body, dict) else ""
    check("direct: missing extension (42883) -> Function.ExtensionMissing with advice",
          err_type(ids[0]) == "Function.ExtensionMissing" and "CREATE EXTENSION pg_migrate" in msg
          and "RDS" in msg, (kind, body))

    # connection from the secret alone: host, numeric port, dbname
    pg.database("d_secret", m["ok"])
    rc, out, err, ids = run(env.base(FLYWAY_URL=None, MASTER_SECRET_ARN=None,
                                     PG_MIGRATE_SECRET_ID="db-numport"), ["{}"])
    kind, body, _ = result(ids[0])
    check("secret: host/numeric port/dbname from the secret, PG_MIGRATE_SECRET_ID",
          kind == "response" and body.get("applied") == 2, (kind, body, out))

    # FLYWAY_URL wins over the secret's host (db-ok points at postgres db)
    pg.database("d_url", m["ok"])
    rc, out, err, ids = run(env.base(
        FLYWAY_URL=env.url("d_url", extra="?ApplicationName=pgm-url-test&connectTimeout=5&sslmode=disable")),
        ["{}"])
    kind, body, _ = result(ids[0])
    check("FLYWAY_URL: host/port/db and parameters used",
          kind == "response" and body.get("applied") == 2
          and re.search(r"\[pgm-url-test\]", pg.server_log()) is not None, (kind, body))

    # extension (localhost:2773 style) instead of SigV4
    pg.database("d_ext", m["ok"])
    rc, out, err, ids = run(env.base(FLYWAY_URL=env.url("d_ext"), PG_MIGRATE_SECRETS_EXTENSION="true",
                                     PARAMETERS_SECRETS_EXTENSION_HTTP_PORT=str(env.sm.port)), ["{}"])
    kind, body, _ = result(ids[0])
    check("secret: through the Parameters and Secrets extension",
          kind == "response" and env.sm.requests and env.sm.requests[0]["kind"] == "extension",
          (kind, body, env.sm.requests))


def test_runtime(env, pg, m):
    rc, out, err, ids = run(env.base(FLYWAY_URL=env.url("d_ok")), ["{}", "{}", "{}"])
    check("runtime: three invocations in one process over one kept-alive connection",
          [result(i)[0] for i in ids] == ["response"] * 3 and len(env.rt.client_ports) == 1,
          env.rt.client_ports)
    check("runtime: Lambda-Runtime-Trace-Id does not break the loop, request ids distinct",
          len({json.dumps(result(i)[1].get("applied")) for i in ids}) == 1, ids)

    env.rt.reset()
    env.rt.response_status = 413
    ids = [env.rt.add("{}"), env.rt.add("{}")]
    p = subprocess.run([BOOTSTRAP], env=env.base(FLYWAY_URL=env.url("d_ok")), capture_output=True,
                       text=True, timeout=60)
    captured.extend([p.stdout, p.stderr])
    check("runtime: 413 on /response -> no /error follow-up, next invocation served",
          env.rt.refused == ids and not env.rt.results and p.returncode == 0
          and "HTTP 413" in p.stdout, (env.rt.refused, env.rt.results, p.returncode))
    env.rt.response_status = 202

    t0 = time.time()
    p = subprocess.run([BOOTSTRAP], env=env.base(AWS_LAMBDA_RUNTIME_API="127.0.0.1:%d" % free_port()),
                       capture_output=True, text=True, timeout=60)
    captured.extend([p.stdout, p.stderr])
    check("runtime: Runtime API unreachable -> gives up after 3 polls, exit 1",
          p.returncode == 1 and "giving up after 3 failed polls" in p.stdout and time.time() - t0 < 10,
          (p.returncode, p.stdout[-800:]))

    rc, out, err, ids = run(env.base(FLYWAY_URL=env.url("d_ok"),
                                     AWS_SECRET_ACCESS_KEY="not-the-right-key"), ["{}"])
    check("secret: the SigV4 double rejects a wrong signing key (verifier is live)",
          err_type(ids[0]) == "Function.SecretAccessDenied" and len(env.sm.sig_failures) == 1
          and "signature mismatch" in env.sm.sig_failures[0], (result(ids[0]), env.sm.sig_failures))

    rc, out, err, ids = run(env.base(FLYWAY_URL=env.url("d_ok"), AWS_SESSION_TOKEN=None), ["{}"])
    check("secret: a missing session token is caught by the double",
          err_type(ids[0]) == "Function.SecretAccessDenied", result(ids[0]))


def test_tls(env, pg, m):
    ca, other = pg.enable_ssl()
    pg.database("t_ok", m["ok"])
    rc, out, err, ids = run(env.base(FLYWAY_URL=env.url("t_ok"), PGSSLMODE=None,
                                     PG_MIGRATE_SSLROOTCERT=ca), ["{}"])
    check("TLS: CA configured -> sslmode=verify-full succeeds, ssl on",
          result(ids[0])[0] == "response" and "(ssl on)" in out, (result(ids[0]), out[-1500:]))
    rc, out, err, ids = run(env.base(FLYWAY_URL=env.url("t_ok"), PGSSLMODE=None,
                                     PG_MIGRATE_SSLROOTCERT=other), ["{}"])
    check("TLS: wrong CA -> verification fails, Function.DatabaseUnreachable",
          err_type(ids[0]) == "Function.DatabaseUnreachable"
          and "certificate" in result(ids[0])[1].get("errorMessage", ""), result(ids[0]))
    rc, out, err, ids = run(env.base(FLYWAY_URL=env.url("t_ok"), PGSSLMODE=None), ["{}"])
    check("TLS: no CA -> sslmode=require, encrypted",
          result(ids[0])[0] == "response" and "(ssl on)" in out, result(ids[0]))
    rc, out, err, ids = run(env.base(FLYWAY_URL=env.url("t_ok", extra="?sslmode=disable"),
                                     PGSSLMODE=None, PG_MIGRATE_SSLROOTCERT=ca), ["{}"])
    check("TLS: sslmode in FLYWAY_URL wins over the default",
          result(ids[0])[0] == "response" and "(ssl off)" in out, result(ids[0]))
    # a client certificate named in FLYWAY_URL reaches libpq: this one has no
    # key file, which libpq refuses (a dropped sslcert would connect anyway)
    crt = os.path.join(pg.dir, "server.crt")
    rc, out, err, ids = run(env.base(FLYWAY_URL=env.url(
        "t_ok", extra="?sslmode=require&sslcert=%s&sslkey=%s" % (crt, os.path.join(pg.dir, "no-such.key"))),
        PGSSLMODE=None), ["{}"])
    check("TLS: sslcert and sslkey in FLYWAY_URL are passed to libpq",
          err_type(ids[0]) == "Function.DatabaseUnreachable"
          and "no-such.key" in result(ids[0])[1].get("errorMessage", ""), result(ids[0]))

    # HTTPS, as Secrets Manager and the S3 ResponseURL are in AWS: the
    # statically linked libcurl's TLS, verified against the CA bundle
    tls = (os.path.join(pg.dir, "server.crt"), os.path.join(pg.dir, "server.key"))
    sm_tls, rcv_tls = SecretsManager(tls=tls), ResponseReceiver(tls=tls)
    try:
        sm_tls.secrets["db-ok"] = env.sm.secrets["db-ok"]
        https = dict(FLYWAY_URL=env.url("t_https"),
                     AWS_ENDPOINT_URL_SECRETS_MANAGER="https://127.0.0.1:%d/" % sm_tls.port)
        pg.database("t_https", m["ok"])
        rc, out, err, ids = run(env.base(PG_MIGRATE_CA_BUNDLE=ca, **https), ["{}"])
        kind, body, _ = result(ids[0])
        check("HTTPS: GetSecretValue over TLS, verified with PG_MIGRATE_CA_BUNDLE",
              kind == "response" and body.get("applied") == 2 and sm_tls.sig_ok == 1,
              (kind, body, sm_tls.requests, out[-1500:]))

        sm_tls.clear_log()
        rc, out, err, ids = run(env.base(SSL_CERT_FILE=ca, **https), ["{}"])
        check("HTTPS: SSL_CERT_FILE names the CA bundle too",
              result(ids[0])[0] == "response" and sm_tls.sig_ok == 1, (result(ids[0]), out[-1500:]))

        sm_tls.clear_log()
        t0 = time.time()
        rc, out, err, ids = run(env.base(PG_MIGRATE_CA_BUNDLE=other, **https), ["{}"])
        kind, body, _ = result(ids[0])
        msg = body.get("errorMessage", "") if isinstance(body, dict) else ""
        check("HTTPS: a certificate the bundle does not vouch for -> refused at once, not retried",
              err_type(ids[0]) == "Function.SecretUnavailable" and not sm_tls.requests
              and "certificate" in msg and "PG_MIGRATE_CA_BUNDLE" in msg
              and time.time() - t0 < 5, (kind, body, time.time() - t0))

        ev = cfn_event(env, "Create", "https", ResponseURL=rcv_tls.url("https"))
        rc, out, err, ids = run(env.base(PG_MIGRATE_INVOKE_MODE="cloudformation",
                                         PG_MIGRATE_CA_BUNDLE=ca, **https), [ev])
        put = rcv_tls.puts[-1] if rcv_tls.puts else None
        check("HTTPS: CloudFormation response PUT over TLS to the ResponseURL",
              put is not None and json.loads(put["body"]).get("Status") == "SUCCESS",
              (put, result(ids[0]), out[-1500:]))

        ev = cfn_event(env, "Create", "https-bad", ResponseURL=rcv_tls.url("https-bad"))
        rc, out, err, ids = run(env.base(PG_MIGRATE_INVOKE_MODE="cloudformation",
                                         PG_MIGRATE_CA_BUNDLE=other, **https), [ev])
        check("HTTPS: an unverifiable ResponseURL is logged with the certificate problem",
              not any("/https-bad?" in p["path"] for p in rcv_tls.puts)
              and "certificate" in out and "PG_MIGRATE_CA_BUNDLE" in out,
              (rcv_tls.puts[-1:], out[-2000:]))
    finally:
        sm_tls.stop()
        rcv_tls.stop()
    sns_over_https(env, pg, m, tls, ca, other)


def test_arguments(env, pg, m):
    pg.database("d_ph", m["ph"])
    rc, out, err, ids = run(env.base(FLYWAY_URL=env.url("d_ph"), FLYWAY_PLACEHOLDERS_MY_KEY="hello",
                                     FLYWAY_PLACEHOLDERS_Other_Key="World"), ["{}"])
    kind, body, _ = result(ids[0])
    vals = pg.psql("SELECT string_agg(v, ',' ORDER BY v) FROM ph", db="d_ph", check=False)
    check("FLYWAY_PLACEHOLDERS_*: names lower-cased, values replaced",
          kind == "response" and vals == "World,hello", (kind, body, vals))
    log = pg.server_log()
    check("FLYWAY_PLACEHOLDERS_*: passed as jsonb {\"my_key\",\"other_key\"}",
          re.search(r'\$2 = \'\{"my_key": "hello", "other_key": "World"\}\'', log) is not None,
          params_lines(log))

    pg.database("d_target", m["three"])
    rc, out, err, ids = run(env.base(FLYWAY_URL=env.url("d_target"), FLYWAY_TARGET="2"), ["{}"])
    kind, body, _ = result(ids[0])
    check("FLYWAY_TARGET=2 applies V1 and V2 only",
          kind == "response" and [x["version"] for x in body.get("migrations", [])] == ["1", "2"]
          and migrated_versions(pg, "d_target") == "1,2", (kind, body))
    check("FLYWAY_TARGET passed as target => '2'",
          re.search(r"\$1 = '2', \$2 = NULL, \$3 = 'f', \$4 = NULL", pg.server_log()) is not None,
          params_lines(pg.server_log()))

    pg.database("d_group", m["fail"])
    rc, out, err, ids = run(env.base(FLYWAY_URL=env.url("d_group"), FLYWAY_GROUP="true",
                                     FLYWAY_OUT_OF_ORDER="true"), ["{}"])
    check("FLYWAY_GROUP=true -> single_transaction => true (and out_of_order)",
          err_type(ids[0]) == "Function.MigrationFailed"
          and re.search(r"\$1 = NULL, \$2 = NULL, \$3 = 't', \$4 = 't'", pg.server_log())
          is not None and migrated_versions(pg, "d_group") == "",
          (result(ids[0]), params_lines(pg.server_log()), migrated_versions(pg, "d_group")))

    # the timeouts the migrations run under: derived from the deadline, but
    # a smaller one from PGOPTIONS (or the role) or the settings wins
    cases = [
        ("d_to_deadline", {}, None),
        ("d_to_pgoptions", {"PGOPTIONS": "-c statement_timeout=1500ms",
                            "PG_MIGRATE_LOCK_TIMEOUT_MS": "1234"}, "1500ms|1234ms"),
        ("d_to_setting", {"PGOPTIONS": "-c statement_timeout=1min",
                          "PG_MIGRATE_STATEMENT_TIMEOUT_MS": "2000"}, "2s|0"),
    ]
    for db, extra, want in cases:
        pg.database(db, m["timeouts"])
        rc, out, err, ids = run(env.base(FLYWAY_URL=env.url(db), **extra), ["{}"])
        seen = pg.psql("SELECT st || '|' || lt FROM seen", db=db, check=False)
        if want is None:
            st = seen.split("|")[0] if seen else ""
            ms = {"ms": 1, "s": 1000, "min": 60000}.get(re.sub(r"^[0-9]+", "", st), 0) * \
                int(re.match(r"[0-9]*", st).group(0) or 0)
            ok = 20000 <= ms <= 28000 and seen.endswith("|0")   # 30 s deadline - 2 s margin
        else:
            ok = seen == want
        check("statement_timeout/lock_timeout for the migrations (%s): %s" % (db, seen),
              result(ids[0])[0] == "response" and ok, (result(ids[0]), seen, want))

    rc, out, err, ids = run(env.base(FLYWAY_URL=env.url("d_ok"), FLYWAY_GROUP="maybe"), ["{}"])
    check("invalid FLYWAY_GROUP -> /runtime/init/error Runtime.ConfigInvalid",
          rc != 0 and env.rt.init_errors
          and env.rt.init_errors[0]["headers"].get("Lambda-Runtime-Function-Error-Type")
          == "Runtime.ConfigInvalid", (rc, env.rt.init_errors))

    rc, out, err, ids = run(env.base(PG_MIGRATE_INVOKE_MODE=None), ["{}"])
    check("unset PG_MIGRATE_INVOKE_MODE -> init error naming the three modes",
          rc != 0 and env.rt.init_errors
          and "direct, cloudformation or provider" in env.rt.init_errors[0]["body"],
          env.rt.init_errors)


# FLYWAY_* values the handler must never print
SECRET_LIKE = "S3cret-pgm-Flyway-Value-9"


def init_error(rc):
    """The body of the one /runtime/init/error, if the init failed with
    Runtime.ConfigInvalid; else None."""
    errs = env_ctx.rt.init_errors
    if rc == 0 or not errs or errs[0]["headers"].get("Lambda-Runtime-Function-Error-Type") \
            != "Runtime.ConfigInvalid":
        return None
    return errs[0]["body"]


def log_records(out):
    recs = []
    for line in out.splitlines():
        try:
            recs.append(json.loads(line))
        except ValueError:
            pass
    return recs


def test_flyway_env(env, pg, m):
    """Every FLYWAY_* variable through client/flyway_config.c (docs/lambda.md)."""
    # the old Flyway function's environment block, unchanged
    pg.database("d_oldenv", m["six"])
    old = dict(FLYWAY_URL="jdbc:postgresql://127.0.0.1:%d/d_oldenv" % pg.port,
               FLYWAY_LOCATIONS="filesystem:./sql/postgresql", PG_MIGRATE_ENGINE="extension")
    for i in range(1, 7):
        old["FLYWAY_PLACEHOLDERS_P%d" % i] = "v%d" % i
    rc, out, err, ids = run(env.base(**old), ["{}"])
    kind, body, _ = result(ids[0])
    vals = pg.psql("SELECT string_agg(v, ',' ORDER BY v) FROM six", db="d_oldenv", check=False)
    check("flyway_env: the old function's environment (FLYWAY_LOCATIONS, six placeholders) deploys",
          kind == "response" and body.get("applied") == 1 and vals == "v1,v2,v3,v4,v5,v6",
          (kind, body, vals, out[-2000:]))
    notes = [r for r in log_records(out) if "FLYWAY_LOCATIONS" in r.get("message", "")]
    check("flyway_env: FLYWAY_LOCATIONS is named at INFO as not used in extension mode, "
          "without its value",
          len(notes) == 1 and notes[0]["level"] == "INFO" and "extension mode" in notes[0]["message"]
          and "./sql/postgresql" not in out, notes)

    # the history where FLYWAY_SCHEMAS and FLYWAY_TABLE say
    pg.database("d_table", m["ok"])
    rc, out, err, ids = run(env.base(FLYWAY_URL=env.url("d_table"), FLYWAY_SCHEMAS="hist_s",
                                     FLYWAY_TABLE="my_history"), ["{}"])
    kind, body, _ = result(ids[0])
    where = pg.psql("SELECT string_agg(table_schema || '.' || table_name, ',') "
                    "FROM information_schema.tables WHERE table_name LIKE '%history%'",
                    db="d_table")
    rows = pg.psql("SELECT count(*) FROM hist_s.my_history WHERE success", db="d_table",
                   check=False)
    check("flyway_env: FLYWAY_SCHEMAS/FLYWAY_TABLE put the history in hist_s.my_history",
          kind == "response" and where == "hist_s.my_history" and rows is not None
          and int(rows) >= 2, (kind, body, where, rows))

    # a non-empty schema without history is baselined
    pg.database("d_baseline", m["three"])
    pg.psql("CREATE TABLE legacy(id int)", db="d_baseline")
    rc, out, err, ids = run(env.base(FLYWAY_URL=env.url("d_baseline"),
                                     FLYWAY_BASELINE_ON_MIGRATE="true",
                                     FLYWAY_BASELINE_VERSION="1"), ["{}"])
    kind, body, _ = result(ids[0])
    hist = pg.psql("SELECT string_agg(version || ':' || type, ',' ORDER BY installed_rank) "
                   "FROM flyway_schema_history WHERE version IS NOT NULL", db="d_baseline",
                   check=False)
    check("flyway_env: FLYWAY_BASELINE_ON_MIGRATE baselines a non-empty schema, then migrates",
          kind == "response" and hist == "1:BASELINE,2:SQL,3:SQL", (kind, body, hist))

    # the file-name conventions become the pg_migrate.* settings of the session
    pg.database("d_names", m["custom_names"])
    rc, out, err, ids = run(env.base(FLYWAY_URL=env.url("d_names"), FLYWAY_SQL_MIGRATION_PREFIX="Mig",
                                     FLYWAY_SQL_MIGRATION_SEPARATOR="-",
                                     FLYWAY_SQL_MIGRATION_SUFFIXES=".sql,.pgsql",
                                     PG_MIGRATE_ENGINE="extension"), ["{}"])
    kind, body, _ = result(ids[0])
    hist = pg.psql("SELECT string_agg(version || ':' || script, ',' ORDER BY installed_rank) "
                   "FROM flyway_schema_history WHERE version IS NOT NULL", db="d_names", check=False)
    check("flyway_env: FLYWAY_SQL_MIGRATION_PREFIX/_SEPARATOR/_SUFFIXES name the scripts in extension mode",
          kind == "response" and hist == "1:Mig1-one.sql,2:Mig2-two.pgsql", (kind, body, hist))

    # unknown and malformed variables fail the init, naming them
    rc, out, err, ids = run(env.base(FLYWAY_URL=env.url("d_ok"), FLYWAY_TYPO=SECRET_LIKE), ["{}"])
    body = init_error(rc)
    check("flyway_env: unknown FLYWAY_TYPO fails the init naming it, without its value",
          body is not None and "FLYWAY_TYPO" in body and not leaked(out + err + body, SECRET_LIKE),
          (rc, env.rt.init_errors, out[-1000:]))
    rc, out, err, ids = run(env.base(FLYWAY_URL=env.url("d_ok"),
                                     FLYWAY_GROUP="maybe-" + SECRET_LIKE), ["{}"])
    body = init_error(rc)
    check("flyway_env: FLYWAY_GROUP=maybe fails the init naming it, without its value",
          body is not None and "FLYWAY_GROUP" in body and not leaked(out + err + body, SECRET_LIKE),
          (rc, env.rt.init_errors))
    # two schemas in extension mode: pg_migrate.schemas, history in the first, both created
    pg.database("d_two_schemas", m["ok"])
    rc, out, err, ids = run(env.base(FLYWAY_URL=env.url("d_two_schemas"), FLYWAY_SCHEMAS="sa,sb",
                                     PG_MIGRATE_ENGINE="extension"), ["{}"])
    kind, body, _ = result(ids[0])
    marker = pg.psql("SELECT script FROM sa.flyway_schema_history WHERE type = 'SCHEMA'",
                     db="d_two_schemas", check=False)
    check("flyway_env: two FLYWAY_SCHEMAS in extension mode: history in the first, "
          "both created and recorded",
          kind == "response" and marker == '"sa","sb"', (kind, body, marker))

    # a value the extension refuses: named by its variable, never quoted
    pg.database("d_badval", m["ok"])
    rc, out, err, ids = run(env.base(FLYWAY_URL=env.url("d_badval"),
                                     FLYWAY_BASELINE_VERSION=SECRET_LIKE), ["{}"])
    kind, body, _ = result(ids[0])
    texts = out + err + json.dumps(body)
    check("flyway_env: a value the database refuses names FLYWAY_BASELINE_VERSION, not the value",
          err_type(ids[0]) == "Function.SettingRefused" and "FLYWAY_BASELINE_VERSION" in json.dumps(body)
          and not leaked(texts, SECRET_LIKE) and migrated_versions(pg, "d_badval") == "",
          (kind, body, out[-2000:]))

    # pg_migrate.installed_by is superuser-only
    pg.psql("CREATE ROLE plain_deployer LOGIN PASSWORD '%s'" % PASSWORD)
    pg.database("d_installed_by", m["ok"])
    pg.psql("GRANT ALL ON SCHEMA public TO plain_deployer; GRANT EXECUTE ON FUNCTION "
            "migrate_info(text, jsonb, boolean), migrate_apply(text, jsonb, boolean, boolean) "
            "TO plain_deployer", db="d_installed_by")
    rc, out, err, ids = run(env.base(FLYWAY_URL=env.url("d_installed_by"), MASTER_SECRET_ARN=None,
                                     FLYWAY_USER="plain_deployer", FLYWAY_PASSWORD=PASSWORD,
                                     FLYWAY_INSTALLED_BY=SECRET_LIKE), ["{}"])
    kind, body, _ = result(ids[0])
    check("flyway_env: FLYWAY_INSTALLED_BY for a role that may not set it fails clearly",
          err_type(ids[0]) == "Function.SettingRefused" and "FLYWAY_INSTALLED_BY" in json.dumps(body)
          and "superuser" in json.dumps(body) and not leaked(out + err + json.dumps(body), SECRET_LIKE),
          (kind, body))

    # FLYWAY_CONNECT_RETRIES: an unreachable database is tried again
    rc, out, err, ids = run(env.base(FLYWAY_URL=env.url("d_ok", port=free_port()),
                                     FLYWAY_CONNECT_RETRIES="1"), ["{}"])
    retries = [r for r in log_records(out) if r.get("phase") == "connect"
               and "retrying" in r.get("message", "")]
    check("flyway_env: FLYWAY_CONNECT_RETRIES=1 retries an unreachable database once",
          err_type(ids[0]) == "Function.DatabaseUnreachable" and len(retries) == 1,
          (result(ids[0]), retries))
    check("flyway_env: no FLYWAY_* value in any log or response",
          not any(leaked(t, SECRET_LIKE) for t in captured), "value found")


# Objects named like those in the handler's SQL, in a schema that comes
# before pg_catalog; each records its call.
HOSTILE_PATH_SQL = """
CREATE SCHEMA evil_log;
CREATE TABLE evil_log.calls (what pg_catalog.text);
CREATE SCHEMA evil;
CREATE FUNCTION evil.note(what pg_catalog.text) RETURNS pg_catalog.bool LANGUAGE plpgsql AS
  $$ BEGIN INSERT INTO evil_log.calls VALUES (what); RETURN true; END $$;
CREATE FUNCTION evil.migrate_info() RETURNS TABLE (version pg_catalog.text, state pg_catalog.text)
  LANGUAGE plpgsql AS $$ BEGIN PERFORM evil.note('migrate_info()'); END $$;
CREATE FUNCTION evil.migrate_apply(target pg_catalog.text, placeholders pg_catalog.jsonb,
    single_transaction pg_catalog.bool, out_of_order pg_catalog.bool)
  RETURNS TABLE (version pg_catalog.text, description pg_catalog.text, type pg_catalog.text,
    script pg_catalog.text, checksum pg_catalog.int4, execution_time pg_catalog.int4,
    state pg_catalog.text)
  LANGUAGE plpgsql AS $$ BEGIN PERFORM evil.note('migrate_apply()'); END $$;
CREATE FUNCTION evil.eq84(a pg_catalog.int8, b pg_catalog.int4) RETURNS pg_catalog.bool
  LANGUAGE plpgsql AS $$ BEGIN PERFORM evil.note('int8 = int4'); RETURN pg_catalog.int84eq(a, b); END $$;
CREATE OPERATOR evil.= (LEFTARG = pg_catalog.int8, RIGHTARG = pg_catalog.int4, FUNCTION = evil.eq84);
CREATE FUNCTION evil.gt88(a pg_catalog.int8, b pg_catalog.int8) RETURNS pg_catalog.bool
  LANGUAGE plpgsql AS $$ BEGIN PERFORM evil.note('int8 > int8'); RETURN pg_catalog.int8gt(a, b); END $$;
CREATE OPERATOR evil.> (LEFTARG = pg_catalog.int8, RIGHTARG = pg_catalog.int8, FUNCTION = evil.gt88);
CREATE FUNCTION evil.mul(a pg_catalog.int4, b pg_catalog.float8) RETURNS pg_catalog.float8
  LANGUAGE plpgsql AS $$ BEGIN PERFORM evil.note('int4 * float8'); RETURN pg_catalog.float8mul(a, b); END $$;
CREATE OPERATOR evil.* (LEFTARG = pg_catalog.int4, RIGHTARG = pg_catalog.float8, FUNCTION = evil.mul);
CREATE FUNCTION evil.set_config(n pg_catalog.text, v pg_catalog.text, l pg_catalog.bool)
  RETURNS pg_catalog.text LANGUAGE plpgsql AS $$ BEGIN PERFORM evil.note('set_config()'); RETURN v; END $$;
CREATE DOMAIN evil.text AS pg_catalog.text CHECK (evil.note('domain text'));
CREATE DOMAIN evil.jsonb AS pg_catalog.jsonb CHECK (evil.note('domain jsonb'));
CREATE DOMAIN evil.bool AS pg_catalog.bool CHECK (evil.note('domain bool'));
CREATE DOMAIN evil.int8 AS pg_catalog.int8 CHECK (evil.note('domain int8'));
"""


def test_search_path(env, pg, m):
    pg.database("d_path", m["three"])
    pg.psql(HOSTILE_PATH_SQL, db="d_path")
    rc, out, err, ids = run(env.base(
        FLYWAY_URL=env.url("d_path"),
        PGOPTIONS="-c search_path=evil,pg_catalog,public -c pg_migrate.schema=public"), ["{}"])
    kind, body, _ = result(ids[0])
    calls = pg.psql("SELECT string_agg(DISTINCT what, ', ') FROM evil_log.calls", db="d_path")
    check("hostile search_path: the handler's SQL calls nothing of it, and applies",
          kind == "response" and body.get("applied") == 3 and body.get("schemaVersion") == "3"
          and calls == "", (kind, body, calls))


def cfn_event(env, rtype, tag, **extra):
    ev = {
        "RequestType": rtype,
        "ServiceToken": "arn:aws:lambda:us-east-1:123456789012:function:pgm",
        "ResponseURL": env_ctx.rcv.url(tag),
        "StackId": "arn:aws:cloudformation:us-east-1:123456789012:stack/app/1",
        "RequestId": "cfn-" + tag,
        "LogicalResourceId": "Migrations",
        "ResourceType": "Custom::PgMigrate",
        "ResourceProperties": {"ServiceToken": "x", "MigrationsHash": "abc"},
    }
    ev.update(extra)
    return ev


def last_put(tag):
    for p in env_ctx.rcv.puts:
        if "/cfn-responses/%s?" % tag in p["path"]:
            return p
    return None


def test_cloudformation(env, pg, m):
    rcv = env_ctx.rcv
    cfn = lambda **kw: env.base(PG_MIGRATE_INVOKE_MODE="cloudformation", **kw)  # noqa: E731

    pg.database("c_ok", m["ok"])
    rcv.reset()
    rc, out, err, ids = run(cfn(FLYWAY_URL=env.url("c_ok")), [cfn_event(env, "Create", "create")])
    p = last_put("create")
    body = json.loads(p["body"]) if p else {}
    check("cloudformation: Create -> PUT SUCCESS with stable id and Data",
          p is not None and body.get("Status") == "SUCCESS"
          and body.get("PhysicalResourceId") == "pg-migrate-Migrations"
          and body.get("Data") == {"Applied": "2", "SchemaVersion": "2", "Engine": "extension"}
          and body.get("RequestId") == "cfn-create" and body.get("LogicalResourceId") == "Migrations"
          and body.get("StackId", "").startswith("arn:aws:cloudformation"), (p, out))
    check("cloudformation: PUT uses the URL verbatim, no Content-Type, Content-Length set",
          p is not None and p["path"].endswith("Signature=abc%2Bdef%3D")
          and p["headers"].get("content-type", "") == "" and "content-length" in p["headers"]
          and "transfer-encoding" not in p["headers"], p)
    kind, rbody, _ = result(ids[0])
    check("cloudformation: runtime gets /response (no async retry)", kind == "response", kind)

    rcv.reset()
    rc, out, err, ids = run(cfn(FLYWAY_URL=env.url("c_ok")),
                            [cfn_event(env, "Update", "update", PhysicalResourceId="pg-migrate-Migrations",
                                       OldResourceProperties={"MigrationsHash": "old"})])
    p = last_put("update")
    body = json.loads(p["body"]) if p else {}
    check("cloudformation: Update with nothing to apply -> SUCCESS, same id",
          body.get("Status") == "SUCCESS" and body.get("PhysicalResourceId") == "pg-migrate-Migrations"
          and body.get("Data", {}).get("Applied") == "0", body)

    rcv.reset()
    rc, out, err, ids = run(cfn(FLYWAY_URL=env.url("c_ok", port=free_port()), MASTER_SECRET_ARN="missing"),
                            [cfn_event(env, "Delete", "delete", PhysicalResourceId="pg-migrate-Migrations")])
    p = last_put("delete")
    body = json.loads(p["body"]) if p else {}
    check("cloudformation: Delete -> SUCCESS without touching secret or database",
          body.get("Status") == "SUCCESS" and body.get("PhysicalResourceId") == "pg-migrate-Migrations"
          and not env.sm.requests, (body, env.sm.requests))

    rcv.reset()
    rc, out, err, ids = run(cfn(FLYWAY_URL=env.url("c_ok")), [cfn_event(env, "Upsert", "unknown")])
    p = last_put("unknown")
    body = json.loads(p["body"]) if p else {}
    check("cloudformation: unknown RequestType -> PUT FAILED with reason",
          body.get("Status") == "FAILED" and "unknown RequestType" in body.get("Reason", "")
          and body.get("PhysicalResourceId") == "pg-migrate-Migrations" and not env.sm.requests, body)

    pg.database("c_fail", m["fail"])
    rcv.reset()
    rc, out, err, ids = run(cfn(FLYWAY_URL=env.url("c_fail")), [cfn_event(env, "Create", "fail")])
    p = last_put("fail")
    body = json.loads(p["body"]) if p else {}
    check("cloudformation: failed migration -> PUT FAILED, Reason names the script, <= 4 KB",
          body.get("Status") == "FAILED" and "V2__broken" in body.get("Reason", "")
          and len(p["body"].encode()) <= 4096, body)

    pg.database("c_rot", m["ok"])
    rcv.reset()
    env.sm.rotations["rotating"] = [env.sm.secrets["db-wrongpw"], env.sm.secrets["db-ok"]]
    rc, out, err, ids = run(cfn(FLYWAY_URL=env.url("c_rot"), MASTER_SECRET_ARN="rotating"),
                            [cfn_event(env, "Create", "rotated")])
    p = last_put("rotated")
    body = json.loads(p["body"]) if p else {}
    check("cloudformation: password rotated since the fetch -> re-fetch, SUCCESS",
          body.get("Status") == "SUCCESS" and body.get("Data", {}).get("Applied") == "2"
          and len(env.sm.requests) == 2, (body, env.sm.requests))

    rcv.reset()
    rc, out, err, ids = run(cfn(FLYWAY_URL=env.url("c_ok"), MASTER_SECRET_ARN="missing"),
                            [cfn_event(env, "Create", "nosecret")])
    p = last_put("nosecret")
    body = json.loads(p["body"]) if p else {}
    check("cloudformation: secret missing -> PUT FAILED",
          body.get("Status") == "FAILED" and "not found" in body.get("Reason", ""), body)

    rcv.reset()
    t0 = time.time()
    rc, out, err, ids = run(cfn(FLYWAY_URL=env.url("c_ok")),
                            [(cfn_event(env, "Create", "short"), {"timeout_s": 2.5})])
    p = last_put("short")
    body = json.loads(p["body"]) if p else {}
    check("cloudformation: deadline too short -> PUT FAILED before the deadline",
          body.get("Status") == "FAILED" and "raise the function timeout" in body.get("Reason", "")
          and p["at"] - t0 < 2.5, body)

    pg.database("c_slow", m["slow"])
    rcv.reset()
    t0 = time.time()
    deadline = t0 + 6.0
    rc, out, err, ids = run(cfn(FLYWAY_URL=env.url("c_slow")),
                            [(cfn_event(env, "Create", "slow"), {"timeout_s": 6.0})])
    p = last_put("slow")
    body = json.loads(p["body"]) if p else {}
    check("cloudformation: approaching deadline -> statement cancelled, PUT FAILED in time",
          body.get("Status") == "FAILED" and "deadline" in body.get("Reason", "")
          and p["at"] < deadline and env_ctx.rt.results.get(ids[0], {}).get("at", 1e18) < deadline,
          (body, p and p["at"] - t0))

    # a server that stops answering: statement_timeout and cancel cannot help
    pg.database("c_stuck", m["slow"])
    rcv.reset()
    env_ctx.rt.reset()
    t0 = time.time()
    rid = env_ctx.rt.add(cfn_event(env, "Create", "stuck"), timeout_s=8.0)
    proc = subprocess.Popen([BOOTSTRAP], env=cfn(FLYWAY_URL=env.url("c_stuck")),
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    pid = None
    while pid is None and time.time() - t0 < 5:
        pid = pg.psql("SELECT pid FROM pg_stat_activity WHERE application_name = 'pg_migrate-lambda'"
                      " AND query LIKE '%migrate_apply%' AND state = 'active'", check=False) or None
        time.sleep(0.1)
    if pid:
        os.kill(int(pid), signal.SIGSTOP)
    try:
        out, err = proc.communicate(timeout=30)
    finally:
        if pid:
            os.kill(int(pid), signal.SIGCONT)
            pg.psql("SELECT pg_terminate_backend(%s)" % pid, check=False)
    captured.extend([out, err])
    p = last_put("stuck")
    body = json.loads(p["body"]) if p else {}
    check("cloudformation: server stops answering (SIGSTOP) -> gives up, PUT FAILED before the deadline",
          pid is not None and body.get("Status") == "FAILED" and "did not answer" in body.get("Reason", "")
          and p["at"] < t0 + 8.0, (pid, body, p and p["at"] - t0, out[-1500:]))

    pg.database("c_long", m["longerr"])
    rcv.reset()
    rc, out, err, ids = run(cfn(FLYWAY_URL=env.url("c_long")),
                            [cfn_event(env, "Create", "long", LogicalResourceId="L" * 200)])
    p = rcv.puts[0] if rcv.puts else None
    check("cloudformation: response truncated to <= 4096 bytes, still valid JSON",
          p is not None and len(p["body"].encode()) <= 4096
          and json.loads(p["body"]).get("Status") == "FAILED", p and len(p["body"]))

    rcv.reset()
    ev = cfn_event(env, "Create", "nourl")
    del ev["ResponseURL"]
    rc, out, err, ids = run(cfn(FLYWAY_URL=env.url("c_ok")), [ev, "{not json"])
    check("cloudformation: event without ResponseURL -> /error Function.InvalidEvent",
          err_type(ids[0]) == "Function.InvalidEvent" and not rcv.puts, result(ids[0]))
    check("cloudformation: malformed event -> /error Function.InvalidEvent",
          err_type(ids[1]) == "Function.InvalidEvent", result(ids[1]))

    rcv.reset()
    rcv.status = 403
    rc, out, err, ids = run(cfn(FLYWAY_URL=env.url("c_ok")),
                            [cfn_event(env, "Delete", "forbidden", PhysicalResourceId="p")])
    check("cloudformation: PUT refused -> /error Function.ResponseFailed",
          err_type(ids[0]) == "Function.ResponseFailed", result(ids[0]))
    rcv.reset()


def test_provider(env, pg, m):
    rcv = env_ctx.rcv
    prov = lambda **kw: env.base(PG_MIGRATE_INVOKE_MODE="provider", **kw)  # noqa: E731
    pg.database("p_ok", m["ok"])
    rcv.reset()
    rc, out, err, ids = run(prov(FLYWAY_URL=env.url("p_ok")), [cfn_event(env, "Create", "pcreate")])
    kind, body, _ = result(ids[0])
    check("provider: Create -> returns PhysicalResourceId and Data, no PUT",
          kind == "response" and body == {"PhysicalResourceId": "pg-migrate-Migrations",
                                          "Data": {"Applied": "2", "SchemaVersion": "2", "Engine": "extension"}}
          and not rcv.puts, (kind, body, rcv.puts))

    rc, out, err, ids = run(prov(FLYWAY_URL=env.url("p_ok", port=free_port()), MASTER_SECRET_ARN="missing"),
                            [cfn_event(env, "Delete", "pdelete", PhysicalResourceId="given-id")])
    kind, body, _ = result(ids[0])
    check("provider: Delete -> same id, no database, no PUT",
          kind == "response" and body == {"PhysicalResourceId": "given-id"}
          and not env.sm.requests and not rcv.puts, (kind, body))

    pg.database("p_fail", m["fail"])
    rc, out, err, ids = run(prov(FLYWAY_URL=env.url("p_fail")),
                            [cfn_event(env, "Update", "pfail", PhysicalResourceId="pg-migrate-Migrations"),
                             cfn_event(env, "Replace", "punknown")])
    check("provider: failed migration -> /error (framework reports FAILED), no PUT",
          err_type(ids[0]) == "Function.MigrationFailed" and not rcv.puts, result(ids[0]))
    check("provider: unknown RequestType -> /error Function.UnknownRequestType",
          err_type(ids[1]) == "Function.UnknownRequestType", result(ids[1]))


def deploy(env, mode, db, tag, **over):
    """One Create (an empty event in direct mode) in the given mode; the
    outcome in one shape: ok, applied (a string), reason (the FAILED Reason
    or the errorMessage), error_type, puts (this tag's PUT documents)."""
    rcv = env_ctx.rcv
    ev = "{}" if mode == "direct" else cfn_event(env, "Create", tag)
    rc, out, err, ids = run(env.base(PG_MIGRATE_INVOKE_MODE=mode, FLYWAY_URL=env.url(db), **over), [ev])
    kind, body, _ = result(ids[0])
    body = body if isinstance(body, dict) else {}
    r = {"kind": kind, "out": out, "error_type": err_type(ids[0]), "response": body,
         "puts": [json.loads(p["body"]) for p in rcv.puts if "/cfn-responses/%s?" % tag in p["path"]]}
    if mode == "cloudformation":
        doc = r["puts"][-1] if r["puts"] else {}
        r["ok"] = kind == "response" and doc.get("Status") == "SUCCESS"
        r["failed"] = kind == "response" and doc.get("Status") == "FAILED"
        r["applied"] = doc.get("Data", {}).get("Applied")
        r["reason"] = doc.get("Reason")
    else:
        r["ok"] = kind == "response" and (mode == "provider" or body.get("status") == "SUCCESS")
        r["failed"] = kind == "error"
        r["applied"] = (body.get("Data", {}).get("Applied") if mode == "provider"
                        else str(body.get("applied"))) if kind == "response" else None
        r["reason"] = body.get("errorMessage") if kind == "error" else None
    return r


def test_retries(env, pg, m):
    """Every retried call: attempts that end in success answer SUCCESS (no
    error of a failed attempt outlives it), attempts that end in failure
    answer FAILED with a Reason, and no secret is in either."""
    rcv, sm = env_ctx.rcv, env.sm
    n = 0

    def fresh(kind="ok"):
        nonlocal n
        n += 1
        db = "r_%d" % n
        pg.database(db, m[kind])
        return db

    def summary(r):
        return {k: r[k] for k in ("ok", "failed", "applied", "reason", "error_type", "puts")}, \
            len(sm.requests), r["out"][-1500:]

    # Secrets Manager: throttling and 5xx retried, then the secret
    for mode in ("cloudformation", "provider", "direct"):
        for what, steps, extension in (
                ("400 ThrottlingException", [(400, "ThrottlingException"), "ok"], False),
                ("503 then 500", [(503, "ServiceUnavailableException"), (500, "InternalServiceError"), "ok"],
                 False),
                ("throttled through the extension", [(400, "ThrottlingException"), "ok"], True)):
            rcv.reset()
            db = fresh()
            sm.behaviour["db-ok"] = list(steps)
            over = {}
            if extension:
                over = dict(PG_MIGRATE_SECRETS_EXTENSION="true",
                            PARAMETERS_SECRETS_EXTENSION_HTTP_PORT=str(sm.port))
            r = deploy(env, mode, db, "sm-%d" % n, **over)
            check("retries %s: Secrets Manager %s, then the secret -> SUCCESS, no Reason"
                  % (mode, what),
                  r["ok"] and r["applied"] == "2" and not r["reason"] and len(sm.requests) == len(steps)
                  and migrated_versions(pg, db) == "1,2" and "attempt 1 failed, retrying" in r["out"]
                  and (mode != "cloudformation" or len(r["puts"]) == 1), summary(r))

        rcv.reset()
        db = fresh()
        sm.behaviour["db-ok"] = [(400, "ThrottlingException")]
        r = deploy(env, mode, db, "sm-throttled-%d" % n)
        check("retries %s: Secrets Manager throttles every attempt -> FAILED with a Reason, nothing applied"
              % mode,
              r["failed"] and "ThrottlingException" in (r["reason"] or "") and len(sm.requests) == 5
              and migrated_versions(pg, db) == ""
              and (mode == "cloudformation" or r["error_type"] == "Function.SecretUnavailable"),
              summary(r))

        rcv.reset()
        sm.behaviour["db-ok"] = [(503, "ServiceUnavailableException"), (400, "AccessDeniedException")]
        r = deploy(env, mode, db, "sm-denied-%d" % n)
        check("retries %s: a 503, then AccessDenied -> FAILED with the AccessDenied Reason only" % mode,
              r["failed"] and "secretsmanager:GetSecretValue" in (r["reason"] or "")
              and "503" not in r["reason"] and len(sm.requests) == 2
              and (mode == "cloudformation" or r["error_type"] == "Function.SecretAccessDenied"),
              summary(r))

        rcv.reset()
        db = fresh("fail")
        sm.behaviour["db-ok"] = [(400, "ThrottlingException"), "ok"]
        r = deploy(env, mode, db, "sm-migfail-%d" % n)
        check("retries %s: throttled, then the secret, then a failed migration -> FAILED naming the script"
              % mode,
              r["failed"] and "V2__broken" in (r["reason"] or "")
              and (mode == "cloudformation" or r["error_type"] == "Function.MigrationFailed"),
              summary(r))
        sm.behaviour.pop("db-ok")

    # a server that echoes a credential in its error: masked in the Reason,
    # the /error body and the log, even where JSON escapes it
    sm.token = QUOTED_TOKEN
    try:
        for mode in ("cloudformation", "provider"):
            rcv.reset()
            db = fresh()
            sm.behaviour["db-ok"] = [(400, "ThrottlingException", "Rate exceeded for %s" % QUOTED_TOKEN)]
            r = deploy(env, mode, db, "sm-echo-%d" % n, AWS_SESSION_TOKEN=QUOTED_TOKEN)
            texts = r["out"] + json.dumps(r["response"]) + json.dumps(r["puts"]) + \
                "".join(p["body"] for p in rcv.puts) + "".join(x["body"] for x in env.rt.results.values())
            check("retries %s: a token echoed by a throttled Secrets Manager is masked everywhere" % mode,
                  r["failed"] and "Rate exceeded for ********" in (r["reason"] or "")
                  and not leaked(texts, QUOTED_TOKEN) and len(sm.requests) == 5, summary(r))
            sm.behaviour.pop("db-ok")
    finally:
        del sm.token

    # the database rejects the password: the secret is fetched again once
    for mode in ("cloudformation", "provider", "direct"):
        rcv.reset()
        db = fresh()
        sm.rotations["rotating"] = [sm.secrets["db-wrongpw"], sm.secrets["db-ok"]]
        sm.behaviour["rotating"] = [(400, "ThrottlingException"), "ok", (503, "ServiceUnavailableException"),
                                    "ok"]
        r = deploy(env, mode, db, "rot-%d" % n, MASTER_SECRET_ARN="rotating")
        check("retries %s: throttled fetch, old password refused, throttled re-fetch, new password -> SUCCESS"
              % mode,
              r["ok"] and r["applied"] == "2" and not r["reason"] and len(sm.requests) == 4
              and migrated_versions(pg, db) == "1,2", summary(r))
        sm.rotations.pop("rotating")
        sm.behaviour.pop("rotating")

        rcv.reset()
        r = deploy(env, mode, db, "rot-wrong-%d" % n, MASTER_SECRET_ARN="db-wrongpw")
        check("retries %s: password refused before and after the re-fetch -> FAILED with a Reason" % mode,
              r["failed"] and "password authentication failed" in (r["reason"] or "")
              and len(sm.requests) == 2
              and (mode == "cloudformation" or r["error_type"] == "Function.AuthenticationFailed"),
              summary(r))

    # the PUT to the ResponseURL: 5xx and dropped connections retried
    for what, plan, puts in (("500 then 200", [500, 200], 2),
                             ("dropped, 503, then 200", ["drop", 503, 200], 3)):
        rcv.reset()
        rcv.plan = list(plan)
        db = fresh()
        r = deploy(env, "cloudformation", db, "put-%d" % n)
        check("retries cloudformation: PUT %s -> SUCCESS delivered, the same document each time" % what,
              r["ok"] and r["applied"] == "2" and len(r["puts"]) == puts
              and all(p == r["puts"][0] for p in r["puts"]) and "retrying" in r["out"], summary(r))

    rcv.reset()
    rcv.plan = [500, 200]
    db = fresh("fail")
    r = deploy(env, "cloudformation", db, "put-fail-%d" % n)
    check("retries cloudformation: PUT 500 then 200 for a failed migration -> FAILED delivered, with Reason",
          r["failed"] and len(r["puts"]) == 2 and all(p["Status"] == "FAILED" and "V2__broken" in p["Reason"]
                                                      for p in r["puts"]), summary(r))

    rcv.reset()
    rcv.plan = [503]
    db = fresh()
    r = deploy(env, "cloudformation", db, "put-503-%d" % n)
    check("retries cloudformation: PUT answers 503 every time -> Function.ResponseFailed after 5 attempts",
          r["error_type"] == "Function.ResponseFailed" and len(r["puts"]) == 5
          and "HTTP 503" in r["response"].get("errorMessage", "")
          and "5 attempts" in r["response"].get("errorMessage", ""), summary(r))

    rcv.reset()
    rcv.plan = [403]
    r = deploy(env, "cloudformation", db, "put-403-%d" % n)
    check("retries cloudformation: PUT refused (403) -> not retried, Function.ResponseFailed",
          r["error_type"] == "Function.ResponseFailed" and len(r["puts"]) == 1, summary(r))
    rcv.reset()


def valgrind_ok(stderr):
    problems = []
    if "ERROR SUMMARY: 0 errors" not in stderr:
        problems.append("errors reported")
    for kind in ("definitely lost", "indirectly lost"):
        m = re.search(kind + r": ([\d,]+) bytes", stderr)
        if m and m.group(1) != "0":
            problems.append(kind + " " + m.group(1))
    return problems


def test_valgrind(env, pg, m):
    vg = ["valgrind", "--leak-check=full", "--show-leak-kinds=definite,indirect",
          "--errors-for-leak-kinds=definite,indirect", "--error-exitcode=99", "--num-callers=30"]
    pg.database("v_ok", m["ok"])
    events = ["{}", "{}", "not json", ""]
    rc, out, err, ids = run(env.base(FLYWAY_URL=env.url("v_ok")), events, timeout=240, wrapper=vg)
    kinds = [result(i)[0] for i in ids]
    check("valgrind direct: 4 invocations in one process (apply, no-op, malformed, empty)",
          kinds == ["response", "response", "error", "response"], kinds)
    check("valgrind direct: no leaks, no invalid accesses", rc == 0 and not valgrind_ok(err),
          (rc, valgrind_ok(err), err[-3000:]))

    pg.database("v_fail", m["fail"])
    env.sm.behaviour["db-ok"] = [(400, "ThrottlingException"), "ok"]
    events = [cfn_event(env, "Create", "v1"), cfn_event(env, "Delete", "v2", PhysicalResourceId="x"),
              cfn_event(env, "Bogus", "v3"), "[1,2]", cfn_event(env, "Update", "v4", PhysicalResourceId="x")]
    rc, out, err, ids = run(env.base(PG_MIGRATE_INVOKE_MODE="cloudformation", FLYWAY_URL=env.url("v_fail")),
                            events, timeout=240, wrapper=vg)
    env.sm.behaviour.pop("db-ok")
    check("valgrind cloudformation: 5 invocations (failed, delete, unknown, malformed, retry)",
          len(env_ctx.rcv.puts) == 4 and len(env_ctx.rt.results) == 5, (len(env_ctx.rcv.puts), env_ctx.rt.results))
    check("valgrind cloudformation: no leaks, no invalid accesses", rc == 0 and not valgrind_ok(err),
          (rc, valgrind_ok(err), err[-3000:]))

    # what a failed attempt leaves behind: a throttled fetch before a secret
    # that is not JSON, a dropped PUT before the accepted one
    env.sm.behaviour["plain"] = [(400, "ThrottlingException"), "ok"]
    env_ctx.rcv.reset()
    env_ctx.rcv.plan = ["drop", 200]
    rc, out, err, ids = run(env.base(PG_MIGRATE_INVOKE_MODE="cloudformation", FLYWAY_URL=env.url("v_ok"),
                                     MASTER_SECRET_ARN="plain"),
                            [cfn_event(env, "Create", "v-retry")], timeout=240, wrapper=vg)
    env.sm.behaviour.pop("plain")
    puts = [json.loads(p["body"]) for p in env_ctx.rcv.puts]
    env_ctx.rcv.reset()
    check("valgrind retries: throttled then invalid secret, dropped then accepted PUT, no leaks",
          rc == 0 and not valgrind_ok(err) and len(puts) == 2 and puts[-1].get("Status") == "FAILED"
          and "not a JSON object" in puts[-1].get("Reason", ""),
          (rc, valgrind_ok(err), puts, err[-3000:]))

    rc, out, err, ids = run(env.base(FLYWAY_URL=env.url("v_ok"), MASTER_SECRET_ARN="db-wrongpw",
                                     PG_MIGRATE_INVOKE_MODE="provider"),
                            [cfn_event(env, "Create", "v5"), cfn_event(env, "Delete", "v6")],
                            timeout=240, wrapper=vg)
    check("valgrind provider: auth failure + delete, no leaks, no invalid accesses",
          rc == 0 and not valgrind_ok(err) and err_type(ids[0]) == "Function.AuthenticationFailed",
          (rc, valgrind_ok(err), err[-3000:]))


def test_package(env, pg, m):
    """The zip's bootstrap runs on the bundled libraries."""
    test_package_scripts(env, pg)
    pkg = os.path.join(LAMBDA, "build", "pkg")
    libs = os.path.join(pkg, "lib")
    p = subprocess.run(["ldd", os.path.join(pkg, "bootstrap")], capture_output=True, text=True,
                       env=dict(os.environ, LD_LIBRARY_PATH=libs))
    resolved = [l for l in p.stdout.splitlines() if "=>" in l]
    outside = [l for l in resolved if libs not in l and not re.search(
        r"lib(c|m|pthread|dl|rt|resolv)\.so", l)]
    check("package: every non-glibc library resolves from lib/ in the zip",
          resolved and not outside and "not found" not in p.stdout, outside or p.stdout)
    bundled = sorted(os.listdir(libs))
    check("package: libcurl, libpq, OpenSSL and zlib are linked in; only libcjson is bundled",
          bundled == ["libcjson.so.1"], bundled)
    pg.database("k_ok", m["ok"])
    rt = env_ctx.rt
    rt.reset()
    rid = rt.add("{}")
    e = env.base(FLYWAY_URL=env.url("k_ok"), LD_LIBRARY_PATH=libs)
    p = subprocess.run([os.path.join(pkg, "bootstrap")], env=e, capture_output=True, text=True,
                       timeout=60)
    captured.append(p.stdout)
    kind, body, _ = result(rid)
    check("package: packaged bootstrap applies migrations", kind == "response"
          and body.get("applied") == 2, (kind, body, p.stdout[-2000:]))


def package_with(sql):
    """make package SQL=sql (None: without scripts); (returncode, output)."""
    p = subprocess.run(["make", "-s", "package"] + (["SQL=" + sql] if sql else []), cwd=LAMBDA,
                       capture_output=True, text=True, timeout=300)
    return p.returncode, p.stdout + p.stderr


def old_scripts_folder():
    """The old image's scripts folder (COPY scripts /flyway/sql): postgresql/ inside, and a dot file."""
    root = task_root("scripts", BUNDLED, folder="scripts/postgresql")
    with open(os.path.join(root, "scripts", ".DS_Store"), "w") as f:
        f.write("junk")
    return os.path.join(root, "scripts")


def test_package_scripts(env, pg):
    """make package SQL=folder: the scripts in function.zip where the old
    image had them, found by FLYWAY_LOCATIONS=filesystem:./sql/postgresql."""
    import zipfile
    ensure_deployer(env, pg)
    rc, out = package_with("/nonexistent/scripts")
    check("package: SQL=a missing folder fails, naming it", rc != 0 and "SQL=/nonexistent/scripts is not a folder" in out,
          out[-1500:])
    try:
        rc, out = package_with(old_scripts_folder())
        names = zipfile.ZipFile(os.path.join(LAMBDA, "function.zip")).namelist() if rc == 0 else []
        check("package: SQL=folder bundles its contents under sql/ (dot files left out)",
              rc == 0 and "bundled 3 .sql files" in out
              and {"sql/postgresql/" + s for s in BUNDLED} <= set(names)
              and not any(".DS_Store" in n for n in names), (out[-1500:], names))
        task = tempfile.mkdtemp(prefix="pgm-zip-")
        try:
            with zipfile.ZipFile(os.path.join(LAMBDA, "function.zip")) as z:
                for info in z.infolist():
                    z.extract(info, task)
                    os.chmod(os.path.join(task, info.filename), (info.external_attr >> 16) or 0o644)
            db = client_db(pg, "pkg_client")
            rt = env_ctx.rt
            rt.reset()
            rid = rt.add("{}")
            p = subprocess.run([os.path.join(task, "bootstrap")], capture_output=True, text=True, timeout=60,
                               env=old_env(env, db, task, LD_LIBRARY_PATH=os.path.join(task, "lib")), cwd="/")
            captured.append(p.stdout)
            kind, body, _ = result(rid)
            check("package: the unzipped function applies its bundled scripts with the old environment",
                  kind == "response" and body.get("engine") == "client" and body.get("applied") == 3,
                  (kind, body, p.stdout[-2000:]))
        finally:
            shutil.rmtree(task, ignore_errors=True)
    finally:
        package_with(None)


def test_image(env, pg, m):
    """lambda/Dockerfile builds and its image runs the handler (test/image.py)."""
    import image
    check("image: buildah is installed (lambda/DEPENDENCIES)", image.available())
    try:
        image.build_standin()
        ensure_deployer(env, pg)
        rc, out = package_with(old_scripts_folder())
        check("image: make package SQL=... stages the scripts for the Dockerfile", rc == 0, out[-1500:])
        image.build_image(LAMBDA)
        check("image: Dockerfile builds FROM the base image (local stand-in via BASE_IMAGE)", True)
        cfg = image.image_config()
        check("image: entrypoint from the base, CMD is the mode placeholder",
              cfg.get("Entrypoint") == ["/lambda-entrypoint.sh"]
              and cfg.get("Cmd") == ["set-PG_MIGRATE_INVOKE_MODE"], cfg)

        rt = env_ctx.rt
        rt.reset()
        rt.add("{}")
        p = image.run_image(env.base(PG_MIGRATE_INVOKE_MODE=None, LAMBDA_TASK_ROOT=None))
        captured.extend([p.stdout, p.stderr])
        check("image: without PG_MIGRATE_INVOKE_MODE the CMD placeholder fails init clearly",
              p.returncode != 0 and rt.init_errors
              and "set-PG_MIGRATE_INVOKE_MODE" in rt.init_errors[0]["body"]
              and "direct, cloudformation or provider" in rt.init_errors[0]["body"],
              (p.returncode, rt.init_errors, p.stderr[-1500:]))

        pg.database("i_ok", m["ok"])
        rt.reset()
        rid = rt.add("{}")
        p = image.run_image(env.base(FLYWAY_URL=env.url("i_ok"), LAMBDA_TASK_ROOT=None))
        captured.extend([p.stdout, p.stderr])
        kind, body, _ = result(rid)
        check("image: the container applies the migrations (libraries from /var/task/lib)",
              kind == "response" and body.get("applied") == 2
              and migrated_versions(pg, "i_ok") == "1,2",
              (kind, body, p.returncode, p.stdout[-1500:], p.stderr[-1500:]))

        db = client_db(pg, "i_client")
        rt.reset()
        rid = rt.add("{}")
        p = image.run_image(old_env(env, db, "/var/task", LAMBDA_TASK_ROOT=None))
        captured.extend([p.stdout, p.stderr])
        kind, body, _ = result(rid)
        check("image: the container applies the scripts it was built with (/var/task/sql, client mode)",
              kind == "response" and body.get("engine") == "client" and body.get("applied") == 3,
              (kind, body, p.returncode, p.stdout[-1500:], p.stderr[-1500:]))
    except Exception as e:
        check("image: build and run", False, e)
    finally:
        package_with(None)
        if image.available():
            image.cleanup()


# the topic's region is not AWS_REGION's: the request must go to the topic's
TOPIC = "arn:aws:sns:eu-west-1:123456789012:pgm-deploys"
FIFO_TOPIC = "arn:aws:sns:eu-west-1:123456789012:pgm-deploys.fifo"


def sns_env(env, sns, **over):
    e = dict(PG_MIGRATE_SNS_TOPIC_ARN=TOPIC, AWS_ENDPOINT_URL_SNS="http://127.0.0.1:%d/" % sns.port)
    e.update(over)
    return env.base(**e)


def published(sns):
    """[(subject, message as JSON)]; every text SNS was sent is kept for the
    secret checks."""
    for r in sns.requests:
        texts = [r["form"].get("Subject", ""), r["form"].get("Message", "")]
        captured.extend(texts)
        sns.seen.extend(texts)
    return [(x["subject"], json.loads(x["message"])) for x in sns.messages]


def notify_records(out):
    recs = []
    for line in out.splitlines():
        try:
            rec = json.loads(line)
        except ValueError:
            continue
        if rec.get("phase") == "notify":
            recs.append(rec)
    return recs


def test_sns(env, pg, m):
    """Each deploy's summary on SNS, through a double that checks SigV4."""
    sns = Sns()
    sns.topics.update([TOPIC, FIFO_TOPIC])
    sns.seen = []
    try:
        sns_summaries(env, pg, m, sns)
        sns_failures(env, pg, m, sns)
        sns_modes(env, pg, m, sns)
    finally:
        sns.stop()
    check("sns: no password, AWS key or session token in any of the %d texts sent to SNS" % len(sns.seen),
          len(sns.seen) > 20 and not any(x in t for t in sns.seen
                                         for x in (PASSWORD, SecretsManager.access_key,
                                                   SecretsManager.secret_key, SecretsManager.token)),
          "secret found" if sns.seen else "nothing sent")


def sns_summaries(env, pg, m, sns):
    pg.database("n_ok", m["ok"])
    rc, out, err, ids = run(sns_env(env, sns, FLYWAY_URL=env.url("n_ok"),
                                    AWS_LAMBDA_FUNCTION_NAME="pgm-fn", PG_MIGRATE_MIGRATIONS_HASH="h42"),
                            ["{}", "{}"])
    msgs = published(sns)
    check("sns: one summary per deploy, signed with SigV4 for the topic's region (botocore)",
          len(msgs) == 2 and len(sns.requests) == 2 and not sns.sig_failures
          and all(r["form"]["TopicArn"] == TOPIC for r in sns.requests), (sns.requests, out[-2000:]))
    subject, msg = msgs[0] if msgs else ("", {})
    migs = msg.get("migrations", [])
    check("sns: success summary: database, engine, versions, migrations with their times",
          subject == "pg_migrate: n_ok at version 2, 2 migrations applied"
          and msg.get("status") == "SUCCESS" and msg.get("database") == "n_ok"
          and msg.get("host") == "127.0.0.1" and msg.get("port") == str(pg.port)
          and msg.get("engine") == "extension" and msg.get("schemaVersionBefore") is None
          and msg.get("schemaVersionAfter") == "2" and msg.get("applied") == 2
          and [x.get("version") for x in migs] == ["1", "2"]
          and [x.get("script") for x in migs] == ["V1__create_kv.sql", "V2__seed_kv.sql"]
          and all(isinstance(x.get("executionTimeMs"), (int, float)) for x in migs)
          and msg.get("migrationsOmitted") == 0 and msg.get("requestId") == ids[0]
          and msg.get("functionName") == "pgm-fn" and msg.get("migrationsHash") == "h42"
          and "failure" not in msg, (subject, msg))
    subject, msg = msgs[1] if len(msgs) > 1 else ("", {})
    check("sns: a no-op deploy says so, version before = after",
          subject == "pg_migrate: n_ok at version 2, nothing to apply"
          and msg.get("schemaVersionBefore") == "2" and msg.get("schemaVersionAfter") == "2"
          and msg.get("applied") == 0 and msg.get("migrations") == [], (subject, msg))
    check("sns: the deploy's response is what it is without SNS",
          [result(i)[0] for i in ids] == ["response", "response"]
          and result(ids[0])[1].get("applied") == 2, [result(i) for i in ids])
    check("sns: each publication logged with its MessageId",
          [r.get("level") for r in notify_records(out)] == ["INFO", "INFO"]
          and "(MessageId msg-0001)" in out, notify_records(out))

    pg.database("n_fail", m["fail"])
    sns.clear_log()
    rc, out, err, ids = run(sns_env(env, sns, FLYWAY_URL=env.url("n_fail")), ["{}"])
    msgs = published(sns)
    subject, msg = msgs[0] if msgs else ("", {})
    f = msg.get("failure", {})
    # fail fast: nothing ran before V2's syntax error, so no version after either
    check("sns: failed deploy: script, line, error, versions before and after",
          subject == "pg_migrate FAILED: n_fail V2__broken.sql line 3"
          and msg.get("status") == "FAILED" and msg.get("engine") == "extension"
          and f.get("errorType") == "Function.MigrationFailed"
          and f.get("script") == "V2__broken.sql" and f.get("line") == 3
          and f.get("error") == 'syntax error at or near "SELEC"' and f.get("sqlstate") == "42601"
          and "V2__broken.sql" in f.get("message", "")
          and msg.get("schemaVersionBefore") is None and msg.get("schemaVersionAfter") is None
          and "migrations" not in msg, (subject, msg))
    check("sns: a failed deploy still fails the same way",
          err_type(ids[0]) == "Function.MigrationFailed", result(ids[0]))

    # the database's error quotes the password: masked in the summary too
    pg.database("n_leak", m["leak"])
    sns.clear_log()
    rc, out, err, ids = run(sns_env(env, sns, FLYWAY_URL=env.url("n_leak")), ["{}"])
    msgs = published(sns)
    text = msgs[0][1].get("failure", {}).get("error", "") if msgs else ""
    check("sns: a secret in the database's error is masked in the summary",
          "leaked ********" in text and PASSWORD not in json.dumps(msgs), (msgs, out[-1500:]))

    sns.clear_log()
    rc, out, err, ids = run(sns_env(env, sns, FLYWAY_URL=env.url("n_ok"), MASTER_SECRET_ARN="missing"),
                            ["{}"])
    msgs = published(sns)
    subject, msg = msgs[0] if msgs else ("", {})
    check("sns: failure before the database: no engine ran, the database FLYWAY_URL names",
          subject == "pg_migrate FAILED: n_ok (Function.SecretNotFound)"
          and msg.get("engine") is None and msg.get("database") == "n_ok"
          and msg.get("failure", {}).get("errorType") == "Function.SecretNotFound"
          and msg.get("failure", {}).get("script") is None
          and err_type(ids[0]) == "Function.SecretNotFound", (subject, msg, result(ids[0])))


def sns_failures(env, pg, m, sns):
    pg.database("n_500", m["ok"])
    sns.clear_log()
    sns.statuses = [500]
    rc, out, err, ids = run(sns_env(env, sns, FLYWAY_URL=env.url("n_500")), ["{}"])
    sns.statuses = []
    published(sns)
    recs = notify_records(out)
    check("sns: SNS answers 500 -> retried, logged as not published, deploy succeeds unchanged",
          result(ids[0])[0] == "response" and result(ids[0])[1].get("applied") == 2
          and len(sns.requests) == 3 and not sns.messages
          and recs and recs[-1]["level"] == "ERROR" and "HTTP 500" in recs[-1]["message"]
          and "the deploy's result stands" in recs[-1]["message"], (result(ids[0]), recs))

    pg.database("n_down", m["fail"])
    t0 = time.time()
    rc, out, err, ids = run(sns_env(env, sns, FLYWAY_URL=env.url("n_down"),
                                    AWS_ENDPOINT_URL_SNS="http://127.0.0.1:%d/" % free_port()), ["{}"])
    recs = notify_records(out)
    check("sns: SNS down -> logged, the failed deploy still reports its own failure",
          err_type(ids[0]) == "Function.MigrationFailed" and "V2__broken" in result(ids[0])[1]["errorMessage"]
          and recs and recs[-1]["level"] == "ERROR" and "cannot reach SNS" in recs[-1]["message"]
          and time.time() - t0 < 15, (result(ids[0]), recs))

    sns.clear_log()
    rc, out, err, ids = run(sns_env(env, sns, FLYWAY_URL=env.url("n_ok"),
                                    AWS_SECRET_ACCESS_KEY="not-the-right-key"), ["{}"])
    published(sns)
    recs = notify_records(out)
    check("sns: the double rejects a wrong signing key (verifier is live), logged",
          len(sns.sig_failures) == 1 and "signature mismatch" in sns.sig_failures[0]
          and recs and "SignatureDoesNotMatch" in recs[-1]["message"]
          and "sns:Publish" in recs[-1]["message"]
          and err_type(ids[0]) == "Function.SecretAccessDenied", (sns.sig_failures, recs))

    rc, out, err, ids = run(sns_env(env, sns, PG_MIGRATE_SNS_TOPIC_ARN="arn:aws:sqs:eu-west-1:123456789012:q"),
                            ["{}"])
    check("sns: a PG_MIGRATE_SNS_TOPIC_ARN that is no SNS topic ARN fails init",
          rc != 0 and env.rt.init_errors
          and "PG_MIGRATE_SNS_TOPIC_ARN must be an SNS topic ARN" in env.rt.init_errors[0]["body"],
          (rc, env.rt.init_errors))


def sns_modes(env, pg, m, sns):
    rcv = env_ctx.rcv
    pg.database("n_cfn", m["ok"])
    sns.clear_log()
    rcv.reset()
    rc, out, err, ids = run(sns_env(env, sns, PG_MIGRATE_INVOKE_MODE="cloudformation",
                                    FLYWAY_URL=env.url("n_cfn")),
                            [cfn_event(env, "Create", "n1"),
                             cfn_event(env, "Delete", "n2", PhysicalResourceId="pg-migrate-Migrations")])
    msgs = published(sns)
    check("sns: cloudformation Create publishes its summary, Delete (no deploy) nothing",
          len(msgs) == 1 and msgs[0][1].get("applied") == 2 and len(rcv.puts) == 2
          and json.loads(rcv.puts[0]["body"]).get("Status") == "SUCCESS", (msgs, rcv.puts))

    sns.clear_log()
    rc, out, err, ids = run(sns_env(env, sns, FLYWAY_URL=env.url("n_cfn"), AWS_ENDPOINT_URL_SNS=None,
                                    AWS_ENDPOINT_URL="http://127.0.0.1:%d/" % sns.port), ["{}"])
    check("sns: AWS_ENDPOINT_URL serves SNS when AWS_ENDPOINT_URL_SNS is unset",
          len(published(sns)) == 1, (sns.requests, notify_records(out)))

    sns.clear_log()
    rc, out, err, ids = run(sns_env(env, sns, FLYWAY_URL=env.url("n_cfn"),
                                    PG_MIGRATE_SNS_TOPIC_ARN=FIFO_TOPIC), ["{}"])
    form = sns.messages[0]["form"] if sns.messages else {}
    published(sns)
    check("sns: a FIFO topic gets a message group and the request id as deduplication id",
          form.get("MessageGroupId") == "pg_migrate" and form.get("MessageDeduplicationId") == ids[0],
          (sns.requests, notify_records(out)))


    vg = ["valgrind", "--leak-check=full", "--show-leak-kinds=definite,indirect",
          "--errors-for-leak-kinds=definite,indirect", "--error-exitcode=99", "--num-callers=30"]
    for db, folder in (("n_vg_ok", m["ok"]), ("n_vg_fail", m["fail"])):
        pg.database(db, folder)
        sns.clear_log()
        sns.statuses = [200, 500]
        rc, out, err, ids = run(sns_env(env, sns, FLYWAY_URL=env.url(db)), ["{}", "{}"], timeout=240,
                                wrapper=vg)
        sns.statuses = []
        published(sns)
        check("sns: valgrind %s: published, then refused 3 times; no leaks, no invalid accesses" % db,
              rc == 0 and not valgrind_ok(err) and len(sns.requests) == 4 and len(sns.messages) == 1,
              (rc, valgrind_ok(err), len(sns.requests), err[-3000:]))


def sns_over_https(env, pg, m, tls, ca, other):
    sns = Sns(tls=tls)
    sns.topics.add(TOPIC)
    sns.seen = []
    try:
        pg.database("t_sns", m["ok"])
        https = dict(FLYWAY_URL=env.url("t_sns"), AWS_ENDPOINT_URL_SNS="https://127.0.0.1:%d/" % sns.port)
        rc, out, err, ids = run(sns_env(env, sns, PG_MIGRATE_CA_BUNDLE=ca, **https), ["{}"])
        check("HTTPS: the SNS summary over TLS, verified with PG_MIGRATE_CA_BUNDLE",
              len(published(sns)) == 1 and not sns.sig_failures, (sns.requests, notify_records(out)))

        sns.clear_log()
        rc, out, err, ids = run(sns_env(env, sns, PG_MIGRATE_CA_BUNDLE=other, **https), ["{}"])
        recs = notify_records(out)
        check("HTTPS: an SNS certificate the bundle does not vouch for -> logged at once, not retried, "
              "deploy unchanged",
              result(ids[0])[0] == "response" and not sns.requests and len(recs) == 1
              and "cannot verify SNS" in recs[0]["message"] and "PG_MIGRATE_CA_BUNDLE" in recs[0]["message"],
              (result(ids[0]), recs))
    finally:
        sns.stop()


def test_unit():
    p = subprocess.run([os.path.join(HERE, "test_unit")], capture_output=True, text=True, timeout=60)
    for line in p.stdout.splitlines():
        if line.startswith("ok - ") or line.startswith("not ok - "):
            check("unit: " + line.split(" - ", 1)[1], line.startswith("ok - "))
    if p.returncode != 0 and "not ok" not in p.stdout:
        check("unit: test_unit ran", False, p.stderr)


def test_cdk():
    cdk = os.path.join(LAMBDA, "cdk")
    if not os.path.isdir(os.path.join(cdk, "node_modules")):
        p = subprocess.run(["npm", "ci", "--no-audit", "--no-fund"], cwd=cdk, capture_output=True,
                           text=True, timeout=300)
        if p.returncode != 0:
            check("cdk: npm ci", False, p.stderr[-2000:])
            return
    t0 = time.time()
    p = subprocess.run(["npm", "run", "--silent", "synth"], cwd=cdk, capture_output=True, text=True,
                       timeout=180, env=dict(os.environ, CDK_DISABLE_VERSION_CHECK="1",
                                             CDK_DISABLE_CLI_TELEMETRY="true"))
    tpl = os.path.join(cdk, "cdk.out", "PgMigrateStack.template.json")
    ok = p.returncode == 0 and os.path.exists(tpl)
    detail = p.stderr[-3000:] + p.stdout[-1000:]
    if ok:
        t = json.load(open(tpl))
        types = {r["Type"] for r in t["Resources"].values()}
        ok = {"AWS::Lambda::Function", "Custom::Trigger"} <= types
        fn = [r for r in t["Resources"].values() if r["Type"] == "AWS::Lambda::Function"
              and r["Properties"].get("Runtime") == "provided.al2023"]
        ok = ok and fn and "VpcConfig" in fn[0]["Properties"] \
            and fn[0]["Properties"]["Environment"]["Variables"].get("PG_MIGRATE_INVOKE_MODE") == "direct"
        pol = json.dumps([r for r in t["Resources"].values() if r["Type"] == "AWS::IAM::Policy"])
        ok = ok and "secretsmanager:GetSecretValue" in pol
        detail = sorted(types)
    check("cdk: synth offline in %.0fs (function in VPC, secret read, Trigger)" % (time.time() - t0),
          ok, detail)
    if ok:
        fn = function_of(t)
        isolated = [k for k, r in t["Resources"].items() if r["Type"] == "AWS::EC2::Subnet"
                    and "isolated" in k.lower()]
        check("cdk: neither vpcId nor privateSubnetIds -> a VPC of its own, the function in its "
              "isolated subnets, no topic",
              "AWS::EC2::VPC" in types and len(isolated) == 2
              and fn["VpcConfig"]["SubnetIds"] == [{"Ref": k} for k in isolated]
              and "PG_MIGRATE_SNS_TOPIC_ARN" not in fn["Environment"]["Variables"]
              and "sns:Publish" not in pol, (isolated, fn.get("VpcConfig")))
    test_cdk_vpc()
    test_cdk_sns()
    test_cdk_scripts()


# What `cdk synth` caches in cdk.context.json after looking up CDK_VPC:
# three private subnets, one per zone, and two public ones.
CDK_ACCOUNT, CDK_REGION, CDK_VPC = "123456789012", "eu-west-1", "vpc-0a1b2c3d"


def cached_vpc_lookup():
    key = ("vpc-provider:account=%s:filter.vpc-id=%s:region=%s:returnAsymmetricSubnets=true"
           % (CDK_ACCOUNT, CDK_VPC, CDK_REGION))

    def subnet(sid, zone, n):
        return {"subnetId": sid, "cidr": "10.0.%d.0/24" % n, "availabilityZone": CDK_REGION + zone,
                "routeTableId": "rtb-0%d" % n}
    return {key: {
        "vpcId": CDK_VPC, "vpcCidrBlock": "10.0.0.0/16", "ownerAccountId": CDK_ACCOUNT,
        "availabilityZones": [],
        "subnetGroups": [
            {"name": "Private", "type": "Private",
             "subnets": [subnet("subnet-0a1", "a", 1), subnet("subnet-0b2", "b", 2),
                         subnet("subnet-0c3", "c", 3)]},
            {"name": "Public", "type": "Public",
             "subnets": [subnet("subnet-0f1", "a", 4), subnet("subnet-0f2", "b", 5)]},
        ]}}


def cached_zones_lookup():
    """The zones of CDK_REGION, which a VPC of the stack's own looks up."""
    return {"availability-zones:account=%s:region=%s" % (CDK_ACCOUNT, CDK_REGION):
            [CDK_REGION + z for z in "abc"]}


def cdk_synth(args, cached=None, in_cdk_json=None, account=CDK_ACCOUNT, inspect=None):
    """`cdk synth -c key=value ...` of lambda/cdk as a platform engineer runs
    it, but offline, from a scratch project directory: lambda/cdk's cdk.json
    (the app by absolute path; in_cdk_json added to its context) and, when
    given, a cdk.context.json of cached lookups.  No AWS credentials; the
    account and region as cdk would find them.  Returns (returncode,
    template or None, output)."""
    cdk = os.path.join(LAMBDA, "cdk")
    d = tempfile.mkdtemp(prefix="pgm-cdk-")
    try:
        with open(os.path.join(cdk, "cdk.json")) as f:
            conf = json.load(f)
        conf["app"] = "node " + os.path.join(cdk, "bin", "app.js")
        conf["context"].update(in_cdk_json or {})
        with open(os.path.join(d, "cdk.json"), "w") as f:
            json.dump(conf, f)
        if cached:
            with open(os.path.join(d, "cdk.context.json"), "w") as f:
                json.dump(cached, f)
        argv = [os.path.join(cdk, "node_modules", ".bin", "cdk"), "synth", "--quiet", "--no-notices",
                "--output", os.path.join(d, "cdk.out")]
        for k, v in args.items():
            argv += ["-c", "%s=%s" % (k, v)]
        env = {k: v for k, v in os.environ.items() if not k.startswith("AWS_")}
        env.update(CDK_DISABLE_VERSION_CHECK="1", CDK_DISABLE_CLI_TELEMETRY="true",
                   AWS_EC2_METADATA_DISABLED="true", AWS_REGION=CDK_REGION)
        if account:
            env["CDK_DEFAULT_ACCOUNT"] = account
        p = subprocess.run(argv, cwd=d, env=env, capture_output=True, text=True, timeout=180)
        tpl = os.path.join(d, "cdk.out", "PgMigrateStack.template.json")
        t = None
        if p.returncode == 0 and os.path.exists(tpl):
            with open(tpl) as f:
                t = json.load(f)
            if inspect:
                inspect(os.path.join(d, "cdk.out"), t)
        return p.returncode, t, p.stderr + p.stdout
    finally:
        shutil.rmtree(d, ignore_errors=True)


def function_of(t):
    for r in (t or {}).get("Resources", {}).values():
        if r["Type"] == "AWS::Lambda::Function" and r["Properties"].get("Runtime") == "provided.al2023":
            return r["Properties"]
    return {}


def fn_subnets(t):
    return function_of(t).get("VpcConfig", {}).get("SubnetIds")


def fn_sg_vpc(t):
    """The VPC of the function's own security group."""
    groups = function_of(t).get("VpcConfig", {}).get("SecurityGroupIds", [])
    refs = [g["Fn::GetAtt"][0] for g in groups if isinstance(g, dict) and "Fn::GetAtt" in g]
    return [t["Resources"][r]["Properties"].get("VpcId") for r in refs]


def context_error(rc, out, text):
    """Failed with the app's one-line message, not a stack trace."""
    return rc != 0 and ("pg_migrate CDK app: " + text) in out and "\n    at " not in out


def test_cdk_vpc():
    cache = cached_vpc_lookup()
    rc, t, out = cdk_synth({"vpcId": CDK_VPC, "privateSubnetIds": '["subnet-0a1","subnet-0c3"]'}, cache)
    check("cdk: privateSubnetIds as a JSON array string -> the function in those subnets of the VPC",
          fn_subnets(t) == ["subnet-0a1", "subnet-0c3"] and fn_sg_vpc(t) == [CDK_VPC], out[-3000:])

    rc, t, out = cdk_synth({"vpcId": CDK_VPC, "privateSubnetIds": "subnet-0c3, subnet-0a1,subnet-0b2"}, cache)
    check("cdk: privateSubnetIds as a comma-separated list, three subnets in three zones",
          fn_subnets(t) == ["subnet-0c3", "subnet-0a1", "subnet-0b2"], out[-3000:])

    rc, t, out = cdk_synth({}, cache, in_cdk_json={"vpcId": CDK_VPC, "privateSubnetIds": ["subnet-0b2"]})
    check("cdk: privateSubnetIds as an array in cdk.json, one subnet",
          fn_subnets(t) == ["subnet-0b2"], out[-3000:])

    rc, t, out = cdk_synth({"vpcId": CDK_VPC}, cache)
    check("cdk: vpcId alone (cached lookup) -> the VPC's private subnets with their zones, not its public ones",
          fn_subnets(t) == ["subnet-0a1", "subnet-0b2", "subnet-0c3"] and fn_sg_vpc(t) == [CDK_VPC],
          out[-3000:])

    for args, text, what in (
            ({"vpcId": CDK_VPC, "privateSubnetIds": '["subnet-0a1",'},
             "privateSubnetIds is not valid JSON", "malformed JSON"),
            ({"vpcId": CDK_VPC, "privateSubnetIds": "subnet-0a1;subnet-0b2"},
             'privateSubnetIds: "subnet-0a1;subnet-0b2" is not a subnet id', "not a subnet id"),
            ({"vpcId": CDK_VPC, "privateSubnetIds": "subnet-0dead"},
             "privateSubnetIds: subnet-0dead is not a private subnet of vpc-0a1b2c3d (its private "
             "subnets: subnet-0a1 in eu-west-1a, subnet-0b2 in eu-west-1b, subnet-0c3 in eu-west-1c)",
             "a subnet of another VPC"),
            ({"vpcId": CDK_VPC, "privateSubnetIds": "subnet-0f1"},
             "privateSubnetIds: subnet-0f1 is a public subnet of vpc-0a1b2c3d", "a public subnet"),
            ({"privateSubnetIds": "subnet-0a1"}, "privateSubnetIds needs vpcId", "subnets without vpcId"),
            ({"vpcId": "vpc-x"}, 'vpcId: "vpc-x" is not a vpc id', "a bad vpcId"),
            ({"secretArn": ""}, "secretArn is required", "no secretArn")):
        rc, t, out = cdk_synth(args, cache)
        check("cdk: %s fails with a clear message" % what, context_error(rc, out, text), out[-3000:])
    rc, t, out = cdk_synth({"vpcId": CDK_VPC}, cache, account=None)
    check("cdk: vpcId with no account to look it up in fails with a clear message",
          context_error(rc, out, "vpcId: looking up vpc-0a1b2c3d needs the account and the region"),
          out[-3000:])


def test_cdk_sns():
    arn = "arn:aws:sns:eu-west-1:123456789012:deploys"
    rc, t, out = cdk_synth({"snsTopicArn": arn}, cached_zones_lookup())
    fn = function_of(t)
    pol = [s for r in (t or {}).get("Resources", {}).values() if r["Type"] == "AWS::IAM::Policy"
           for s in r["Properties"]["PolicyDocument"]["Statement"]]
    endpoints = [r["Properties"]["ServiceName"] for r in (t or {}).get("Resources", {}).values()
                 if r["Type"] == "AWS::EC2::VPCEndpoint"]
    check("cdk: snsTopicArn -> sns:Publish on that topic, PG_MIGRATE_SNS_TOPIC_ARN, an SNS endpoint "
          "in the VPC of its own",
          {"Action": "sns:Publish", "Effect": "Allow", "Resource": arn} in pol
          and fn.get("Environment", {}).get("Variables", {}).get("PG_MIGRATE_SNS_TOPIC_ARN") == arn
          and any("sns" in json.dumps(e) for e in endpoints), (pol, endpoints, out[-2000:]))

    rc, t, out = cdk_synth({"createSnsTopic": "true"}, cached_zones_lookup())
    topics = [k for k, r in (t or {}).get("Resources", {}).items() if r["Type"] == "AWS::SNS::Topic"]
    fn = function_of(t)
    pol = [s for r in (t or {}).get("Resources", {}).values() if r["Type"] == "AWS::IAM::Policy"
           for s in r["Properties"]["PolicyDocument"]["Statement"]]
    check("cdk: createSnsTopic=true -> a topic, sns:Publish on it, PG_MIGRATE_SNS_TOPIC_ARN, its ARN as output",
          len(topics) == 1
          and {"Action": "sns:Publish", "Effect": "Allow", "Resource": {"Ref": topics[0]}} in pol
          and fn["Environment"]["Variables"].get("PG_MIGRATE_SNS_TOPIC_ARN") == {"Ref": topics[0]}
          and t["Outputs"].get("NotificationTopicArn", {}).get("Value") == {"Ref": topics[0]},
          (topics, pol, out[-2000:]))

    for args, text, what in (
            ({"snsTopicArn": "arn:aws:sqs:eu-west-1:123456789012:q"},
             'snsTopicArn: "arn:aws:sqs:eu-west-1:123456789012:q" is not an SNS ARN', "an SQS ARN as topic"),
            ({"snsTopicArn": arn, "createSnsTopic": "true"},
             "snsTopicArn and createSnsTopic=true exclude each other", "a topic both named and created"),
            ({"createSnsTopic": "yes"}, 'createSnsTopic must be true or false, not "yes"',
             "createSnsTopic=yes")):
        rc, t, out = cdk_synth(args)
        check("cdk: %s fails with a clear message" % what, context_error(rc, out, text), out[-3000:])


# ---------------------------------------------------------------------------
# Client mode: the scripts bundled with the function, applied by the engine
# over libpq, against a database without the extension, as a role that is
# not a superuser (as on RDS and Aurora).

DEPLOYER_PASSWORD = "D3ployer-pgm-S3cret!"
APP_PASSWORD = "app-Pl4ceholder-S3cret"     # a placeholder whose name says secret

# the old function's six placeholders
OLD_PLACEHOLDERS = {
    "FLYWAY_PLACEHOLDERS_ENVIRONMENT": "staging",
    "FLYWAY_PLACEHOLDERS_REGION": "eu-west-1",
    "FLYWAY_PLACEHOLDERS_APP_USER": "orders_app",
    "FLYWAY_PLACEHOLDERS_READONLY_USER": "orders_ro",
    "FLYWAY_PLACEHOLDERS_BUCKET_NAME": "orders-exports",
    "FLYWAY_PLACEHOLDERS_APP_PASSWORD": APP_PASSWORD,
}

BUNDLED = {
    "V1__create_settings.sql":
        "-- settings of ${environment}\r\n"
        "CREATE TABLE app_settings(name text PRIMARY KEY, value text);\r\n"
        "INSERT INTO app_settings VALUES ('environment', '${environment}'), ('region', '${region}');\r\n",
    "V1_1__seed_users.sql":
        "INSERT INTO app_settings VALUES ('app_user', '${app_user}'),\n"
        "  ('readonly_user', '${readonly_user}'), ('bucket', '${bucket_name}'),\n"
        "  ('app_password_md5', md5('${app_password}'));\n",
    "R__settings_view.sql":
        "CREATE OR REPLACE VIEW settings_view AS SELECT name, value FROM app_settings;\n",
}


def flyway_checksum(text):
    """Flyway's checksum: CRC-32 over the script's lines without their line
    endings, as a signed int (computed here independently of pg_migrate)."""
    import zlib
    crc = 0
    for line in text.encode("utf-8").splitlines():
        crc = zlib.crc32(line, crc)
    return crc - (1 << 32) if crc >= (1 << 31) else crc


def task_root(name, files, folder="sql/postgresql"):
    """A function's code folder (LAMBDA_TASK_ROOT) with files under folder."""
    root = os.path.join(tempfile.gettempdir(), "pgm-task-" + name)
    shutil.rmtree(root, ignore_errors=True)
    d = os.path.join(root, folder)
    os.makedirs(d)
    for fname, text in files.items():
        with open(os.path.join(d, fname), "w", newline="") as f:
            f.write(text)
    return root


def client_db(pg, name):
    """A database without the extension, owned by the deployer (not a superuser)."""
    pg.psql('CREATE DATABASE "%s" OWNER deployer' % name)
    return name


def old_env(env, db, root, **over):
    """The old Flyway function's environment block, unchanged."""
    e = dict(OLD_PLACEHOLDERS, MASTER_SECRET_ARN="db-deployer", FLYWAY_URL=env.url(db),
             FLYWAY_LOCATIONS="filesystem:./sql/postgresql", LAMBDA_TASK_ROOT=root)
    e.update(over)
    return env.base(**e)


def history(pg, db, table="flyway_schema_history", schema="public"):
    return pg.psql("SELECT string_agg(concat_ws('|', installed_rank, coalesce(version, ''), description, "
                   "type, script, coalesce(checksum::text, ''), success), E'\\n' ORDER BY installed_rank) "
                   "FROM \"%s\".\"%s\"" % (schema, table), db=db) or ""


def engine_lines(out):
    return [r["message"] for r in log_records(out) if r.get("phase") == "engine"]


def ensure_deployer(env, pg):
    """The role client mode deploys as, not a superuser, and its secret."""
    if pg.psql("SELECT 1 FROM pg_roles WHERE rolname = 'deployer'") != "1":
        pg.psql("CREATE ROLE deployer LOGIN PASSWORD '%s'" % DEPLOYER_PASSWORD)
    env.sm.secrets["db-deployer"] = {"engine": "postgres", "username": "deployer",
                                     "password": DEPLOYER_PASSWORD, "host": "127.0.0.1",
                                     "port": pg.port, "dbname": "postgres"}


def test_client(env, pg, m):
    ensure_deployer(env, pg)
    check("client: the deployer is not a superuser",
          pg.psql("SELECT rolsuper FROM pg_roles WHERE rolname = 'deployer'") == "f")
    root = task_root("ok", BUNDLED)
    client_applies(env, pg, root)
    client_modes(env, pg, root)
    client_failures(env, pg, root)
    client_after_connect(env, pg)
    client_settings(env, pg, root)
    client_same_history(env, pg, root)
    client_valgrind(env, pg, root)
    client_sns(env, pg, root)


def client_applies(env, pg, root):
    db = client_db(pg, "k_old")
    rc, out, err, ids = run(old_env(env, db, root), ["{}"])
    kind, body, _ = result(ids[0])
    check("client: the old function's environment applies the bundled scripts (auto -> client)",
          kind == "response" and body.get("status") == "SUCCESS" and body.get("engine") == "client"
          and [x["script"] for x in body.get("migrations", [])]
          == ["V1__create_settings.sql", "V1_1__seed_users.sql", "R__settings_view.sql"]
          and body.get("applied") == 3 and body.get("schemaVersion") == "1.1"
          and body.get("schemaVersionBefore") is None
          and all(isinstance(x.get("executionTime"), (int, float)) for x in body["migrations"]),
          (kind, body, out[-3000:]))
    check("client: the engine choice is logged in one line, with the reason",
          engine_lines(out) == ["engine client: PG_MIGRATE_ENGINE=auto and the database has no "
                                "pg_migrate extension"], engine_lines(out))
    check("client: FLYWAY_LOCATIONS's value is not logged",
          "./sql/postgresql" not in out and "%s/sql" % root not in out, out[-2000:])
    settings = pg.psql("SELECT string_agg(name || '=' || value, ',' ORDER BY name) FROM app_settings", db=db)
    check("client: the six FLYWAY_PLACEHOLDERS_* replaced",
          settings == "app_password_md5=%s,app_user=orders_app,bucket=orders-exports,environment=staging,"
                      "readonly_user=orders_ro,region=eu-west-1"
          % __import__("hashlib").md5(APP_PASSWORD.encode()).hexdigest(), settings)
    want = "\n".join("%d|%s|%s|SQL|%s|%d|t" % (i + 1, v, d, s, flyway_checksum(BUNDLED[s]))
                     for i, (v, d, s) in enumerate((("1", "create settings", "V1__create_settings.sql"),
                                                    ("1.1", "seed users", "V1_1__seed_users.sql"),
                                                    ("", "settings view", "R__settings_view.sql"))))
    got = history(pg, db)
    check("client: flyway_schema_history rows with Flyway's checksums (CRC-32 of the lines)", got == want,
          (got, want))
    owner = pg.psql("SELECT string_agg(DISTINCT installed_by, ',') FROM flyway_schema_history", db=db)
    check("client: installed_by is the deployer", owner == "deployer", owner)

    rc, out, err, ids = run(old_env(env, db, root), ["{}"])
    kind, body, _ = result(ids[0])
    check("client: a second deploy is a no-op",
          kind == "response" and body.get("applied") == 0 and body.get("migrations") == []
          and body.get("schemaVersion") == "1.1" and body.get("schemaVersionBefore") == "1.1"
          and history(pg, db) == want, (kind, body))
    check("client: no placeholder secret in the logs", not leaked(out + err, APP_PASSWORD))

    # throttled secret, then the deploy: one success
    env.sm.behaviour["db-deployer"] = [(400, "ThrottlingException"), "ok"]
    db2 = client_db(pg, "k_throttled")
    rc, out, err, ids = run(old_env(env, db2, root), ["{}"])
    env.sm.behaviour.pop("db-deployer")
    kind, body, _ = result(ids[0])
    check("client: a throttled secret is retried, then the scripts applied",
          kind == "response" and body.get("applied") == 3 and len(env.sm.requests) == 2, (kind, body))


def client_modes(env, pg, root):
    rcv = env_ctx.rcv
    db = client_db(pg, "k_cfn")
    rcv.reset()
    rc, out, err, ids = run(old_env(env, db, root, PG_MIGRATE_INVOKE_MODE="cloudformation"),
                            [cfn_event(env, "Create", "k-create"), cfn_event(env, "Update", "k-update",
                                                                           PhysicalResourceId="pg-migrate-Migrations")])
    puts = [json.loads(last_put(t)["body"]) if last_put(t) else {} for t in ("k-create", "k-update")]
    check("client: cloudformation Create then Update -> SUCCESS, Data with the engine",
          [p.get("Status") for p in puts] == ["SUCCESS", "SUCCESS"]
          and puts[0].get("Data") == {"Applied": "3", "SchemaVersion": "1.1", "Engine": "client"}
          and puts[1].get("Data") == {"Applied": "0", "SchemaVersion": "1.1", "Engine": "client"}, puts)

    db = client_db(pg, "k_provider")
    rc, out, err, ids = run(old_env(env, db, root, PG_MIGRATE_INVOKE_MODE="provider"),
                            [cfn_event(env, "Create", "k-prov")])
    kind, body, _ = result(ids[0])
    check("client: provider Create -> Data Applied 3",
          kind == "response" and body.get("Data", {}).get("Applied") == "3"
          and body.get("PhysicalResourceId") == "pg-migrate-Migrations", (kind, body))

    rc, out, err, ids = run(old_env(env, db, root), [("{}", {"timeout_s": 2.5})])
    check("client: deadline too short -> Function.DeadlineTooShort",
          err_type(ids[0]) == "Function.DeadlineTooShort", result(ids[0]))


def client_after_connect(env, pg):
    """afterConnect runs once per invocation: the handler opens one connection."""
    files = {"afterConnect.sql": "CREATE SCHEMA IF NOT EXISTS audit;\n"
                                 "CREATE TABLE IF NOT EXISTS audit.connects (at timestamptz);\n"
                                 "INSERT INTO audit.connects VALUES (now());\n",
             "V1__one.sql": "CREATE TABLE public.one (i int);\n"}
    root = task_root("after_connect", files)
    db = client_db(pg, "k_after_connect")
    rc, out, err, ids = run(old_env(env, db, root), ["{}"])
    kind, body, _ = result(ids[0])
    runs = pg.psql("SELECT count(*) FROM audit.connects", db=db, check=False)
    check("client: afterConnect runs once in a deploy that applies (info, migrate, info)",
          kind == "response" and body.get("applied") == 1 and runs == "1", (kind, body, runs))
    rc, out, err, ids = run(old_env(env, db, root), ["{}"])
    runs = pg.psql("SELECT count(*) FROM audit.connects", db=db, check=False)
    check("client: and once more in the next invocation", runs == "2", runs)


def client_failures(env, pg, root):
    rcv = env_ctx.rcv
    broken = task_root("broken", dict(BUNDLED, **{"V2__broken.sql": "SELECT 1;\nSELECT 2;\nSELEC broken;\n"}))
    db = client_db(pg, "k_broken")
    rcv.reset()
    rc, out, err, ids = run(old_env(env, db, broken, PG_MIGRATE_INVOKE_MODE="cloudformation"),
                            [cfn_event(env, "Create", "k-broken")])
    p = last_put("k-broken")
    body = json.loads(p["body"]) if p else {}
    reason = body.get("Reason", "")
    check("client: a failed script -> PUT FAILED with the script and line in the Reason",
          body.get("Status") == "FAILED" and "V2__broken.sql" in reason and "line 3" in reason
          and "SQLSTATE 42601" in reason, body)
    rows = pg.psql("SELECT string_agg(coalesce(version, 'R'), ',' ORDER BY installed_rank) "
                   "FROM flyway_schema_history WHERE success", db=db)
    check("client: fail fast: V2's syntax error stops the run before anything is applied",
          rows == "", rows)

    rc, out, err, ids = run(old_env(env, db, broken), ["{}"])
    kind, body, _ = result(ids[0])
    check("client: direct mode -> Function.MigrationFailed naming the script and line",
          err_type(ids[0]) == "Function.MigrationFailed" and "V2__broken.sql" in body.get("errorMessage", "")
          and "line 3" in body["errorMessage"], (kind, body))

    # a deadline reached while a script runs: cancelled, reported in time
    slow = task_root("slow", {"V1__slow.sql": "SELECT pg_sleep(30);\n"})
    db = client_db(pg, "k_slow")
    rcv.reset()
    t0 = time.time()
    rc, out, err, ids = run(old_env(env, db, slow, PG_MIGRATE_INVOKE_MODE="cloudformation"),
                            [(cfn_event(env, "Create", "k-slow"), {"timeout_s": 6.0})])
    p = last_put("k-slow")
    body = json.loads(p["body"]) if p else {}
    check("client: approaching deadline -> cancelled, PUT FAILED in time",
          body.get("Status") == "FAILED" and "deadline" in body.get("Reason", "")
          and p["at"] < t0 + 6.0, (body, p and p["at"] - t0))

    rc, out, err, ids = run(old_env(env, "k_old", root, PG_MIGRATE_ENGINE="extension"), ["{}"])
    kind, body, _ = result(ids[0])
    check("client: PG_MIGRATE_ENGINE=extension without the extension -> Function.ExtensionMissing, "
          "which names PG_MIGRATE_ENGINE=client",
          err_type(ids[0]) == "Function.ExtensionMissing"
          and "PG_MIGRATE_ENGINE=client" in body.get("errorMessage", ""), body)

    empty = task_root("empty", {}, folder="other")
    rc, out, err, ids = run(old_env(env, "k_old", empty), ["{}"])
    kind, body, _ = result(ids[0])
    check("client: auto without the extension nor the bundled folder -> Function.ConfigInvalid "
          "naming FLYWAY_LOCATIONS and the folder",
          err_type(ids[0]) == "Function.ConfigInvalid"
          and "FLYWAY_LOCATIONS" in body.get("errorMessage", "")
          and empty + "/sql/postgresql" in body["errorMessage"], body)
    rc, out, err, ids = run(old_env(env, "k_old", empty, PG_MIGRATE_ENGINE="client"), ["{}"])
    check("client: PG_MIGRATE_ENGINE=client without the bundled folder fails the init",
          init_error(rc) and "FLYWAY_LOCATIONS" in json.dumps(env_ctx.rt.init_errors), env_ctx.rt.init_errors)

    for var, val, text in (("PG_MIGRATE_ENGINE", "bogus", "PG_MIGRATE_ENGINE must be auto, extension or client"),
                           ("FLYWAY_TYPO_SETTING", "x", "FLYWAY_TYPO_SETTING"),
                           ("FLYWAY_TARGET", "not-a-version", "FLYWAY_TARGET is not a valid target"),
                           ("FLYWAY_IGNORE_MIGRATION_PATTERNS", "*:gone",
                            "FLYWAY_IGNORE_MIGRATION_PATTERNS is not a valid list of ignore patterns")):
        rc, out, err, ids = run(old_env(env, "k_old", root, **{var: val}), ["{}"])
        errs = json.dumps(env_ctx.rt.init_errors)
        check("client: %s=%s fails the init naming it, never quoting the value" % (var, val),
              init_error(rc) and text in errs and (val == "bogus" or val not in errs), errs)


def client_placeholder_syntax(env, pg):
    """FLYWAY_PLACEHOLDER_PREFIX/SUFFIX/SEPARATOR, and flyway:workingDirectory:
    FLYWAY_WORKING_DIRECTORY (relative locations read under it), else LAMBDA_TASK_ROOT."""
    script = ("CREATE TABLE %s AS SELECT '#[region]'::text AS region, "
              "'#[flyway_workingDirectory]'::text AS wd, '${region}'::text AS plain;\n")
    syntax = {"FLYWAY_PLACEHOLDER_PREFIX": "#[", "FLYWAY_PLACEHOLDER_SUFFIX": "]",
              "FLYWAY_PLACEHOLDER_SEPARATOR": "_"}
    root = task_root("syntax", {"V1__s.sql": script % "s"})
    elsewhere = task_root("syntax_wd", {"V1__s.sql": script % "s_wd"})
    db = client_db(pg, "k_syntax")
    rc, out, err, ids = run(old_env(env, db, root, **syntax), ["{}"])
    kind, body, _ = result(ids[0])
    got = pg.psql("SELECT region || '|' || wd || '|' || plain FROM s", db=db)
    check("client: FLYWAY_PLACEHOLDER_PREFIX/SUFFIX/SEPARATOR; flyway_workingDirectory is LAMBDA_TASK_ROOT",
          kind == "response" and got == "eu-west-1|%s|${region}" % root, (kind, body, got, out[-1500:]))
    db = client_db(pg, "k_syntax_wd")
    rc, out, err, ids = run(old_env(env, db, root, FLYWAY_WORKING_DIRECTORY=elsewhere, **syntax), ["{}"])
    kind, body, _ = result(ids[0])
    got = pg.psql("SELECT wd FROM s_wd", db=db)
    check("client: FLYWAY_WORKING_DIRECTORY: relative locations under it, and flyway_workingDirectory",
          kind == "response" and got == elsewhere, (kind, body, got, out[-1500:]))
    rc, out, err, ids = run(old_env(env, db, root, FLYWAY_PLACEHOLDER_SEPARATOR="]",
                                    FLYWAY_PLACEHOLDER_SUFFIX="]"), ["{}"])
    body = init_error(rc)
    check("client: a separator that holds the suffix fails the init, saying why",
          body is not None and "invalid placeholder syntax" in body and "flyway]" in body,
          (rc, env.rt.init_errors, out[-1500:]))


def client_settings(env, pg, root):
    """Every FLYWAY_* setting, read by the command's code, in client mode."""
    two = task_root("two", {"V1__t.sql": "CREATE TABLE t(id int);\n", "V2__u.sql": "CREATE TABLE u(id int);\n",
                            "V3__v.sql": "CREATE TABLE v(id int);\n"})
    db = client_db(pg, "k_schemas")
    pg.psql("CREATE SCHEMA app AUTHORIZATION deployer; CREATE SCHEMA other AUTHORIZATION deployer", db=db)
    rc, out, err, ids = run(old_env(env, db, two, FLYWAY_SCHEMAS="app,other", FLYWAY_TABLE="deploys",
                                    FLYWAY_TARGET="2", FLYWAY_INSTALLED_BY="pipeline"), ["{}"])
    kind, body, _ = result(ids[0])
    rows = pg.psql("SELECT string_agg(version || ':' || installed_by, ',' ORDER BY installed_rank) "
                   "FROM app.deploys WHERE version IS NOT NULL", db=db)
    where = pg.psql("SELECT string_agg(table_schema || '.' || table_name, ',' ORDER BY 1) "
                    "FROM information_schema.tables WHERE table_name IN ('t', 'u', 'v')", db=db)
    check("client: FLYWAY_SCHEMAS (two), FLYWAY_TABLE, FLYWAY_TARGET, FLYWAY_INSTALLED_BY (not a superuser)",
          kind == "response" and body.get("schemaVersion") == "2" and rows == "1:pipeline,2:pipeline"
          and where == "app.t,app.u", (body, rows, where))

    # FLYWAY_CONFIG_FILES: a flyway.conf bundled with the function, read under
    # LAMBDA_TASK_ROOT; a FLYWAY_* variable wins over the file, as in Flyway
    os.makedirs(os.path.join(two, "conf"), exist_ok=True)
    with open(os.path.join(two, "conf", "flyway.conf"), "w") as f:
        f.write("flyway.table=from_conf\nflyway.target=1\n")
    db_conf = client_db(pg, "k_conf_files")
    rc, out, err, ids = run(old_env(env, db_conf, two, FLYWAY_CONFIG_FILES="conf/flyway.conf",
                                    FLYWAY_TARGET="2"), ["{}"])
    kind, body, _ = result(ids[0])
    rows = pg.psql("SELECT string_agg(version, ',' ORDER BY installed_rank) FROM public.from_conf", db=db_conf)
    check("client: FLYWAY_CONFIG_FILES read under LAMBDA_TASK_ROOT (table from the file, target from the variable)",
          kind == "response" and rows == "1,2", (kind, body, rows))
    rc, out, err, ids = run(old_env(env, db_conf, two, FLYWAY_CONFIG_FILES="conf/missing.conf"), ["{}"])
    body = init_error(rc)
    check("client: a FLYWAY_CONFIG_FILES file that is missing fails the init, naming it",
          body is not None and "missing.conf" in body, (rc, env.rt.init_errors, out[-1500:]))
    # a flyway.toml: refused by name (the bootstrap has no C++ runtime for toml++)
    with open(os.path.join(two, "conf", "flyway.toml"), "w") as f:
        f.write("[flyway]\ntable = \"from_toml\"\n")
    rc, out, err, ids = run(old_env(env, db_conf, two, FLYWAY_CONFIG_FILES="conf/flyway.toml"), ["{}"])
    body = init_error(rc)
    check("client: a flyway.toml in FLYWAY_CONFIG_FILES fails the init, saying the Lambda reads flyway.conf",
          body is not None and "conf/flyway.toml: this build of pg_migrate does not read flyway.toml" in body
          and "use a flyway.conf file" in body, (rc, env.rt.init_errors, out[-1500:]))
    # Flyway 10's environments in a flyway.conf, chosen by FLYWAY_ENVIRONMENT
    with open(os.path.join(two, "conf", "envs.conf"), "w") as f:
        f.write("flyway.table=from_conf\nflyway.environments.k.flyway.table=from_env\n")
    db_env = client_db(pg, "k_environment")
    rc, out, err, ids = run(old_env(env, db_env, two, FLYWAY_CONFIG_FILES="conf/envs.conf",
                                    FLYWAY_ENVIRONMENT="k", FLYWAY_TARGET="2"), ["{}"])
    kind, body, _ = result(ids[0])
    tables = pg.psql("SELECT concat_ws(',', to_regclass('public.from_env'), to_regclass('public.from_conf'))",
                     db=db_env)
    check("client: FLYWAY_ENVIRONMENT chooses an environment of a FLYWAY_CONFIG_FILES file",
          kind == "response" and tables == "from_env", (kind, body, tables))
    rc, out, err, ids = run(old_env(env, db_conf, two, FLYWAY_ENVIRONMENT="nosuch"), ["{}"])
    body = init_error(rc)
    check("client: a FLYWAY_ENVIRONMENT defined nowhere fails the init, naming it",
          body is not None and "environment nosuch (FLYWAY_ENVIRONMENT) is not defined" in body,
          (rc, env.rt.init_errors, out[-1500:]))

    client_placeholder_syntax(env, pg)

    rc, out, err, ids = run(old_env(env, db, two, FLYWAY_SCHEMAS="app,other", FLYWAY_TABLE="deploys",
                                    FLYWAY_GROUP="true"), ["{}"])
    kind, body, _ = result(ids[0])
    check("client: FLYWAY_GROUP=true applies the rest in one transaction",
          kind == "response" and body.get("applied") == 1 and body.get("schemaVersion") == "3", body)

    db = client_db(pg, "k_baseline")
    pg.psql("CREATE TABLE legacy(id int)", db=db)
    pg.psql("ALTER TABLE legacy OWNER TO deployer", db=db)
    rc, out, err, ids = run(old_env(env, db, two), ["{}"])
    kind, body, _ = result(ids[0])
    check("client: a non-empty schema without history fails, naming FLYWAY_BASELINE_ON_MIGRATE",
          err_type(ids[0]) == "Function.MigrationFailed"
          and "FLYWAY_BASELINE_ON_MIGRATE=true" in body.get("errorMessage", ""), body)
    rc, out, err, ids = run(old_env(env, db, two, FLYWAY_BASELINE_ON_MIGRATE="true",
                                    FLYWAY_BASELINE_VERSION="1"), ["{}"])
    kind, body, _ = result(ids[0])
    rows = pg.psql("SELECT string_agg(version || ':' || type, ',' ORDER BY installed_rank) "
                   "FROM flyway_schema_history", db=db)
    check("client: FLYWAY_BASELINE_ON_MIGRATE + FLYWAY_BASELINE_VERSION baseline, then apply the rest",
          kind == "response" and rows == "1:BASELINE,2:SQL,3:SQL", (body, rows))

    late = task_root("late", {"V1__t.sql": "CREATE TABLE t(id int);\n", "V3__v.sql": "CREATE TABLE v(id int);\n"})
    db = client_db(pg, "k_order")
    run(old_env(env, db, late), ["{}"])
    rc, out, err, ids = run(old_env(env, db, two), ["{}"])
    check("client: a script older than the applied ones is refused without FLYWAY_OUT_OF_ORDER",
          err_type(ids[0]) == "Function.MigrationFailed", result(ids[0]))
    rc, out, err, ids = run(old_env(env, db, two, FLYWAY_OUT_OF_ORDER="true"), ["{}"])
    kind, body, _ = result(ids[0])
    check("client: FLYWAY_OUT_OF_ORDER=true applies it",
          kind == "response" and [x["state"] for x in body.get("migrations", [])] == ["Out of Order"], body)

    mixed = task_root("mixed", {"V1__index.sql": "CREATE TABLE i(id int);\nCREATE INDEX CONCURRENTLY i_id ON i(id);\n"})
    db = client_db(pg, "k_mixed")
    rc, out, err, ids = run(old_env(env, db, mixed), ["{}"])
    kind, body, _ = result(ids[0])
    check("client: a script mixing transactional and non-transactional statements fails, naming FLYWAY_MIXED",
          err_type(ids[0]) == "Function.MigrationFailed" and "FLYWAY_MIXED=true" in body.get("errorMessage", ""),
          body)
    rc, out, err, ids = run(old_env(env, db, mixed, FLYWAY_MIXED="true"), ["{}"])
    check("client: FLYWAY_MIXED=true applies it", result(ids[0])[0] == "response", result(ids[0]))

    named = task_root("named", {"V1__t.sql": "CREATE TABLE t(id int);\n", "v2-bad-name.sql": "SELECT 1;\n"})
    db = client_db(pg, "k_naming")
    rc, out, err, ids = run(old_env(env, db, named, FLYWAY_VALIDATE_MIGRATION_NAMING="true"), ["{}"])
    kind, body, _ = result(ids[0])
    check("client: FLYWAY_VALIDATE_MIGRATION_NAMING=true refuses a badly named file",
          err_type(ids[0]) == "Function.MigrationFailed" and "v2-bad-name.sql" in body.get("errorMessage", ""),
          body)

    # Flyway's file-name conventions as FLYWAY_* variables (item 8 of issue 11)
    custom = task_root("custom_names", {"Mig1-t.sql": "CREATE TABLE t(id int);\n",
                                        "Mig2-u.pgsql": "CREATE TABLE u(id int);\n",
                                        "Rep-view.PGSQL": "CREATE OR REPLACE VIEW w AS SELECT 1 AS one;\n",
                                        "V3__default.sql": "CREATE TABLE d(id int);\n"})
    naming = dict(FLYWAY_SQL_MIGRATION_PREFIX="Mig", FLYWAY_SQL_MIGRATION_SEPARATOR="-",
                  FLYWAY_SQL_MIGRATION_SUFFIXES=".sql,.pgsql", FLYWAY_REPEATABLE_SQL_MIGRATION_PREFIX="Rep",
                  FLYWAY_UNDO_SQL_MIGRATION_PREFIX="Back", FLYWAY_BASELINE_MIGRATION_PREFIX="Base")
    db = client_db(pg, "k_custom_names")
    rc, out, err, ids = run(old_env(env, db, custom, **naming), ["{}"])
    kind, body, _ = result(ids[0])
    rows = pg.psql("SELECT string_agg(coalesce(version, '-') || ':' || script, ',' ORDER BY installed_rank) "
                   "FROM flyway_schema_history", db=db, check=False)
    check("client: FLYWAY_SQL_MIGRATION_PREFIX, _SEPARATOR, _SUFFIXES and the other prefixes name the scripts",
          kind == "response" and rows == "1:Mig1-t.sql,2:Mig2-u.pgsql,-:Rep-view.PGSQL"
          and pg.psql("SELECT to_regclass('d') IS NULL", db=db) == "t", (body, rows))
    rc, out, err, ids = run(old_env(env, db, custom, FLYWAY_SQL_MIGRATION_SUFFIXES=".sql,,.pgsql",
                                    **{k: v for k, v in naming.items() if k != "FLYWAY_SQL_MIGRATION_SUFFIXES"}),
                            ["{}"])
    body = init_error(rc)
    check("client: an empty item in FLYWAY_SQL_MIGRATION_SUFFIXES fails the init, naming it",
          body is not None and "FLYWAY_SQL_MIGRATION_SUFFIXES cannot name the scripts" in body
          and "Suffix 2 of the list is empty" in body, (rc, env.rt.init_errors, out[-1500:]))
    rc, out, err, ids = run(old_env(env, db, custom, FLYWAY_UNDO_SQL_MIGRATION_PREFIX="V"), ["{}"])
    body = init_error(rc)
    check("client: FLYWAY_UNDO_SQL_MIGRATION_PREFIX=V (the versioned prefix) fails the init, naming both",
          body is not None and "FLYWAY_SQL_MIGRATION_PREFIX and FLYWAY_UNDO_SQL_MIGRATION_PREFIX are both" in body,
          (rc, env.rt.init_errors, out[-1500:]))

    raw = task_root("raw", {"V1__raw.sql": "CREATE TABLE raw(v text);\nINSERT INTO raw VALUES ('${environment}');\n"})
    db = client_db(pg, "k_raw")
    rc, out, err, ids = run(old_env(env, db, raw, FLYWAY_PLACEHOLDER_REPLACEMENT="false"), ["{}"])
    check("client: FLYWAY_PLACEHOLDER_REPLACEMENT=false keeps ${...} as written",
          pg.psql("SELECT v FROM raw", db=db) == "${environment}", result(ids[0]))

    port = free_port()
    rc, out, err, ids = run(old_env(env, db, raw, FLYWAY_URL=env.url(db, port=port),
                                    FLYWAY_CONNECT_RETRIES="1", FLYWAY_CONNECT_RETRIES_INTERVAL="1"), ["{}"])
    retries = [r for r in log_records(out) if r.get("phase") == "connect" and "retrying" in r["message"]]
    check("client: FLYWAY_CONNECT_RETRIES=1 retries once, then Function.DatabaseUnreachable",
          err_type(ids[0]) == "Function.DatabaseUnreachable" and len(retries) == 1, (retries, out[-1500:]))


def client_sns(env, pg, root):
    sns = Sns()
    sns.topics.add(TOPIC)
    sns.seen = []
    try:
        db = client_db(pg, "k_sns")
        e = old_env(env, db, root, PG_MIGRATE_SNS_TOPIC_ARN=TOPIC,
                    AWS_ENDPOINT_URL_SNS="http://127.0.0.1:%d/" % sns.port)
        run(e, ["{}"])
        broken = task_root("sns-broken", dict(BUNDLED, **{"V2__broken.sql": "SELECT 1;\nSELECT 2;\nSELEC broken;\n"}))
        run(dict(e, LAMBDA_TASK_ROOT=broken), ["{}"])
        msgs = published(sns)
    finally:
        sns.stop()
    ok = len(msgs) == 2 and not sns.sig_failures
    first = msgs[0][1] if ok else {}
    second = msgs[1][1] if ok else {}
    check("client: SNS summary of a deploy: engine client, versions before and after, migrations with times",
          ok and first.get("engine") == "client" and first.get("schemaVersionBefore") is None
          and first.get("schemaVersionAfter") == "1.1" and first.get("applied") == 3
          and all(isinstance(x.get("executionTimeMs"), (int, float)) for x in first.get("migrations", []))
          and "1.1, 3 migrations applied" in msgs[0][0], msgs)
    f = second.get("failure", {})
    check("client: SNS summary of a failed deploy: the script, line and error",
          ok and second.get("status") == "FAILED" and second.get("engine") == "client"
          and second.get("schemaVersionBefore") == "1.1" and second.get("schemaVersionAfter") == "1.1"
          and f.get("script") == "V2__broken.sql" and f.get("line") == 3
          and "syntax error" in (f.get("error") or "") and f.get("sqlstate") == "42601"
          and msgs[1][0].endswith("V2__broken.sql line 3"), msgs[1:] if ok else msgs)
    check("client: no placeholder secret or password in the SNS texts",
          sns.seen and not any(leaked(t, x) for t in sns.seen for x in (APP_PASSWORD, DEPLOYER_PASSWORD)))


def client_valgrind(env, pg, root):
    vg = ["valgrind", "--leak-check=full", "--show-leak-kinds=definite,indirect",
          "--errors-for-leak-kinds=definite,indirect", "--error-exitcode=99", "--num-callers=30"]
    db = client_db(pg, "k_valgrind")
    rc, out, err, ids = run(old_env(env, db, root), ["{}", "{}", "not json", "", "{}"], timeout=300, wrapper=vg)
    kinds = [result(i)[0] for i in ids]
    applied = [result(i)[1].get("applied") if result(i)[0] == "response" else None for i in ids]
    check("client: valgrind direct: 5 invocations in one process (apply, no-op, malformed, no-op, no-op)",
          kinds == ["response", "response", "error", "response", "response"] and applied[:2] == [3, 0], kinds)
    check("client: valgrind direct: no leaks, no invalid accesses", rc == 0 and not valgrind_ok(err),
          (rc, valgrind_ok(err), err[-3000:]))

    broken = task_root("vg-broken", dict(BUNDLED, **{"V2__broken.sql": "SELECT 1;\nSELEC broken;\n"}))
    db = client_db(pg, "k_valgrind_fail")
    env.sm.behaviour["db-deployer"] = [(400, "ThrottlingException"), "ok"]
    env_ctx.rcv.reset()
    rc, out, err, ids = run(old_env(env, db, broken, PG_MIGRATE_INVOKE_MODE="cloudformation",
                                    FLYWAY_GROUP="true"),
                            [cfn_event(env, "Create", "kv1"), cfn_event(env, "Update", "kv2", PhysicalResourceId="x"),
                             cfn_event(env, "Delete", "kv3", PhysicalResourceId="x")], timeout=300, wrapper=vg)
    env.sm.behaviour.pop("db-deployer")
    puts = [json.loads(p["body"]).get("Status") for p in env_ctx.rcv.puts]
    check("client: valgrind cloudformation: throttled secret, failed group twice, delete; no leaks",
          rc == 0 and not valgrind_ok(err) and puts == ["FAILED", "FAILED", "SUCCESS"],
          (rc, puts, valgrind_ok(err), err[-3000:]))


def client_same_history(env, pg, root):
    """The same scripts give the same history rows through migrate_apply()."""
    folder = os.path.join(root, "sql", "postgresql")
    for dirpath, dirs, files in os.walk(root):
        os.chmod(dirpath, 0o755)
        for f in files:
            os.chmod(os.path.join(dirpath, f), 0o644)
    os.chmod(os.path.dirname(root), 0o1777) if os.path.dirname(root) == "/tmp" else None
    pg.database("k_ext", folder)
    rc, out, err, ids = run(old_env(env, "k_ext", root, MASTER_SECRET_ARN="db-ok",
                                    PG_MIGRATE_ENGINE="extension"), ["{}"])
    kind, body, _ = result(ids[0])
    check("client: the same scripts through the extension (engine=extension)",
          kind == "response" and body.get("engine") == "extension" and body.get("applied") == 3
          and engine_lines(out) == ["engine extension: PG_MIGRATE_ENGINE=extension"], (body, out[-1500:]))
    ext = history(pg, "k_ext")
    check("client: the same flyway_schema_history rows as the extension gives",
          ext and ext == history(pg, "k_old"), (ext, history(pg, "k_old")))

    rc, out, err, ids = run(old_env(env, "k_ext", root, MASTER_SECRET_ARN="db-ok"), ["{}"])
    kind, body, _ = result(ids[0])
    check("client: auto with the extension -> migrate_apply(), logged",
          kind == "response" and body.get("engine") == "extension" and body.get("applied") == 0
          and engine_lines(out) == ["engine extension: PG_MIGRATE_ENGINE=auto and the database has the "
                                    "pg_migrate extension"], (body, engine_lines(out)))
    rc, out, err, ids = run(old_env(env, "k_ext", root, MASTER_SECRET_ARN="db-ok",
                                    FLYWAY_SCHEMAS="public,other"), ["{}"])
    kind, body, _ = result(ids[0])
    check("client: auto, the extension found, two schemas -> migrate_apply() with pg_migrate.schemas",
          kind == "response" and body.get("engine") == "extension" and body.get("applied") == 0,
          body)


def trigger_of(t):
    for r in (t or {}).get("Resources", {}).values():
        if r["Type"] == "Custom::Trigger":
            return r["Properties"]
    return {}


def test_cdk_scripts():
    """sqlDir: the scripts bundled with function.zip's contents, and their
    hash in the Trigger's properties (a changed script runs the deploy again)."""
    scripts = old_scripts_folder()
    seen = {}

    def look(out, t):
        key = function_of(t).get("Code", {}).get("S3Key", "")
        d = os.path.join(out, "asset." + key.split(".")[0])
        files = []
        for dirpath, dirs, names in os.walk(d):
            files += [os.path.relpath(os.path.join(dirpath, n), d) for n in names]
        seen["files"] = sorted(files)
        seen["exec"] = os.access(os.path.join(d, "bootstrap"), os.X_OK)

    zones = cached_zones_lookup()
    rc, t, out = cdk_synth({"sqlDir": scripts}, zones, inspect=look)
    h1 = trigger_of(t).get("ScriptsHash")
    fn = function_of(t)
    check("cdk: sqlDir -> the function's code is function.zip's files and the scripts under sql/ "
          "(dot files left out), the scripts' hash in the Trigger and PG_MIGRATE_MIGRATIONS_HASH",
          rc == 0 and re.fullmatch(r"[0-9a-f]{16}", h1 or "")
          and fn.get("Environment", {}).get("Variables", {}).get("PG_MIGRATE_MIGRATIONS_HASH") == h1
          and {"bootstrap", "lib/libcjson.so.1"} | {"sql/postgresql/" + f for f in BUNDLED} == set(seen.get("files", []))
          and seen.get("exec"), (h1, seen, out[-3000:]))
    rc, t2, out = cdk_synth({"sqlDir": scripts}, zones)
    check("cdk: the same scripts -> the same hash and code", h1 and trigger_of(t2).get("ScriptsHash") == h1
          and function_of(t2).get("Code") == fn.get("Code"), (trigger_of(t2), out[-2000:]))
    with open(os.path.join(scripts, "postgresql", "V1_1__seed_users.sql"), "a") as f:
        f.write("-- changed\n")
    rc, t3, out = cdk_synth({"sqlDir": scripts}, zones)
    h3 = trigger_of(t3).get("ScriptsHash")
    check("cdk: a changed script -> a new hash in the Trigger's properties and new code (the deploy runs again)",
          h3 and h3 != h1 and function_of(t3).get("Code") != fn.get("Code"), (h1, h3, out[-2000:]))

    env6 = dict(OLD_PLACEHOLDERS, FLYWAY_LOCATIONS="filesystem:./sql/postgresql")
    rc, t, out = cdk_synth({"sqlDir": scripts, "engine": "client", "flywayEnv": json.dumps(env6)}, zones)
    v = function_of(t).get("Environment", {}).get("Variables", {})
    check("cdk: engine and flywayEnv -> PG_MIGRATE_ENGINE and the old function's FLYWAY_* variables",
          v.get("PG_MIGRATE_ENGINE") == "client" and all(v.get(k) == x for k, x in env6.items()), (v, out[-2000:]))
    rc, t, out = cdk_synth({}, zones)
    check("cdk: without sqlDir -> function.zip as it is, no ScriptsHash",
          rc == 0 and "ScriptsHash" not in trigger_of(t), out[-2000:])

    for args, text, what in (
            ({"sqlDir": "/nonexistent/scripts"}, "sqlDir: /nonexistent/scripts is not a folder", "a missing sqlDir"),
            ({"engine": "flyway"}, 'engine must be auto, extension or client, not "flyway"', "engine=flyway"),
            ({"flywayEnv": '{"FLYWAY_PASSWORD":"s3cret-pw"}'}, "flywayEnv: FLYWAY_PASSWORD does not belong here",
             "FLYWAY_PASSWORD in flywayEnv"),
            ({"flywayEnv": '{"PGPASSWORD":"x"}'}, 'flywayEnv: "PGPASSWORD" is not a FLYWAY_* variable',
             "a variable that is not FLYWAY_*")):
        rc, t, out = cdk_synth(args, zones)
        check("cdk: %s fails with a clear message" % what, context_error(rc, out, text) and "s3cret-pw" not in out,
              out[-3000:])


class Ctx:
    pass


env_ctx = Ctx()


def main():
    signal.alarm(900)   # a hung test must not hang CI
    only = set(sys.argv[1:])
    rt, sm, rcv = RuntimeAPI(), SecretsManager(), ResponseReceiver()
    env_ctx.rt, env_ctx.sm, env_ctx.rcv = rt, sm, rcv
    pg = None
    try:
        test_unit()
        pg = PgCluster()
        pg.psql("CREATE ROLE migrator LOGIN SUPERUSER PASSWORD '%s'" % PASSWORD)
        sm.secrets["db-ok"] = {"engine": "postgres", "username": "migrator", "password": PASSWORD,
                               "host": "127.0.0.1", "port": str(pg.port), "dbname": "postgres"}
        sm.secrets["db-numport"] = {"username": "migrator", "password": PASSWORD,
                                    "host": "127.0.0.1", "port": pg.port, "dbname": "d_secret"}
        sm.secrets["db-wrongpw"] = dict(sm.secrets["db-ok"], password=WRONG_PASSWORD)
        sm.secrets["plain"] = PLAIN_SECRET
        m = setup_migrations(pg)
        env = Env(rt, sm, pg)
        env_ctx.env = env
        # the real extension must be available: fail loudly, skip nothing
        try:
            pg.database("d_probe", None)
            check("extension: CREATE EXTENSION pg_migrate works", True)
        except RuntimeError as e:
            check("extension: CREATE EXTENSION pg_migrate works", False, e)
            raise SystemExit(1)
        for name, fn in (("direct", test_direct), ("runtime", test_runtime),
                         ("arguments", test_arguments), ("flyway_env", test_flyway_env),
                         ("search_path", test_search_path),
                         ("sns", test_sns),
                         ("cloudformation", test_cloudformation), ("provider", test_provider),
                         ("retries", test_retries),
                         ("package", test_package), ("image", test_image), ("tls", test_tls),
                         ("valgrind", test_valgrind), ("client", test_client)):
            if only and name not in only:
                continue
            sm.reset()
            try:
                fn(env, pg, m)
            except Exception as e:  # a crashed group counts as a failure
                import traceback
                check("%s: group ran to completion" % name, False, traceback.format_exc())
        all_text = "\n".join(captured) + "\n".join(p["body"] for p in rcv.puts)
        check("no secret in any log or response (%d texts)" % len(captured),
              not any(leaked(all_text, x) for x in (PASSWORD, WRONG_PASSWORD, PLAIN_SECRET, QUOTED_TOKEN,
                                                    DEPLOYER_PASSWORD, APP_PASSWORD,
                                                    SecretsManager.secret_key, SecretsManager.token)),
              "secret found")
        if not only or "cdk" in only:
            test_cdk()
    except SystemExit:
        pass
    except Exception:
        import traceback
        check("harness", False, traceback.format_exc())
    finally:
        for s in (rt, sm, rcv):
            s.stop()
        if pg:
            pg.stop()
    print("lambda: %d passed, %d failed" % (passed, failed))
    return 1 if failed or not passed else 0


if __name__ == "__main__":
    sys.exit(main())
