#!/bin/sh
# bench.sh - not a test: time from process start to the runtime response for
# a no-op deploy (nothing to apply) against the local doubles, and peak RSS.
#
# Each run starts ./bootstrap fresh (a cold start), which fetches the secret
# from the SigV4-verifying Secrets Manager double, connects to a throwaway
# PostgreSQL 15 with the pg_migrate extension, logs migrate_info(), calls
# migrate_apply() (nothing pending), posts the result, and exits when the
# Runtime API double runs dry.  Needs the same packages as "make check".
#
# With ENGINE=client the database has no extension and the handler applies
# the scripts bundled in its task root (PG_MIGRATE_ENGINE=client,
# FLYWAY_LOCATIONS=filesystem:./sql/postgresql, as the old function).  The
# first deploy (every script applied) is timed and reported too.
#
# Usage: [ENGINE=extension|client] lambda/bench.sh [runs] [scripts] [pause]
#   runs     fresh processes to time (default 30; needs /usr/bin/time, Debian "time")
#   scripts  versioned scripts in the release, all applied before timing (default 2)
#   pause    seconds between runs (default 0.1): after each response the
#            run's PostgreSQL backend is still exiting for a few milliseconds,
#            and on two cores that would land in the next run's time; deploys
#            are not back to back.  0 runs them back to back.
set -eu
cd "$(dirname "$0")"
make -s bootstrap
ENGINE=${ENGINE:-extension} RUNS=${1:-30} SCRIPTS=${2:-2} PAUSE=${3:-0.1} exec /usr/bin/python3 - <<'PY'
import datetime, json, os, shutil, statistics, subprocess, sys, tempfile, time
sys.path.insert(0, "test")
from doubles import RuntimeAPI, SecretsManager, ResponseReceiver
from pgcluster import PgCluster

runs = int(os.environ["RUNS"])
nscripts = int(os.environ["SCRIPTS"])
pause = float(os.environ["PAUSE"])
client = os.environ["ENGINE"] == "client"
rt, sm = RuntimeAPI(), SecretsManager()
pg = PgCluster()
task = tempfile.mkdtemp(prefix="pgm-bench-task-")
try:
    pg.psql("CREATE ROLE migrator LOGIN SUPERUSER PASSWORD 'bench-Passw0rd'")
    sm.secrets["db"] = {"username": "migrator", "password": "bench-Passw0rd",
                        "host": "127.0.0.1", "port": pg.port, "dbname": "bench"}
    scripts = {"V%d__t%d.sql" % (i, i): "CREATE TABLE t%d(id int);\n" % i for i in range(1, nscripts + 1)}
    if client:
        # the function's own copy of the scripts; a database without the extension
        os.makedirs(os.path.join(task, "sql", "postgresql"))
        for name, text in scripts.items():
            with open(os.path.join(task, "sql", "postgresql", name), "w") as f:
                f.write(text)
        pg.database("bench", None, extension=False)
    else:
        pg.database("bench", pg.migrations("bench", scripts))
    pg.psql("ALTER SYSTEM SET log_statement = 'none'"); pg.psql("SELECT pg_reload_conf()")
    env = {"PATH": os.environ["PATH"], "AWS_LAMBDA_RUNTIME_API": "127.0.0.1:%d" % rt.port,
           "PG_MIGRATE_INVOKE_MODE": "direct", "AWS_REGION": sm.region,
           "AWS_ACCESS_KEY_ID": sm.access_key, "AWS_SECRET_ACCESS_KEY": sm.secret_key,
           "AWS_SESSION_TOKEN": sm.token, "MASTER_SECRET_ARN": "db",
           "AWS_ENDPOINT_URL_SECRETS_MANAGER": "http://127.0.0.1:%d/" % sm.port,
           "PGSSLMODE": "disable"}
    if client:
        env.update(PG_MIGRATE_ENGINE="client", LAMBDA_TASK_ROOT=task,
                   FLYWAY_LOCATIONS="filesystem:./sql/postgresql")
    lat, lat_spawn, rss, own, phases = [], [], [], [], {}
    for i in range(runs + 1):
        time.sleep(pause)
        rt.reset()
        rid = rt.add("{}")
        t_spawn = time.time()
        # Popen returns once the child has exec'd (CPython waits on a
        # close-on-exec pipe): that instant is the process's start
        child = subprocess.Popen(["./bootstrap"], env=env, stdout=subprocess.PIPE,
                                 stderr=subprocess.PIPE, text=True)
        t0 = time.time()
        out, err = child.communicate()
        p = subprocess.CompletedProcess(child.args, child.returncode, out, err)
        r = rt.results[rid]
        assert r["kind"] == "response", r
        body = json.loads(r["body"])
        if i == 0:
            assert body["applied"] == nscripts, body   # warm-up run applies; the rest are no-ops
            first = (r["at"] - t0) * 1000
            # a cluster just created and migrated is still busy (autovacuum,
            # checkpoints): let it settle, as a production database would be
            pg.psql("VACUUM ANALYZE", db="bench")
            pg.psql("CHECKPOINT")
            time.sleep(3)
            continue
        assert body["applied"] == 0, body
        total = (r["at"] - t0) * 1000
        lat.append(total)
        lat_spawn.append((r["at"] - t_spawn) * 1000)
        db = sum(json.loads(l).get("durationMs", 0) for l in p.stdout.splitlines()
                 if json.loads(l).get("phase") in ("connect", "info", "apply")
                 and not json.loads(l)["message"].startswith("applied "))
        own.append(total - db)
        recs = [json.loads(l) for l in p.stdout.splitlines()]
        def at(msg):
            ts = next(r["timestamp"] for r in recs if r["message"].startswith(msg))
            return datetime.datetime.strptime(ts, "%Y-%m-%dT%H:%M:%S.%fZ").replace(
                tzinfo=datetime.timezone.utc).timestamp()
        phases.setdefault("dynamic loading + init", []).append((at("pg_migrate lambda ready") - t0) * 1000)
        phases.setdefault("GET next (Python double)", []).append((at("invocation started") - at("pg_migrate lambda ready")) * 1000)
        for r in recs:
            if r.get("phase") in ("secret", "connect", "apply") and "durationMs" in r:
                phases.setdefault(r["phase"], []).append(r["durationMs"])
        phases.setdefault("migrate_info x2", []).append(sum(r.get("durationMs", 0) for r in recs if r.get("phase") == "info"))
    # Peak RSS in separate runs: /usr/bin/time reports the child's own peak
    # (a child forked from Python would inherit Python's high-water mark),
    # but its extra exec must not count in the times above.
    for i in range(5):
        rt.reset()
        rid = rt.add("{}")
        p = subprocess.run(["/usr/bin/time", "-f", "RSS %M", "./bootstrap"], env=env,
                           capture_output=True, text=True)
        assert rt.results[rid]["kind"] == "response", rt.results[rid]
        rss.append(int(p.stderr.split("RSS ")[-1]) / 1024)
    lat.sort(); own.sort(); lat_spawn.sort()
    print("engine %s; first deploy (%d scripts applied, fresh process): %.0f ms"
          % (os.environ["ENGINE"], nscripts, first))
    print("runs: %d no-op deploys, each a fresh process, %d scripts applied, %.2f s apart"
          % (runs, nscripts, pause))
    print("start (exec) -> response: median %.1f ms, p90 %.1f ms, max %.1f ms"
          % (statistics.median(lat), lat[int(len(lat) * 0.9) - 1], lat[-1]))
    print("Python's spawn call -> response (its fork included): median %.1f ms, p90 %.1f ms"
          % (statistics.median(lat_spawn), lat_spawn[int(len(lat_spawn) * 0.9) - 1]))
    print("handler's own time (total minus connect, info x2, apply; in client mode the "
          "engine's work is in those): "
          "median %.1f ms, p90 %.1f ms" % (statistics.median(own), own[int(len(own) * 0.9) - 1]))
    for k, v in phases.items():
        print("  phase %-32s median %6.1f ms" % (k, statistics.median(v)))
    print("load average during the run: %s" % open("/proc/loadavg").read().split()[0])
    print("peak RSS: median %.1f MB, max %.1f MB" % (statistics.median(rss), max(rss)))
    print("binary: bootstrap %d KB" % (os.path.getsize("bootstrap") // 1024))
finally:
    rt.stop(); sm.stop(); pg.stop()
    shutil.rmtree(task, ignore_errors=True)
PY
