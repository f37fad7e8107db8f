"""A throwaway PostgreSQL 15 cluster on 127.0.0.1 for the lambda tests.

initdb refuses root, so the cluster runs as the "postgres" OS user in a
temporary directory; the harness talks to it over a Unix socket in that
directory.  Every statement is logged (log_statement=all) so the tests can
see the exact arguments the handler passed to migrate_apply().
"""

import os
import pwd
import shutil
import socket
import subprocess
import tempfile

PGBIN = subprocess.run(["pg_config", "--bindir"], capture_output=True, text=True).stdout.strip()
if not os.path.exists(os.path.join(PGBIN, "initdb")):
    PGBIN = "/usr/lib/postgresql/15/bin"


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class PgCluster:
    def __init__(self):
        self.dir = tempfile.mkdtemp(prefix="pgm-lambda-")
        self.data = os.path.join(self.dir, "data")
        self.log = os.path.join(self.dir, "server.log")
        self.port = free_port()
        self.user = "postgres"
        pw = pwd.getpwnam("postgres")
        os.chown(self.dir, pw.pw_uid, pw.pw_gid)
        os.chmod(self.dir, 0o755)
        self._as_pg([os.path.join(PGBIN, "initdb"), "-D", self.data, "-U", "postgres",
                     "--auth-local=trust", "--auth-host=scram-sha-256", "-E", "UTF8",
                     "--no-sync"])
        self._as_pg([os.path.join(PGBIN, "pg_ctl"), "-D", self.data, "-l", self.log, "-w",
                     "-t", "60", "-o",
                     "-p %d -k %s -c listen_addresses=127.0.0.1 -c log_statement=all "
                     "-c fsync=off -c max_connections=30 -c log_line_prefix='%%m [%%p] [%%a] '" % (self.port, self.dir),
                     "start"])

    def enable_ssl(self):
        """Self-signed CA + server certificate for 127.0.0.1; returns
        (ca_file, other_ca_file) for verify-full tests."""
        d = self.dir
        def ossl(*args):
            subprocess.run(["openssl"] + list(args), check=True, capture_output=True, cwd=d,
                           timeout=60)
        for ca in ("ca", "other-ca"):
            ossl("req", "-x509", "-newkey", "rsa:2048", "-nodes", "-keyout", ca + ".key",
                 "-out", ca + ".crt", "-days", "2", "-subj", "/CN=pgm-test-" + ca)
        ossl("req", "-newkey", "rsa:2048", "-nodes", "-keyout", "server.key", "-out",
             "server.csr", "-subj", "/CN=127.0.0.1")
        with open(os.path.join(d, "san.ext"), "w") as f:
            f.write("subjectAltName=IP:127.0.0.1,DNS:localhost\n")
        ossl("x509", "-req", "-in", "server.csr", "-CA", "ca.crt", "-CAkey", "ca.key",
             "-CAcreateserial", "-out", "server.crt", "-days", "2", "-extfile", "san.ext")
        pw = pwd.getpwnam("postgres")
        for f in ("server.key", "server.crt"):
            os.chown(os.path.join(d, f), pw.pw_uid, pw.pw_gid)
        os.chmod(os.path.join(d, "server.key"), 0o600)
        self.psql("ALTER SYSTEM SET ssl_cert_file = '%s/server.crt'" % d)
        self.psql("ALTER SYSTEM SET ssl_key_file = '%s/server.key'" % d)
        self.psql("ALTER SYSTEM SET ssl = on")
        self.psql("SELECT pg_reload_conf()")
        return os.path.join(d, "ca.crt"), os.path.join(d, "other-ca.crt")

    def _as_pg(self, argv):
        subprocess.run(["runuser", "-u", "postgres", "--"] + argv, check=True,
                       stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, timeout=120,
                       cwd=self.dir)

    def psql(self, sql, db="postgres", check=True):
        r = subprocess.run(["psql", "-X", "-q", "-A", "-t", "-v", "ON_ERROR_STOP=1",
                            "-h", self.dir, "-p", str(self.port), "-U", "postgres",
                            "-d", db, "-c", sql],
                           capture_output=True, text=True, timeout=60)
        if check and r.returncode != 0:
            raise RuntimeError("psql failed: %s\n%s" % (sql, r.stderr))
        return r.stdout.strip() if r.returncode == 0 else None

    def migrations(self, name, files):
        """Write a migrations folder readable by the server."""
        d = os.path.join(self.dir, "migrations", name)
        os.makedirs(d, exist_ok=True)
        for fname, text in files.items():
            with open(os.path.join(d, fname), "w") as f:
                f.write(text)
        for root, dirs, fs in os.walk(os.path.join(self.dir, "migrations")):
            os.chmod(root, 0o755)
            for f in fs:
                os.chmod(os.path.join(root, f), 0o644)
        return d

    def database(self, name, folder, extension=True):
        """A fresh database; with the real extension unless told otherwise."""
        self.psql('CREATE DATABASE "%s"' % name)
        if extension:
            self.psql("CREATE EXTENSION pg_migrate", db=name)
        if folder:
            self.psql("ALTER DATABASE \"%s\" SET pg_migrate.locations = 'filesystem:%s'"
                      % (name, folder))

    def server_log(self):
        with open(self.log, errors="replace") as f:
            return f.read()

    def stop(self):
        try:
            self._as_pg([os.path.join(PGBIN, "pg_ctl"), "-D", self.data, "-m", "immediate",
                         "-w", "stop"])
        finally:
            shutil.rmtree(self.dir, ignore_errors=True)
