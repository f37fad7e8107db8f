/*-------------------------------------------------------------------------
 *
 * test_fetch.c
 *	  Tests of fetch.c, aws_credentials.c, remote_location.c and manifest
 *	  verification against the loopback servers of server.py (started by
 *	  run.sh).
 *
 *	  test_fetch PORTS_FILE CERT_DIR
 *
 * Prints "fetch: N passed, N failed" last; exit status 1 on failure.
 *
 *-------------------------------------------------------------------------
 */
#ifdef FRONTEND
#include "postgres_fe.h"
#else
#include "postgres.h"
#endif

#include <signal.h>
#include <sys/stat.h>
#include <sys/time.h>
#include <unistd.h>

#include "aws_credentials.h"
#include "fetch.h"
#include "manifest.h"
#include "remote_location.h"
#include "s3.h"
#include "../unit/unit.h"

static int	port_https,
			port_badhost,
			port_s3,
			port_meta,
			port_down;
static const char *certdir;
static char *ca_file;
static char *other_ca_file;

/* Every secret the servers know; no error string may contain one. */
static const char *const all_secrets[] = {
	"plainSecretKey/0123456789abcdefghijKLMN",
	"tokenSecretKey/0123456789abcdefghijKLMN",
	"SessionTokenValue//FwoGZXIvYXdzEJr+test==",
	"IMDSv2TokenValue-abcdefghijklmnop",
	"EcsAuthorizationToken-0123456789",
	"AKIDPLAINTEST000001",
	"ASIATOKENTEST0000002",
	"wrongSecretKey/0123456789abcdefghijKLMN",
	"urlpassword123",
};
static int	errors_checked = 0;

static void clear_aws_env(void);

static double
now_s(void)
{
	struct timeval tv;

	gettimeofday(&tv, NULL);
	return tv.tv_sec + tv.tv_usec / 1e6;
}

/* Check an error string for secrets (every error goes through here). */
static void
check_no_secret(const char *err, int line)
{
	int			i;

	if (err == NULL)
		return;
	errors_checked++;
	for (i = 0; i < (int) lengthof(all_secrets); i++)
	{
		if (strstr(err, all_secrets[i]) != NULL)
		{
			unit_failed++;
			fprintf(stderr, "test_fetch.c:%d: error string contains a secret: %s\n", line, err);
			return;
		}
	}
	unit_passed++;
}

#define NOSECRET(e) check_no_secret(e, __LINE__)

static void
base_opts(FetchOptions *o)
{
	fetch_options_init(o);
	o->ca_file = ca_file;
	o->connect_timeout_ms = 2000;
	o->timeout_ms = 5000;
	o->max_retries = 0;
	o->retry_delay_ms = 20;
	o->retry_max_delay_ms = 100;
	o->max_size = 1024 * 1024;
}

static char *
url(int port, const char *path)
{
	return psprintf("https://127.0.0.1:%d%s", port, path);
}

static void
show(const char *what, const FetchResponse *r)
{
	if (getenv("FETCH_TEST_VERBOSE"))
		fprintf(stderr, "  %s: %s, HTTP %ld, %d attempt(s)%s%s\n", what, fetch_status_name(r->status),
				r->http_status, r->attempts, r->error ? ": " : "", r->error ? r->error : "");
}

static void
test_https_ok(void)
{
	FetchOptions o;
	FetchResponse r,
				r2;
	ManifestFile entry;
	char	   *err;
	char	   *etag;

	base_opts(&o);
	CHECK_INT(fetch_https(url(port_https, "/files/V1__init.sql"), NULL, &o, &r), FETCH_OK);
	show("ok", &r);
	CHECK_INT(r.http_status, 200);
	CHECK_INT(r.attempts, 1);
	CHECK(r.error == NULL);
	CHECK(r.body != NULL && r.body_len == strlen("CREATE TABLE t (id int);\n"));
	CHECK_STR(r.body, "CREATE TABLE t (id int);\n");
	CHECK(r.etag != NULL && r.etag[0] == '"');

	/* verify against a manifest entry; then a mismatching one */
	CHECK(manifest_entry_from_content("V1__init.sql", "CREATE TABLE t (id int);\n", 25, &entry, &err));
	CHECK(manifest_verify(&entry, r.body, r.body_len, &err));
	entry.sha256[0] = entry.sha256[0] == '0' ? '1' : '0';
	CHECK(!manifest_verify(&entry, r.body, r.body_len, &err));
	CHECK(strstr(err, "SHA-256") != NULL);
	entry.size++;
	CHECK(!manifest_verify(&entry, r.body, r.body_len, &err));
	CHECK(strstr(err, "size is 25 bytes") != NULL);

	/* conditional GET: 304 with the same ETag, or 200 with a stale one */
	etag = pstrdup(r.etag);
	CHECK_INT(fetch_https(url(port_https, "/files/V1__init.sql"), etag, &o, &r2), FETCH_NOT_MODIFIED);
	CHECK_INT(r2.http_status, 304);
	CHECK(r2.body == NULL && r2.error == NULL);
	CHECK_STR(r2.etag, etag);
	fetch_response_free(&r2);
	CHECK_INT(fetch_https(url(port_https, "/files/V1__init.sql"), "\"stale\"", &o, &r2), FETCH_OK);
	CHECK_STR(r2.etag, etag);
	fetch_response_free(&r2);
	fetch_response_free(&r);
	fetch_response_free(&r);	/* twice is fine */

	/* sub-folder, https redirect followed */
	CHECK_INT(fetch_https(url(port_https, "/files/sub/V2__more.sql"), NULL, &o, &r), FETCH_OK);
	fetch_response_free(&r);
	CHECK_INT(fetch_https(url(port_https, "/redirect-https"), NULL, &o, &r), FETCH_OK);
	CHECK_STR(r.body, "CREATE TABLE t (id int);\n");
	fetch_response_free(&r);
	/* 404 */
	CHECK_INT(fetch_https(url(port_https, "/files/nope.sql"), NULL, &o, &r), FETCH_HTTP_ERROR);
	CHECK_INT(r.http_status, 404);
	CHECK(r.body == NULL && strstr(r.error, "404") != NULL);
	NOSECRET(r.error);
	fetch_response_free(&r);
}

static void
test_connection_reuse(void)
{
	FetchOptions o;
	FetchResponse r;
	int			before,
				after,
				i;
	double		t0;

	base_opts(&o);
	fetch_https(url(port_https, "/connections"), NULL, &o, &r);
	before = atoi(r.body);
	fetch_response_free(&r);
	t0 = now_s();
	for (i = 0; i < 200; i++)
	{
		if (fetch_https(url(port_https, "/files/V1__init.sql"), NULL, &o, &r) != FETCH_OK)
			break;
		fetch_response_free(&r);
	}
	CHECK_INT(i, 200);
	fetch_https(url(port_https, "/connections"), NULL, &o, &r);
	after = atoi(r.body);
	fetch_response_free(&r);
	if (getenv("FETCH_TEST_VERBOSE"))
		fprintf(stderr, "  200 fetches in %.3f s over %d new connection(s)\n", now_s() - t0, after - before);
	CHECK_INT(after - before, 0);	/* all on the connection already open */
}

static void
test_faults(void)
{
	FetchOptions o;
	FetchResponse r;
	double		t0;

	base_opts(&o);

	/* server down: network error, retried */
	o.max_retries = 2;
	CHECK_INT(fetch_https(url(port_down, "/x"), NULL, &o, &r), FETCH_NETWORK_ERROR);
	show("down", &r);
	CHECK_INT(r.attempts, 3);
	CHECK(strstr(r.error, "could not fetch") != NULL && strstr(r.error, "after 3 attempts") != NULL);
	NOSECRET(r.error);
	fetch_response_free(&r);
	o.max_retries = 0;

	/* slow: total timeout */
	o.timeout_ms = 500;
	t0 = now_s();
	CHECK_INT(fetch_https(url(port_https, "/slow"), NULL, &o, &r), FETCH_NETWORK_ERROR);
	show("slow", &r);
	CHECK(now_s() - t0 < 2.0);
	CHECK(strstr(r.error, "timed out") != NULL);
	NOSECRET(r.error);
	fetch_response_free(&r);
	o.timeout_ms = 5000;

	/* truncated body: network error, retried once */
	o.max_retries = 1;
	CHECK_INT(fetch_https(url(port_https, "/truncated"), NULL, &o, &r), FETCH_NETWORK_ERROR);
	show("truncated", &r);
	CHECK_INT(r.attempts, 2);
	CHECK(r.body == NULL);
	NOSECRET(r.error);
	fetch_response_free(&r);
	o.max_retries = 0;

	/* redirect to http refused */
	CHECK_INT(fetch_https(url(port_https, "/redirect-http"), NULL, &o, &r), FETCH_REDIRECT_REFUSED);
	show("redirect-http", &r);
	CHECK(r.error && strstr(r.error, "not https") != NULL);
	NOSECRET(r.error);
	fetch_response_free(&r);

	/* 403: not retried */
	o.max_retries = 3;
	CHECK_INT(fetch_https(url(port_https, "/status/403"), NULL, &o, &r), FETCH_HTTP_ERROR);
	show("403", &r);
	CHECK_INT(r.http_status, 403);
	CHECK_INT(r.attempts, 1);
	CHECK(strstr(r.error, "403 (AccessDenied: Access Denied)") != NULL);
	NOSECRET(r.error);
	fetch_response_free(&r);

	/* 5xx twice then success */
	CHECK_INT(fetch_https(url(port_https, "/flaky/2/a"), NULL, &o, &r), FETCH_OK);
	show("flaky", &r);
	CHECK_INT(r.attempts, 3);
	CHECK_STR(r.body, "ok after 2 failures\n");
	fetch_response_free(&r);
	/* 5xx more often than retries allow */
	o.max_retries = 2;
	CHECK_INT(fetch_https(url(port_https, "/flaky/9/b"), NULL, &o, &r), FETCH_HTTP_ERROR);
	CHECK_INT(r.http_status, 503);
	CHECK_INT(r.attempts, 3);
	NOSECRET(r.error);
	fetch_response_free(&r);
	o.max_retries = 0;

	/* over the size cap: announced length, then chunked (write callback) */
	o.max_size = 1024 * 1024;
	CHECK_INT(fetch_https(url(port_https, "/huge"), NULL, &o, &r), FETCH_TOO_LARGE);
	show("huge", &r);
	CHECK(strstr(r.error, "larger than the limit of 1048576 bytes") != NULL);
	fetch_response_free(&r);
	CHECK_INT(fetch_https(url(port_https, "/huge-chunked"), NULL, &o, &r), FETCH_TOO_LARGE);
	show("huge-chunked", &r);
	CHECK(r.body == NULL);
	fetch_response_free(&r);
	o.max_size = 4 * 1024 * 1024;
	CHECK_INT(fetch_https(url(port_https, "/huge"), NULL, &o, &r), FETCH_OK);
	CHECK(r.body_len == 2 * 1024 * 1024);
	fetch_response_free(&r);
	CHECK_INT(fetch_https(url(port_https, "/huge-chunked"), NULL, &o, &r), FETCH_OK);
	CHECK(r.body_len == 40 * 65536);
	fetch_response_free(&r);
	o.max_size = 1024 * 1024;
}

/* Redirects are followed only to the first URL's host and port, or to an allowed host. */
static void
test_redirects(void)
{
	FetchOptions o;
	FetchResponse r;
	char	   *err = NULL;

	base_opts(&o);

	/* same host and port, absolute Location: followed */
	CHECK_INT(fetch_https(url(port_https, "/redirect-same-host"), NULL, &o, &r), FETCH_OK);
	show("redirect-same-host", &r);
	CHECK_STR(r.body, "CREATE TABLE t (id int);\n");
	CHECK_INT(r.attempts, 2);
	fetch_response_free(&r);

	/* another host (same server: its certificate is valid for both names) */
	CHECK_INT(fetch_https(url(port_https, "/redirect-other-host"), NULL, &o, &r), FETCH_REDIRECT_REFUSED);
	show("redirect-other-host", &r);
	CHECK(r.body == NULL);
	CHECK(r.error && strstr(r.error, "on host localhost port") != NULL);
	CHECK(r.error && strstr(r.error, "location's host 127.0.0.1 port") != NULL);
	NOSECRET(r.error);			/* the signature in the target's query is not shown */
	fetch_response_free(&r);

	/* the same host name on another port */
	CHECK_INT(fetch_https(url(port_https, "/redirect-other-port"), NULL, &o, &r), FETCH_REDIRECT_REFUSED);
	show("redirect-other-port", &r);
	CHECK(r.error && strstr(r.error, psprintf("port %d, but", port_s3)) != NULL);
	fetch_response_free(&r);

	/* allowed hosts: followed; every hop is compared with the first URL */
	o.redirect_hosts = " example.org , LOCALHOST";
	CHECK_INT(fetch_https(url(port_https, "/redirect-other-host"), NULL, &o, &r), FETCH_OK);
	CHECK_STR(r.body, "CREATE TABLE t (id int);\n");
	fetch_response_free(&r);
	CHECK_INT(fetch_https(url(port_https, "/redirect-chain"), NULL, &o, &r), FETCH_OK);
	CHECK_INT(r.attempts, 3);
	fetch_response_free(&r);
	o.redirect_hosts = "example.org";
	CHECK_INT(fetch_https(url(port_https, "/redirect-chain"), NULL, &o, &r), FETCH_REDIRECT_REFUSED);
	fetch_response_free(&r);
	o.redirect_hosts = NULL;

	/* a loop ends */
	CHECK_INT(fetch_https(url(port_https, "/redirect-loop"), NULL, &o, &r), FETCH_NETWORK_ERROR);
	show("redirect-loop", &r);
	CHECK(r.error && strstr(r.error, "more than 5 redirects") != NULL);
	CHECK_INT(r.attempts, 6);
	fetch_response_free(&r);

	/* the list's syntax */
	CHECK(fetch_redirect_hosts_valid("", &err));
	CHECK(fetch_redirect_hosts_valid("cdn.example.com, downloads-2.example.net,[::1], 10.0.0.1", &err));
	CHECK(!fetch_redirect_hosts_valid("https://cdn.example.com", &err));
	CHECK(err && strstr(err, "not a host name") != NULL);
	CHECK(!fetch_redirect_hosts_valid("cdn.example.com:443", &err));
	CHECK(!fetch_redirect_hosts_valid("cdn.example.com/x", &err));
	CHECK(!fetch_redirect_hosts_valid("*.example.com", &err));
}

/*
 * Files libcurl or aws_credentials.c would open: a FIFO must be refused at
 * once, not block the process.  Before that was so, these calls never
 * returned: an alarm turns that into a failure.
 */
static void
on_alarm(int sig)
{
	static const char msg[] = "test_fetch.c: a FIFO blocked the process (CA or token file)\n";

	if (write(2, msg, sizeof(msg) - 1) < 0)
		_exit(3);
	printf("fetch: %d passed, %d failed\n", unit_passed, unit_failed + 1);
	fflush(stdout);
	_exit(1);
}

static void
test_special_files(void)
{
	FetchOptions o;
	FetchResponse r;
	AwsCredentials c;
	char	   *fifo = psprintf("%s/fifo", certdir);
	char	   *err = NULL;

	base_opts(&o);
	CHECK(mkfifo(fifo, 0600) == 0);
	signal(SIGALRM, on_alarm);
	alarm(20);

	o.ca_file = fifo;
	CHECK_INT(fetch_https(url(port_https, "/files/V1__init.sql"), NULL, &o, &r), FETCH_INVALID);
	show("CA file FIFO", &r);
	CHECK(r.error && strstr(r.error, "is not a regular file") != NULL);
	fetch_response_free(&r);
	o.ca_file = "/dev/null";
	CHECK_INT(fetch_https(url(port_https, "/files/V1__init.sql"), NULL, &o, &r), FETCH_INVALID);
	fetch_response_free(&r);
	o.ca_file = ca_file;

	clear_aws_env();
	setenv("AWS_CONTAINER_CREDENTIALS_FULL_URI", psprintf("http://127.0.0.1:%d/ecs/creds", port_meta), 1);
	setenv("AWS_CONTAINER_AUTHORIZATION_TOKEN_FILE", fifo, 1);
	CHECK(!aws_credentials_resolve(NULL, NULL, NULL, &o, &c, &err));
	CHECK(err && strstr(err, "is not a regular file") != NULL);
	clear_aws_env();

	alarm(0);
	unlink(fifo);
}

static void
test_tls(void)
{
	FetchOptions o;
	FetchResponse r;
	char	   *u;

	base_opts(&o);
	o.max_retries = 2;

	/* wrong CA: refused, not retried */
	o.ca_file = other_ca_file;
	CHECK_INT(fetch_https(url(port_https, "/files/V1__init.sql"), NULL, &o, &r), FETCH_NETWORK_ERROR);
	show("wrong CA", &r);
	CHECK_INT(r.attempts, 1);
	CHECK(strstr(r.error, "TLS certificate") != NULL);
	fetch_response_free(&r);
	/* system bundle does not know the test CA either */
	o.ca_file = NULL;
	CHECK_INT(fetch_https(url(port_https, "/files/V1__init.sql"), NULL, &o, &r), FETCH_NETWORK_ERROR);
	CHECK(strstr(r.error, "TLS certificate") != NULL);
	fetch_response_free(&r);

	/* right CA, wrong host name */
	o.ca_file = ca_file;
	CHECK_INT(fetch_https(url(port_badhost, "/files/V1__init.sql"), NULL, &o, &r), FETCH_NETWORK_ERROR);
	show("wrong host", &r);
	CHECK_INT(r.attempts, 1);
	CHECK(strstr(r.error, "TLS certificate") != NULL);
	fetch_response_free(&r);
	/* by name: localhost is in the certificate */
	u = psprintf("https://localhost:%d/files/V1__init.sql", port_https);
	CHECK_INT(fetch_https(u, NULL, &o, &r), FETCH_OK);
	fetch_response_free(&r);

	/* only https */
	u = psprintf("http://127.0.0.1:%d/latest/api/token", port_meta);
	CHECK_INT(fetch_https(u, NULL, &o, &r), FETCH_INVALID);
	CHECK(strstr(r.error, "is not an https URL") != NULL);
	fetch_response_free(&r);
	CHECK_INT(fetch_https("file:///etc/passwd", NULL, &o, &r), FETCH_INVALID);
	fetch_response_free(&r);
	CHECK_INT(fetch_https("not a url", NULL, &o, &r), FETCH_INVALID);
	fetch_response_free(&r);
	u = psprintf("https://user:urlpassword123@127.0.0.1:%d/files/V1__init.sql?X-Amz-Signature=urlpassword123", port_https);
	CHECK_INT(fetch_https(u, NULL, &o, &r), FETCH_INVALID);
	CHECK(strstr(r.error, "user information") != NULL);
	NOSECRET(r.error);
	fetch_response_free(&r);
	/* query strings are not shown in messages */
	u = psprintf("https://127.0.0.1:%d/status/403?X-Amz-Signature=urlpassword123", port_https);
	CHECK_INT(fetch_https(u, NULL, &o, &r), FETCH_HTTP_ERROR);
	NOSECRET(r.error);
	fetch_response_free(&r);
}

static int	abort_after;
static int	abort_calls;

static bool
abort_cb(void *arg)
{
	abort_calls++;
	return abort_calls > abort_after;
}

static void
test_abort(void)
{
	FetchOptions o;
	FetchResponse r;
	double		t0;

	base_opts(&o);
	o.abort_cb = abort_cb;

	/* during a transfer */
	abort_after = 3;
	abort_calls = 0;
	t0 = now_s();
	CHECK_INT(fetch_https(url(port_https, "/slow"), NULL, &o, &r), FETCH_ABORTED);
	show("abort in transfer", &r);
	CHECK(now_s() - t0 < 1.5);
	CHECK(strstr(r.error, "aborted") != NULL);
	fetch_response_free(&r);

	/* during the backoff between retries */
	o.max_retries = 5;
	o.retry_delay_ms = 2000;
	o.retry_max_delay_ms = 2000;
	abort_after = 2;
	abort_calls = 0;
	t0 = now_s();
	CHECK_INT(fetch_https(url(port_down, "/x"), NULL, &o, &r), FETCH_ABORTED);
	show("abort in backoff", &r);
	CHECK(now_s() - t0 < 1.0);
	CHECK_INT(r.attempts, 1);
	fetch_response_free(&r);

	/* before anything is sent */
	abort_after = 0;
	abort_calls = 0;
	CHECK_INT(fetch_https(url(port_https, "/files/V1__init.sql"), NULL, &o, &r), FETCH_ABORTED);
	CHECK_INT(r.attempts, 0);
	fetch_response_free(&r);
}

static void
test_s3_urls(void)
{
	S3Location l = {"my-bucket", "app/V1__a b+c.sql", "eu-west-1", NULL};
	char	   *err;

	CHECK_STR(s3_object_url(&l, &err), "https://my-bucket.s3.eu-west-1.amazonaws.com/app/V1__a%20b%2Bc.sql");
	l.bucket = "my.dotted.bucket";
	CHECK_STR(s3_object_url(&l, &err), "https://s3.eu-west-1.amazonaws.com/my.dotted.bucket/app/V1__a%20b%2Bc.sql");
	l.endpoint = "https://127.0.0.1:9000/";
	l.key = "/k\xc3\xa9y";
	CHECK_STR(s3_object_url(&l, &err), "https://127.0.0.1:9000/my.dotted.bucket/k%C3%A9y");
	l.endpoint = "http://127.0.0.1:9000";
	CHECK(s3_object_url(&l, &err) == NULL);
	CHECK(strstr(err, "https") != NULL);
	l.endpoint = NULL;
	l.region = "";
	CHECK(s3_object_url(&l, &err) == NULL);
	l.region = "eu-west-1";
	l.bucket = "a/b";
	CHECK(s3_object_url(&l, &err) == NULL);
	CHECK_STR(fetch_uri_encode_path("a-z_A.Z~0/9 %"), "a-z_A.Z~0/9%20%25");
}

static void
test_s3(void)
{
	FetchOptions o;
	FetchResponse r;
	AwsCredentials plain = {"AKIDPLAINTEST000001", "plainSecretKey/0123456789abcdefghijKLMN", NULL, 0, "test"};
	AwsCredentials tok = {"ASIATOKENTEST0000002", "tokenSecretKey/0123456789abcdefghijKLMN",
	"SessionTokenValue//FwoGZXIvYXdzEJr+test==", 0, "test"};
	AwsCredentials wrong = {"AKIDPLAINTEST000001", "wrongSecretKey/0123456789abcdefghijKLMN", NULL, 0, "test"};
	AwsCredentials badtok = {"ASIATOKENTEST0000002", "tokenSecretKey/0123456789abcdefghijKLMN",
	"SessionTokenValue//wrong", 0, "test"};
	char	   *endpoint = psprintf("https://127.0.0.1:%d", port_s3);
	S3Location l = {"rel-bucket", "app/V1__init.sql", "eu-west-1", endpoint};
	char	   *etag;
	Manifest   *m;
	char	   *err;

	base_opts(&o);

	CHECK_INT(fetch_s3(&l, &plain, NULL, &o, &r), FETCH_OK);
	show("s3 plain", &r);
	CHECK_STR(r.body, "CREATE TABLE t (id int);\n");
	CHECK(r.etag != NULL);
	etag = r.etag ? pstrdup(r.etag) : pstrdup("x");
	fetch_response_free(&r);

	CHECK_INT(fetch_s3(&l, &plain, etag, &o, &r), FETCH_NOT_MODIFIED);
	show("s3 304", &r);
	CHECK_INT(r.http_status, 304);
	fetch_response_free(&r);

	CHECK_INT(fetch_s3(&l, &tok, NULL, &o, &r), FETCH_OK);
	show("s3 token", &r);
	fetch_response_free(&r);

	/* a key that needs encoding, and the manifest */
	l.key = "app/sub dir/V2__caf\xc3\xa9+(1).sql";
	CHECK_INT(fetch_s3(&l, &tok, NULL, &o, &r), FETCH_OK);
	show("s3 encoded key", &r);
	CHECK_STR(r.body, "SELECT 2;\n");
	fetch_response_free(&r);
	l.key = "app/pg_migrate.json";
	CHECK_INT(fetch_s3(&l, &plain, NULL, &o, &r), FETCH_OK);
	m = manifest_parse(r.body ? r.body : "", r.body_len, &err);
	CHECK(m != NULL && strcmp(m->release, "r1") == 0);
	manifest_free(m);
	fetch_response_free(&r);

	/* wrong secret: 403, retried never, nothing secret in the message */
	l.key = "app/V1__init.sql";
	o.max_retries = 2;
	CHECK_INT(fetch_s3(&l, &wrong, NULL, &o, &r), FETCH_HTTP_ERROR);
	show("s3 wrong secret", &r);
	CHECK_INT(r.http_status, 403);
	CHECK_INT(r.attempts, 1);
	CHECK(r.error && strstr(r.error, "SignatureDoesNotMatch") != NULL);
	NOSECRET(r.error);
	fetch_response_free(&r);
	CHECK_INT(fetch_s3(&l, &badtok, NULL, &o, &r), FETCH_HTTP_ERROR);
	show("s3 bad token", &r);
	CHECK(r.error && strstr(r.error, "InvalidToken") != NULL);
	NOSECRET(r.error);
	fetch_response_free(&r);
	/* missing key, wrong region */
	l.key = "app/V9__nope.sql";
	CHECK_INT(fetch_s3(&l, &plain, NULL, &o, &r), FETCH_HTTP_ERROR);
	CHECK_INT(r.http_status, 404);
	CHECK(r.error && strstr(r.error, "NoSuchKey") != NULL);
	NOSECRET(r.error);
	fetch_response_free(&r);
	l.key = "app/V1__init.sql";
	l.region = "us-east-1";
	CHECK_INT(fetch_s3(&l, &plain, NULL, &o, &r), FETCH_HTTP_ERROR);
	CHECK_INT(r.http_status, 400);
	NOSECRET(r.error);
	fetch_response_free(&r);
	l.region = "eu-west-1";
	/* S3 endpoint down: retried, secret-free */
	l.endpoint = psprintf("https://127.0.0.1:%d", port_down);
	CHECK_INT(fetch_s3(&l, &tok, NULL, &o, &r), FETCH_NETWORK_ERROR);
	CHECK_INT(r.attempts, 3);
	NOSECRET(r.error);
	fetch_response_free(&r);
	/* no credentials */
	CHECK_INT(fetch_s3(&l, NULL, NULL, &o, &r), FETCH_INVALID);
	fetch_response_free(&r);
}

/*
 * remote_location.c: the rule of a valid location, one object of an
 * https:// and an s3:// location, the manifest and a file checked against
 * it, each error worded with its SQLSTATE.
 */
static void
test_remote_location(void)
{
	AwsCredentials plain = {"AKIDPLAINTEST000001", "plainSecretKey/0123456789abcdefghijKLMN", NULL, 0, "test"};
	RemoteS3Access s3 = {&plain, "eu-west-1", psprintf("https://127.0.0.1:%d", port_s3)};
	char	   *https = psprintf("https://127.0.0.1:%d/files/", port_https);
	FetchOptions o;
	FetchResponse r;
	MigrateError err;
	Manifest   *m;
	ManifestFile entry;
	char	   *why = NULL;

	CHECK(remote_location_is_remote("HTTPS://h/p/") && remote_location_is_remote("http://h/"));
	CHECK(!remote_location_is_remote("filesystem:/srv/sql"));
	CHECK_INT(remote_location_check("https://example.com/rel"), REMOTE_LOCATION_OK);
	CHECK_INT(remote_location_check("s3://my-bucket/app/"), REMOTE_LOCATION_OK);
	CHECK_INT(remote_location_check("http://example.com/"), REMOTE_LOCATION_NOT_HTTPS);
	CHECK_INT(remote_location_check("https:///rel/"), REMOTE_LOCATION_NO_HOST);
	CHECK_STR(remote_location_problem_text("s3:///app/", remote_location_check("s3:///app/")),
			  "The bucket name is missing.");
	CHECK_INT(remote_location_check("https://h/rel/?v=3"), REMOTE_LOCATION_QUERY);
	CHECK_INT(remote_location_check("https://u:pw@h/rel/"), REMOTE_LOCATION_CREDENTIALS);
	/* an '@' in the prefix is not a user name */
	CHECK_INT(remote_location_check("https://h/team@x/"), REMOTE_LOCATION_OK);
	CHECK_INT(remote_location_check("https://h/a b/"), REMOTE_LOCATION_SPACES);
	CHECK_INT(remote_location_check("https://h/a/../b/"), REMOTE_LOCATION_DOT_FOLDERS);
	CHECK_INT(remote_location_check("https://h/a/.."), REMOTE_LOCATION_DOT_FOLDERS);
	CHECK_INT(remote_location_check("s3://My_Bucket/app/"), REMOTE_LOCATION_BAD_BUCKET);
	CHECK_INT(remote_location_check("s3://ab/app/"), REMOTE_LOCATION_BAD_BUCKET);
	CHECK_STR(remote_location_normalize("HTTPS://h/rel"), "https://h/rel/");
	CHECK_STR(remote_location_normalize("S3://b-1/app/"), "s3://b-1/app/");
	CHECK_STR(remote_s3_region("ap-south-1"), "ap-south-1");

	base_opts(&o);
	/* https://: the name URI-encoded after the location */
	CHECK(remote_fetch_object(https, "V1__init.sql", NULL, &s3, &o, &r, &err));
	CHECK_STR(r.body, "CREATE TABLE t (id int);\n");
	CHECK(manifest_entry_from_content("V1__init.sql", "CREATE TABLE t (id int);\n", 25, &entry, &why));
	CHECK(remote_file_verify(https, &entry, &r, &err));
	entry.size = 3;
	CHECK(!remote_file_verify(https, &entry, &r, &err));
	CHECK_STR(err.sqlstate, "XX001");
	CHECK_STR(err.message, psprintf("script \"%sV1__init.sql\" does not match the manifest", https));
	fetch_response_free(&r);
	CHECK(!remote_fetch_object(https, "nope.sql", NULL, &s3, &o, &r, &err));
	CHECK_STR(err.sqlstate, "38000");
	CHECK_STR(err.message, psprintf("could not fetch \"%snope.sql\"", https));
	CHECK(err.detail != NULL && strstr(err.detail, "404") != NULL && err.hint == NULL);
	fetch_response_free(&r);
	/* the body of a file is no manifest */
	CHECK(remote_fetch_object(https, "V1__init.sql", NULL, &s3, &o, &r, &err));
	CHECK(remote_manifest_parse(https, &r, &err) == NULL);
	CHECK_STR(err.sqlstate, "22P02");
	CHECK_STR(err.message, psprintf("invalid manifest \"%spg_migrate.json\"", https));
	fetch_response_free(&r);

	/* s3://: bucket and key from the location, signed */
	CHECK(remote_fetch_object("s3://rel-bucket/app/", "sub dir/V2__caf\xc3\xa9+(1).sql", NULL,
							  &s3, &o, &r, &err));
	CHECK_STR(r.body, "SELECT 2;\n");
	fetch_response_free(&r);
	CHECK(remote_fetch_object("s3://rel-bucket/app/", MANIFEST_FILE_NAME, NULL, &s3, &o, &r, &err));
	m = remote_manifest_parse("s3://rel-bucket/app/", &r, &err);
	CHECK(m != NULL && strcmp(m->release, "r1") == 0);
	manifest_free(m);
	fetch_response_free(&r);
	CHECK(!remote_fetch_object("s3://rel-bucket/app/", "V9__nope.sql", NULL, &s3, &o, &r, &err));
	CHECK_STR(err.message, "could not fetch \"s3://rel-bucket/app/V9__nope.sql\"");
	NOSECRET(err.detail);
	fetch_response_free(&r);
}

static void
clear_aws_env(void)
{
	unsetenv("AWS_ACCESS_KEY_ID");
	unsetenv("AWS_SECRET_ACCESS_KEY");
	unsetenv("AWS_SESSION_TOKEN");
	unsetenv("AWS_CONTAINER_CREDENTIALS_RELATIVE_URI");
	unsetenv("AWS_CONTAINER_CREDENTIALS_FULL_URI");
	unsetenv("AWS_CONTAINER_AUTHORIZATION_TOKEN");
	unsetenv("AWS_CONTAINER_AUTHORIZATION_TOKEN_FILE");
	unsetenv("AWS_EC2_METADATA_SERVICE_ENDPOINT");
	unsetenv("AWS_EC2_METADATA_DISABLED");
}

static void
test_credentials(void)
{
	FetchOptions o;
	FetchResponse r;
	AwsCredentials c;
	char	   *err;
	char	   *s;
	time_t		t;
	FILE	   *f;
	char	   *endpoint = psprintf("https://127.0.0.1:%d", port_s3);
	S3Location l = {"rel-bucket", "app/V1__init.sql", "eu-west-1", endpoint};

	base_opts(&o);
	clear_aws_env();

	CHECK(aws_parse_timestamp("1970-01-02T00:00:00Z", &t) && t == 86400);
	CHECK(aws_parse_timestamp("2999-01-01T00:00:00.123Z", &t));
	CHECK(!aws_parse_timestamp("2999-01-01 00:00:00", &t));
	CHECK(!aws_parse_timestamp("2999-13-01T00:00:00Z", &t));

	/* explicit */
	CHECK(aws_credentials_resolve("AKIDPLAINTEST000001", "plainSecretKey/0123456789abcdefghijKLMN", "",
								  &o, &c, &err));
	CHECK_STR(c.source, "settings");
	CHECK(c.session_token == NULL && c.expiration == 0);
	CHECK(!aws_credentials_need_refresh(&c, time(NULL), 300));
	aws_credentials_free(&c);
	CHECK(!aws_credentials_resolve("AKIDPLAINTEST000001", "", NULL, &o, &c, &err));
	NOSECRET(err);

	/* environment */
	setenv("AWS_ACCESS_KEY_ID", "ASIATOKENTEST0000002", 1);
	setenv("AWS_SECRET_ACCESS_KEY", "tokenSecretKey/0123456789abcdefghijKLMN", 1);
	setenv("AWS_SESSION_TOKEN", "SessionTokenValue//FwoGZXIvYXdzEJr+test==", 1);
	CHECK(aws_credentials_resolve(NULL, NULL, NULL, &o, &c, &err));
	CHECK_STR(c.source, "environment");
	CHECK_STR(c.session_token, "SessionTokenValue//FwoGZXIvYXdzEJr+test==");
	CHECK_INT(fetch_s3(&l, &c, NULL, &o, &r), FETCH_OK);
	fetch_response_free(&r);
	aws_credentials_free(&c);
	unsetenv("AWS_SECRET_ACCESS_KEY");
	CHECK(!aws_credentials_resolve(NULL, NULL, NULL, &o, &c, &err));
	NOSECRET(err);
	clear_aws_env();

	/* container endpoint, token from the environment, then from a file */
	s = psprintf("http://127.0.0.1:%d/ecs/creds", port_meta);
	setenv("AWS_CONTAINER_CREDENTIALS_FULL_URI", s, 1);
	setenv("AWS_CONTAINER_AUTHORIZATION_TOKEN", "EcsAuthorizationToken-0123456789", 1);
	CHECK(aws_credentials_resolve(NULL, NULL, NULL, &o, &c, &err));
	if (c.access_key_id == NULL)
		fprintf(stderr, "  container: %s\n", err);
	CHECK_STR(c.source, "container");
	CHECK_STR(c.access_key_id, "ASIATOKENTEST0000002");
	CHECK(c.expiration > time(NULL));
	CHECK(!aws_credentials_need_refresh(&c, time(NULL), AWS_CREDENTIALS_REFRESH_MARGIN));
	CHECK(aws_credentials_need_refresh(&c, c.expiration - 100, AWS_CREDENTIALS_REFRESH_MARGIN));
	if (c.access_key_id)
	{
		CHECK_INT(fetch_s3(&l, &c, NULL, &o, &r), FETCH_OK);
		fetch_response_free(&r);
		aws_credentials_free(&c);
	}
	unsetenv("AWS_CONTAINER_AUTHORIZATION_TOKEN");
	s = psprintf("%s/ecs-token", certdir);
	f = fopen(s, "w");
	fputs("EcsAuthorizationToken-0123456789\n", f);
	fclose(f);
	setenv("AWS_CONTAINER_AUTHORIZATION_TOKEN_FILE", s, 1);
	CHECK(aws_credentials_resolve(NULL, NULL, NULL, &o, &c, &err));
	if (c.access_key_id)
		aws_credentials_free(&c);
	/* wrong token: 403, the token is not in the message */
	f = fopen(s, "w");
	fputs("EcsAuthorizationToken-0123456789-wrong\n", f);
	fclose(f);
	CHECK(!aws_credentials_resolve(NULL, NULL, NULL, &o, &c, &err));
	CHECK(strstr(err, "403") != NULL);
	NOSECRET(err);
	unsetenv("AWS_CONTAINER_AUTHORIZATION_TOKEN_FILE");
	/* broken body */
	s = psprintf("http://127.0.0.1:%d/ecs/broken", port_meta);
	setenv("AWS_CONTAINER_CREDENTIALS_FULL_URI", s, 1);
	CHECK(!aws_credentials_resolve(NULL, NULL, NULL, &o, &c, &err));
	CHECK(strstr(err, "JSON") != NULL);
	/* plain http only to metadata hosts */
	setenv("AWS_CONTAINER_CREDENTIALS_FULL_URI", "http://example.com/creds", 1);
	CHECK(!aws_credentials_resolve(NULL, NULL, NULL, &o, &c, &err));
	CHECK(strstr(err, "not an https URL") != NULL);
	clear_aws_env();

	/* EC2 IMDSv2 */
	s = psprintf("http://127.0.0.1:%d/", port_meta);
	setenv("AWS_EC2_METADATA_SERVICE_ENDPOINT", s, 1);
	CHECK(aws_credentials_resolve(NULL, NULL, NULL, &o, &c, &err));
	if (c.access_key_id == NULL)
		fprintf(stderr, "  imds: %s\n", err);
	CHECK_STR(c.source, "instance metadata");
	CHECK_STR(c.session_token, "SessionTokenValue//FwoGZXIvYXdzEJr+test==");
	if (c.access_key_id)
	{
		CHECK_INT(fetch_s3(&l, &c, NULL, &o, &r), FETCH_OK);
		fetch_response_free(&r);
		aws_credentials_free(&c);
	}
	/* IMDS down, and disabled */
	s = psprintf("http://127.0.0.1:%d", port_down);
	setenv("AWS_EC2_METADATA_SERVICE_ENDPOINT", s, 1);
	CHECK(!aws_credentials_resolve(NULL, NULL, NULL, &o, &c, &err));
	CHECK(strstr(err, "no AWS credentials found") != NULL);
	NOSECRET(err);
	setenv("AWS_EC2_METADATA_DISABLED", "true", 1);
	CHECK(!aws_credentials_resolve(NULL, NULL, NULL, &o, &c, &err));
	CHECK(strstr(err, "disabled") != NULL);
	clear_aws_env();
}

static void
read_ports(const char *file)
{
	FILE	   *f = fopen(file, "r");
	char		line[128];

	if (f == NULL)
	{
		fprintf(stderr, "cannot open %s\n", file);
		exit(2);
	}
	while (fgets(line, sizeof(line), f))
	{
		int			p;
		char		name[64];

		if (sscanf(line, "%63[^=]=%d", name, &p) != 2)
			continue;
		if (strcmp(name, "https") == 0)
			port_https = p;
		else if (strcmp(name, "badhost") == 0)
			port_badhost = p;
		else if (strcmp(name, "s3") == 0)
			port_s3 = p;
		else if (strcmp(name, "meta") == 0)
			port_meta = p;
		else if (strcmp(name, "down") == 0)
			port_down = p;
	}
	fclose(f);
}

/* Whether libcurl is mapped into this process. */
static bool
libcurl_mapped(void)
{
	FILE	   *f = fopen("/proc/self/maps", "r");
	char		line[1024];
	bool		found = false;

	if (f == NULL)
		return false;
	while (!found && fgets(line, sizeof(line), f) != NULL)
		found = strstr(line, "libcurl") != NULL;
	fclose(f);
	return found;
}

int
main(int argc, char **argv)
{
	if (argc != 3)
	{
		fprintf(stderr, "usage: test_fetch PORTS_FILE CERT_DIR\n");
		return 2;
	}
	read_ports(argv[1]);
	certdir = argv[2];
	ca_file = psprintf("%s/ca.crt", certdir);
	other_ca_file = psprintf("%s/other-ca.crt", certdir);

	CHECK(!libcurl_mapped());	/* opened by the first fetch (curl_api.c) */
	test_https_ok();
	CHECK(libcurl_mapped());
	test_connection_reuse();
	test_faults();
	test_redirects();
	test_special_files();
	test_tls();
	test_abort();
	test_s3_urls();
	test_s3();
	test_remote_location();
	test_credentials();
	/* cleanup, then a fetch re-initialises libcurl */
	fetch_cleanup();
	{
		FetchOptions o;
		FetchResponse r;

		base_opts(&o);
		CHECK_INT(fetch_https(url(port_https, "/files/V1__init.sql"), NULL, &o, &r), FETCH_OK);
		fetch_response_free(&r);
	}
	fetch_cleanup();
	CHECK(errors_checked >= 15);
	return unit_summary("fetch");
}
