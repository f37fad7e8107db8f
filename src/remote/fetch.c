/*-------------------------------------------------------------------------
 *
 * fetch.c
 *	  HTTPS and S3 downloads with libcurl for the sync worker and
 *	  migrate_sync(), written to be safe inside a PostgreSQL backend.
 *	  s3.c builds S3 GetObject requests on fetch_request.
 *
 * The rules (see the research note on libcurl in a backend):
 *
 *	- libcurl itself is opened by the first fetch (curl_api.c), so
 *	  sessions that never fetch do not load it.
 *	- curl_global_init is called lazily, once per process, by the first
 *	  fetch; never in the postmaster (refused there), because initialising
 *	  libcurl in the postmaster can make it multithreaded before it forks.
 *	  One easy handle per process is kept in static storage and reset before
 *	  every request, so the connection cache survives between requests.  In
 *	  a backend, fetch_cleanup is registered with on_proc_exit.
 *	- CURLOPT_NOSIGNAL=1: SIGALRM belongs to PostgreSQL's timeout machinery.
 *	- Protocols are "https" only; TLS verification is never turned off.
 *	- Redirects are followed here, not by libcurl (CURLOPT_FOLLOWLOCATION
 *	  off): CURLINFO_REDIRECT_URL gives the target, which must be https and
 *	  on the first URL's host and port, or on a host the caller allows
 *	  (FetchOptions.redirect_hosts); hosts and ports are compared as
 *	  libcurl's URL parser reads them.  A release server must not be able to
 *	  send the server's requests, and its trust, to any host it likes.
 *	- The CA file is opened non-blocking and must be a regular file before
 *	  libcurl opens it: a FIFO would block the process inside libcurl.
 *	- Nothing inside a libcurl callback can throw a PostgreSQL error (a
 *	  longjmp through libcurl would leak and corrupt its state):
 *	  the header callback copies the ETag into a fixed buffer; the progress
 *	  callback only calls the caller's abort callback (which must not throw
 *	  either); the write callback grows the body with
 *	  palloc_extended(MCXT_ALLOC_NO_OOM), which returns NULL instead of
 *	  throwing on out-of-memory, and pfree.  The buffer never exceeds
 *	  max_size + 1 <= FETCH_MAX_SIZE_LIMIT + 1 (512 MB), well below
 *	  MaxAllocSize, so palloc's other error ("invalid memory alloc request
 *	  size") cannot happen either.  (appendBinaryStringInfo would ereport
 *	  past 1 GB and on OOM, so it is not used.)  The body is palloc'd in the
 *	  caller's memory context, so an error raised later by the caller frees
 *	  it with the context.
 *	- curl_slist and CURLU objects (malloc'd by libcurl) are created only
 *	  after every palloc of the request is done, and freed before anything
 *	  is palloc'd again, so no PostgreSQL error can leak them; PG_TRY is not
 *	  needed.
 *	- Error strings are built from curl's error code and our own words,
 *	  with the URL reduced to scheme, host, port and path, and every secret
 *	  of the request masked as a last step.
 *
 * IDENTIFICATION
 *	  src/remote/fetch.c
 *
 *-------------------------------------------------------------------------
 */
#ifdef FRONTEND
#include "postgres_fe.h"
#else
#include "postgres.h"
#endif

#include <ctype.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include "lib/stringinfo.h"
#ifndef FRONTEND
#include "miscadmin.h"
#include "storage/ipc.h"
#endif

#include "curl_api.h"
#include "fetch.h"
#include "properties.h"

#define BACKOFF_SLICE_MS	50

/* Per-process libcurl state. */
static bool fetch_initialized = false;
static CURL *fetch_handle = NULL;

/* State shared with the callbacks of one attempt; no PG calls that throw. */
typedef struct TransferState
{
	const FetchOptions *opts;
	char	   *body;			/* palloc'd; NULL until the first byte */
	size_t		len;
	size_t		cap;
	bool		too_large;
	bool		out_of_memory;
	bool		aborted;
	char		etag[FETCH_MAX_ETAG_LEN + 1];
	bool		have_etag;
} TransferState;

static bool fetch_ensure_init(char **errmsg);
#ifndef FRONTEND
static void fetch_on_proc_exit(int code, Datum arg);
#endif
static size_t write_cb(char *data, size_t size, size_t nmemb, void *userp);
static size_t header_cb(char *data, size_t size, size_t nitems, void *userp);
static int	xferinfo_cb(void *userp, curl_off_t dltotal, curl_off_t dlnow,
						curl_off_t ultotal, curl_off_t ulnow);
static bool check_url(const char *url, bool allow_metadata_http, char **display,
					  char **errmsg);
static bool check_ca_file(const char *path, char **errmsg);
static bool redirect_allowed(const char *first, const char *to, const char *allowed,
							 char **errmsg);
static bool metadata_host(const char *host);
static bool should_abort(const FetchOptions *opts);
static bool backoff_sleep(const FetchOptions *opts, long delay_ms);
static void mask_secrets(char **msg, const FetchRequest *req);
static char *s3_error_summary(const char *body, size_t len);
static void reset_state(TransferState *st);

/*
 * fetch_options_init
 *		Defaults; the caller overrides from its settings.
 */
void
fetch_options_init(FetchOptions *opts)
{
	memset(opts, 0, sizeof(*opts));
	opts->connect_timeout_ms = 10000;
	opts->timeout_ms = 60000;
	opts->max_size = 10 * 1024 * 1024;
	opts->max_retries = 3;
	opts->retry_delay_ms = 200;
	opts->retry_max_delay_ms = 5000;
}

const char *
fetch_status_name(FetchStatus status)
{
	switch (status)
	{
		case FETCH_OK:
			return "ok";
		case FETCH_NOT_MODIFIED:
			return "not modified";
		case FETCH_HTTP_ERROR:
			return "HTTP error";
		case FETCH_NETWORK_ERROR:
			return "network error";
		case FETCH_TOO_LARGE:
			return "too large";
		case FETCH_REDIRECT_REFUSED:
			return "redirect refused";
		case FETCH_ABORTED:
			return "aborted";
		case FETCH_INVALID:
			return "invalid request";
	}
	return "unknown";
}

void
fetch_response_free(FetchResponse *resp)
{
	if (resp->body)
		pfree(resp->body);
	if (resp->etag)
		pfree(resp->etag);
	if (resp->error)
		pfree(resp->error);
	resp->body = resp->etag = resp->error = NULL;
	resp->body_len = 0;
}

/*
 * fetch_ensure_init
 *		Open libcurl, curl_global_init once per process, and the process's
 *		easy handle.  Never in the postmaster: not even the dlopen, whose
 *		library constructors could start threads there.
 */
static bool
fetch_ensure_init(char **errmsg)
{
#ifndef FRONTEND
	if (IsPostmasterEnvironment && !IsUnderPostmaster)
	{
		*errmsg = pstrdup("libcurl must not be used in the postmaster");
		return false;
	}
#endif
	if (!curl_api_load(errmsg))
		return false;
	if (!fetch_initialized)
	{
		CURLcode	rc = curl_global_init(CURL_GLOBAL_DEFAULT);

		if (rc != CURLE_OK)
		{
			*errmsg = psprintf("could not initialize libcurl: %s", curl_easy_strerror(rc));
			return false;
		}
		fetch_initialized = true;
#ifndef FRONTEND
		on_proc_exit(fetch_on_proc_exit, (Datum) 0);
#endif
	}
	if (fetch_handle == NULL)
	{
		fetch_handle = curl_easy_init();
		if (fetch_handle == NULL)
		{
			*errmsg = pstrdup("could not create a libcurl handle");
			return false;
		}
	}
	return true;
}

#ifndef FRONTEND
static void
fetch_on_proc_exit(int code, Datum arg)
{
	fetch_cleanup();
}
#endif

void
fetch_cleanup(void)
{
	if (fetch_handle != NULL)
	{
		curl_easy_cleanup(fetch_handle);
		fetch_handle = NULL;
	}
	if (fetch_initialized)
	{
		curl_global_cleanup();
		fetch_initialized = false;
	}
}

/*
 * write_cb
 *		Append to the body, never throwing: see the file header.
 */
static size_t
write_cb(char *data, size_t size, size_t nmemb, void *userp)
{
	TransferState *st = (TransferState *) userp;
	size_t		n = size * nmemb;

	if (n == 0)
		return 0;
	if (n > st->opts->max_size || st->len > st->opts->max_size - n)
	{
		st->too_large = true;
		return 0;				/* short count -> CURLE_WRITE_ERROR */
	}
	if (st->len + n + 1 > st->cap)
	{
		size_t		newcap = st->cap ? st->cap : 8192;
		char	   *nb;

		while (newcap < st->len + n + 1)
			newcap *= 2;
		if (newcap > st->opts->max_size + 1)
			newcap = st->opts->max_size + 1;
		nb = palloc_extended(newcap, MCXT_ALLOC_NO_OOM);
		if (nb == NULL)
		{
			st->out_of_memory = true;
			return 0;
		}
		if (st->body)
		{
			memcpy(nb, st->body, st->len);
			pfree(st->body);
		}
		st->body = nb;
		st->cap = newcap;
	}
	memcpy(st->body + st->len, data, n);
	st->len += n;
	st->body[st->len] = '\0';
	return n;
}

/*
 * header_cb
 *		Remember the ETag of the last response (a new status line starts a
 *		new response: redirects, 100-continue).
 */
static size_t
header_cb(char *data, size_t size, size_t nitems, void *userp)
{
	TransferState *st = (TransferState *) userp;
	size_t		n = size * nitems;

	if (n >= 5 && strncmp(data, "HTTP/", 5) == 0)
	{
		st->have_etag = false;
		st->etag[0] = '\0';
	}
	else if (n > 5 && pg_strncasecmp(data, "etag:", 5) == 0)
	{
		const char *v = data + 5;
		const char *e = data + n;

		while (v < e && (*v == ' ' || *v == '\t'))
			v++;
		while (e > v && (e[-1] == '\r' || e[-1] == '\n' || e[-1] == ' ' || e[-1] == '\t'))
			e--;
		if (e > v && (size_t) (e - v) <= FETCH_MAX_ETAG_LEN)
		{
			memcpy(st->etag, v, e - v);
			st->etag[e - v] = '\0';
			st->have_etag = true;
		}
		else
			st->have_etag = false;
	}
	return n;
}

static bool
should_abort(const FetchOptions *opts)
{
	return opts->abort_cb != NULL && opts->abort_cb(opts->abort_arg);
}

static int
xferinfo_cb(void *userp, curl_off_t dltotal, curl_off_t dlnow,
			curl_off_t ultotal, curl_off_t ulnow)
{
	TransferState *st = (TransferState *) userp;

	if (should_abort(st->opts))
	{
		st->aborted = true;
		return 1;				/* -> CURLE_ABORTED_BY_CALLBACK */
	}
	return 0;
}

/* Hosts to which plain http is allowed for the AWS metadata endpoints. */
static bool
metadata_host(const char *host)
{
	static const char *const hosts[] = {
		"169.254.169.254",		/* EC2 IMDS */
		"[fd00:ec2::254]",
		"169.254.170.2",		/* ECS task metadata */
		"169.254.170.23",		/* EKS pod identity */
		"[fd00:ec2::23]",
		"localhost",
		"[::1]",
	};
	int			i;

	for (i = 0; i < (int) lengthof(hosts); i++)
		if (pg_strcasecmp(host, hosts[i]) == 0)
			return true;
	return strncmp(host, "127.", 4) == 0 && strspn(host, "0123456789.") == strlen(host);
}

/*
 * check_url
 *		The URL must parse, be https (or http to a metadata host when allowed)
 *		and have no user info.  *display gets "scheme://host[:port]/path"
 *		for messages (no query, which may hold a signature).
 */
static bool
check_url(const char *url, bool allow_metadata_http, char **display, char **errmsg)
{
	CURLU	   *u = curl_url();
	char	   *scheme = NULL,
			   *host = NULL,
			   *port = NULL,
			   *path = NULL,
			   *user = NULL;
	bool		ok = false;
	const char *why = NULL;

	*display = NULL;
	if (u == NULL)
	{
		*errmsg = pstrdup("out of memory");
		return false;
	}
	if (url == NULL || curl_url_set(u, CURLUPART_URL, url, 0) != CURLUE_OK ||
		curl_url_get(u, CURLUPART_SCHEME, &scheme, 0) != CURLUE_OK ||
		curl_url_get(u, CURLUPART_HOST, &host, 0) != CURLUE_OK)
		why = "is not a valid URL";
	else
	{
		curl_url_get(u, CURLUPART_PORT, &port, 0);
		curl_url_get(u, CURLUPART_PATH, &path, 0);
		if (curl_url_get(u, CURLUPART_USER, &user, 0) == CURLUE_OK && user != NULL)
			why = "must not contain user information";
		else if (strcmp(scheme, "https") == 0)
			ok = true;
		else if (strcmp(scheme, "http") == 0 && allow_metadata_http && metadata_host(host))
			ok = true;
		else
			why = "is not an https URL";
	}

	/* copy out before any palloc, then free libcurl's strings */
	{
		char		buf[2048];

		if (host != NULL)
			snprintf(buf, sizeof(buf), "%s://%s%s%s%s", scheme, host,
					 port ? ":" : "", port ? port : "", path ? path : "/");
		else
			snprintf(buf, sizeof(buf), "(invalid URL)");
		curl_free(scheme);
		curl_free(host);
		curl_free(port);
		curl_free(path);
		curl_free(user);
		curl_url_cleanup(u);
		*display = pstrdup(buf);
	}
	if (!ok)
		*errmsg = psprintf("URL %s %s", *display, why);
	return ok;
}

/*
 * check_ca_file
 *		The CA file must be a regular file: libcurl (OpenSSL) opens it with
 *		a blocking open(), which a FIFO would never let return.  Opened
 *		non-blocking here and checked on the descriptor.  A file swapped for
 *		a FIFO after this check is the superuser's own doing (the setting is
 *		theirs, and so should be the file and its folder).
 */
static bool
check_ca_file(const char *path, char **errmsg)
{
	int			fd;

	if (path == NULL || path[0] == '\0')
		return true;
	fd = fetch_open_regular_file(path, "CA file", errmsg);
	if (fd < 0)
		return false;
	close(fd);
	return true;
}

/*
 * fetch_open_regular_file
 *		Open path for reading only if it is a regular file: a FIFO would block
 *		open() (and the process, beyond cancel and terminate) for good, so the
 *		kind is checked before open(), which is non-blocking, and again on the
 *		descriptor.  -1 with *errmsg naming what and path otherwise.
 */
int
fetch_open_regular_file(const char *path, const char *what, char **errmsg)
{
	struct stat st;
	int			fd;

	if (stat(path, &st) == 0 && !S_ISREG(st.st_mode))
	{
		*errmsg = psprintf("%s \"%s\" is not a regular file", what, path);
		return -1;
	}
	fd = open(path, O_RDONLY | O_NONBLOCK | O_NOCTTY | O_CLOEXEC);
	if (fd < 0)
	{
		*errmsg = psprintf("could not open %s \"%s\": %m", what, path);
		return -1;
	}
	if (fstat(fd, &st) < 0 || !S_ISREG(st.st_mode))
	{
		close(fd);
		*errmsg = psprintf("%s \"%s\" is not a regular file", what, path);
		return -1;
	}
	return fd;
}

/*
 * url_authority
 *		Scheme, host and port (the scheme's default when the URL has none) of
 *		a URL as libcurl reads it, copied into the caller's buffers; no
 *		palloc while the CURLU lives.  False if it does not parse or a part
 *		does not fit.
 */
static bool
url_authority(const char *url, char *scheme, char *host, size_t hostlen, char *port)
{
	CURLU	   *u = curl_url();
	char	   *s = NULL,
			   *h = NULL,
			   *p = NULL;
	bool		ok;

	if (u == NULL)
		return false;
	ok = curl_url_set(u, CURLUPART_URL, url, 0) == CURLUE_OK &&
		curl_url_get(u, CURLUPART_SCHEME, &s, 0) == CURLUE_OK &&
		curl_url_get(u, CURLUPART_HOST, &h, 0) == CURLUE_OK &&
		curl_url_get(u, CURLUPART_PORT, &p, CURLU_DEFAULT_PORT) == CURLUE_OK &&
		strlen(s) < 16 && strlen(h) < hostlen && strlen(p) < 16;
	if (ok)
	{
		strcpy(scheme, s);
		strcpy(host, h);
		strcpy(port, p);
	}
	curl_free(s);
	curl_free(h);
	curl_free(p);
	curl_url_cleanup(u);
	return ok;
}

/* Host names compare without case, IPv6 addresses with or without brackets. */
static bool
same_host(const char *a, size_t alen, const char *b)
{
	size_t		blen = strlen(b);

	if (alen >= 2 && a[0] == '[' && a[alen - 1] == ']')
	{
		a++;
		alen -= 2;
	}
	if (blen >= 2 && b[0] == '[' && b[blen - 1] == ']')
	{
		b++;
		blen -= 2;
	}
	return alen == blen && alen > 0 && pg_strncasecmp(a, b, alen) == 0;
}

static bool
host_listed(const char *host, const char *list)
{
	const char *cursor = list;
	const char *entry;
	size_t		len;

	while (properties_next_list_item(&cursor, &entry, &len))
		if (same_host(entry, len, host))
			return true;
	return false;
}

bool
fetch_redirect_hosts_valid(const char *list, char **errmsg)
{
	const char *cursor = list;
	const char *entry;
	size_t		len;

	while (properties_next_list_item(&cursor, &entry, &len))
	{
		bool		bracketed = len >= 2 && entry[0] == '[' && entry[len - 1] == ']';
		const char *allowed = bracketed ? "0123456789abcdefABCDEF:." :
			"abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789.-_";
		size_t		i;

		if (len == 0)
			continue;
		for (i = bracketed ? 1 : 0; i < (bracketed ? len - 1 : len); i++)
		{
			if (strchr(allowed, entry[i]) == NULL)
			{
				*errmsg = psprintf("\"%.*s\" is not a host name: give names such as cdn.example.com, "
								   "without scheme, port or path", (int) len, entry);
				return false;
			}
		}
		if (len > 255)
		{
			*errmsg = psprintf("a host name has at most 255 characters");
			return false;
		}
	}
	return true;
}

/*
 * redirect_allowed
 *		Whether a redirect to "to" may be followed in a fetch that began at
 *		"first": https, and the same host and port, or a host of the list
 *		"allowed".  Every hop is compared with the first URL, not with the
 *		previous hop.  *errmsg names both hosts, never the query string.
 */
static bool
redirect_allowed(const char *first, const char *to, const char *allowed, char **errmsg)
{
	char		from_scheme[16],
				from_host[256],
				from_port[16];
	char		to_scheme[16],
				to_host[256],
				to_port[16];
	char	   *display = NULL;
	char	   *err = NULL;

	if (!url_authority(to, to_scheme, to_host, sizeof(to_host), to_port) ||
		!url_authority(first, from_scheme, from_host, sizeof(from_host), from_port))
	{
		*errmsg = pstrdup("redirected to a URL that is not valid");
		return false;
	}
	if (strcmp(to_scheme, "https") != 0)
	{
		(void) check_url(to, false, &display, &err);
		*errmsg = psprintf("redirected to a URL that is not https (%s)", display);
		return false;
	}
	if (!check_url(to, false, &display, &err))
	{
		*errmsg = psprintf("redirected: %s", err);
		return false;
	}
	if ((pg_strcasecmp(to_host, from_host) == 0 && strcmp(to_port, from_port) == 0) ||
		(allowed != NULL && host_listed(to_host, allowed)))
	{
		pfree(display);
		return true;
	}
	*errmsg = psprintf("redirected to %s, on host %s port %s, but only redirects to the "
					   "location's host %s port %s, or to an allowed host, are followed",
					   display, to_host, to_port, from_host, from_port);
	pfree(display);
	return false;
}

/* Sleep delay_ms in slices, polling the abort callback; false = aborted. */
static bool
backoff_sleep(const FetchOptions *opts, long delay_ms)
{
	while (delay_ms > 0)
	{
		long		slice = Min(delay_ms, BACKOFF_SLICE_MS);

		if (should_abort(opts))
			return false;
		pg_usleep(slice * 1000L);
		delay_ms -= slice;
	}
	return !should_abort(opts);
}

/* Replace every occurrence of each secret (4+ chars) in *msg by "***". */
static void
mask_secrets(char **msg, const FetchRequest *req)
{
	const char *all[16];
	int			n = 0;
	int			i;

	if (*msg == NULL)
		return;
	if (req->aws_access_key_id)
		all[n++] = req->aws_access_key_id;
	if (req->aws_secret_access_key)
		all[n++] = req->aws_secret_access_key;
	for (i = 0; i < req->nsecrets && n < (int) lengthof(all); i++)
		if (req->secrets[i])
			all[n++] = req->secrets[i];
	for (i = 0; i < n; i++)
	{
		size_t		slen = strlen(all[i]);
		char	   *hit;

		if (slen < 4)
			continue;
		while ((hit = strstr(*msg, all[i])) != NULL)
		{
			char	   *m = psprintf("%.*s***%s", (int) (hit - *msg), *msg, hit + slen);

			pfree(*msg);
			*msg = m;
		}
	}
}

/*
 * s3_error_summary
 *		"Code: Message" from an S3 (or S3-like) XML error body, printable
 *		ASCII only, or NULL.  Only these two elements are used: others
 *		(StringToSign, CanonicalRequest, AWSAccessKeyId) describe credentials.
 */
static char *
s3_error_summary(const char *body, size_t len)
{
	const char *tags[2] = {"Code", "Message"};
	char		parts[2][201];
	int			t;

	if (body == NULL || len == 0 || memchr(body, '\0', len) != NULL)
		return NULL;
	for (t = 0; t < 2; t++)
	{
		char		open[16],
					close[16];
		const char *s,
				   *e;
		size_t		k,
					o = 0;

		parts[t][0] = '\0';
		snprintf(open, sizeof(open), "<%s>", tags[t]);
		snprintf(close, sizeof(close), "</%s>", tags[t]);
		s = strstr(body, open);
		if (s == NULL)
			continue;
		s += strlen(open);
		e = strstr(s, close);
		if (e == NULL)
			continue;
		for (k = 0; s + k < e && o < 200; k++)
		{
			unsigned char c = (unsigned char) s[k];

			parts[t][o++] = (c >= 0x20 && c < 0x7f) ? (char) c : '?';
		}
		parts[t][o] = '\0';
	}
	if (parts[0][0] == '\0')
		return NULL;
	if (parts[1][0] == '\0')
		return pstrdup(parts[0]);
	return psprintf("%s: %s", parts[0], parts[1]);
}

static void
reset_state(TransferState *st)
{
	if (st->body)
		pfree(st->body);
	st->body = NULL;
	st->len = st->cap = 0;
	st->too_large = st->out_of_memory = st->aborted = false;
	st->have_etag = false;
	st->etag[0] = '\0';
}

/* Which curl errors are worth another attempt. */
static bool
curl_error_retryable(CURLcode rc)
{
	switch (rc)
	{
		case CURLE_COULDNT_RESOLVE_HOST:
		case CURLE_COULDNT_CONNECT:
		case CURLE_OPERATION_TIMEDOUT:
		case CURLE_SEND_ERROR:
		case CURLE_RECV_ERROR:
		case CURLE_GOT_NOTHING:
		case CURLE_PARTIAL_FILE:
		case CURLE_SSL_CONNECT_ERROR:
		case CURLE_HTTP2:
		case CURLE_HTTP2_STREAM:
			return true;
		default:
			return false;
	}
}

/*
 * fetch_request
 *		See fetch.h.  One attempt per loop iteration; every palloc of an
 *		iteration happens before the slist is built or after it is freed.
 */
FetchStatus
fetch_request(const FetchRequest *req, const FetchOptions *opts, FetchResponse *resp)
{
	TransferState st;
	char	   *display = NULL;
	char	   *err = NULL;
	char	  **hdr_lines;
	int			nhdr = 0;
	int			i;
	size_t		max_size;
	long		delay;
	FetchOptions eff;
	bool		is_put = req->method != NULL && strcmp(req->method, "PUT") == 0;
	const char *url = req->url; /* the redirect being followed, if any */
	int			redirects = 0;
	int			failures = 0;

	memset(resp, 0, sizeof(*resp));
	memset(&st, 0, sizeof(st));

	if (req->method != NULL && !is_put && strcmp(req->method, "GET") != 0)
	{
		resp->status = FETCH_INVALID;
		resp->error = psprintf("unsupported method \"%s\"", req->method);
		return resp->status;
	}
	if (!fetch_ensure_init(&err) ||
		!check_url(req->url, req->allow_metadata_http, &display, &err) ||
		!check_ca_file(opts->ca_file, &err))
	{
		resp->status = FETCH_INVALID;
		resp->error = err;
		mask_secrets(&resp->error, req);
		if (display)
			pfree(display);
		return resp->status;
	}

	eff = *opts;
	max_size = opts->max_size;
	if (max_size == 0 || max_size > FETCH_MAX_SIZE_LIMIT)
		max_size = FETCH_MAX_SIZE_LIMIT;
	eff.max_size = max_size;
	st.opts = &eff;

	/* header lines, palloc'd now so nothing is palloc'd while the slist lives */
	hdr_lines = palloc(sizeof(char *) * (req->nheaders + 2));
	for (i = 0; i < req->nheaders; i++)
		hdr_lines[nhdr++] = pstrdup(req->headers[i]);
	if (req->if_none_match != NULL && req->if_none_match[0] != '\0')
		hdr_lines[nhdr++] = psprintf("If-None-Match: %s", req->if_none_match);

	delay = opts->retry_delay_ms > 0 ? opts->retry_delay_ms : 0;
	for (;;)
	{
		struct curl_slist *slist = NULL;
		CURL	   *h = fetch_handle;
		CURLcode	rc;
		long		code = 0;
		bool		slist_failed = false;
		bool		retry = false;
		char		errbuf[CURL_ERROR_SIZE];
		char		redirect[FETCH_MAX_URL_LEN];
		bool		redirect_too_long = false;

		if (should_abort(opts))
		{
			resp->status = FETCH_ABORTED;
			resp->error = psprintf("fetch of %s was aborted", display);
			break;
		}
		reset_state(&st);
		resp->attempts++;
		errbuf[0] = '\0';
		redirect[0] = '\0';

		/* --- no palloc from here until the slist is freed --- */
		for (i = 0; i < nhdr; i++)
		{
			struct curl_slist *n = curl_slist_append(slist, hdr_lines[i]);

			if (n == NULL)
			{
				slist_failed = true;
				break;
			}
			slist = n;
		}
		curl_easy_reset(h);
		curl_easy_setopt(h, CURLOPT_URL, url);
		curl_easy_setopt(h, CURLOPT_NOSIGNAL, 1L);
		curl_easy_setopt(h, CURLOPT_ERRORBUFFER, errbuf);
		curl_easy_setopt(h, CURLOPT_PROTOCOLS_STR, req->allow_metadata_http ? "http,https" : "https");
		curl_easy_setopt(h, CURLOPT_REDIR_PROTOCOLS_STR, "https");
		curl_easy_setopt(h, CURLOPT_FOLLOWLOCATION, 0L);	/* followed below */
		curl_easy_setopt(h, CURLOPT_SSL_VERIFYPEER, 1L);
		curl_easy_setopt(h, CURLOPT_SSL_VERIFYHOST, 2L);
		if (opts->ca_file != NULL && opts->ca_file[0] != '\0')
			curl_easy_setopt(h, CURLOPT_CAINFO, opts->ca_file);
		curl_easy_setopt(h, CURLOPT_CONNECTTIMEOUT_MS, opts->connect_timeout_ms > 0 ? opts->connect_timeout_ms : 10000L);
		if (opts->timeout_ms > 0)
			curl_easy_setopt(h, CURLOPT_TIMEOUT_MS, opts->timeout_ms);
		curl_easy_setopt(h, CURLOPT_MAXFILESIZE_LARGE, (curl_off_t) max_size);
		curl_easy_setopt(h, CURLOPT_USERAGENT, opts->user_agent ? opts->user_agent : "pg_migrate");
		curl_easy_setopt(h, CURLOPT_WRITEFUNCTION, write_cb);
		curl_easy_setopt(h, CURLOPT_WRITEDATA, &st);
		curl_easy_setopt(h, CURLOPT_HEADERFUNCTION, header_cb);
		curl_easy_setopt(h, CURLOPT_HEADERDATA, &st);
		curl_easy_setopt(h, CURLOPT_NOPROGRESS, 0L);
		curl_easy_setopt(h, CURLOPT_XFERINFOFUNCTION, xferinfo_cb);
		curl_easy_setopt(h, CURLOPT_XFERINFODATA, &st);
		curl_easy_setopt(h, CURLOPT_PATH_AS_IS, 1L);
		if (is_put)
		{
			curl_easy_setopt(h, CURLOPT_CUSTOMREQUEST, "PUT");
			curl_easy_setopt(h, CURLOPT_POSTFIELDS, "");
			curl_easy_setopt(h, CURLOPT_POSTFIELDSIZE, 0L);
		}
		if (req->aws_sigv4 != NULL)
		{
			curl_easy_setopt(h, CURLOPT_AWS_SIGV4, req->aws_sigv4);
			curl_easy_setopt(h, CURLOPT_USERNAME, req->aws_access_key_id);
			curl_easy_setopt(h, CURLOPT_PASSWORD, req->aws_secret_access_key);
		}
		if (slist != NULL)
			curl_easy_setopt(h, CURLOPT_HTTPHEADER, slist);

		rc = slist_failed ? CURLE_OUT_OF_MEMORY : curl_easy_perform(h);
		curl_easy_getinfo(h, CURLINFO_RESPONSE_CODE, &code);
		if (rc == CURLE_OK && req->follow_redirects && !is_put &&
			(code == 301 || code == 302 || code == 303 || code == 307 || code == 308))
		{
			char	   *target = NULL;

			/* libcurl's string lives until the reset below: copy it */
			if (curl_easy_getinfo(h, CURLINFO_REDIRECT_URL, &target) == CURLE_OK &&
				target != NULL && strlcpy(redirect, target, sizeof(redirect)) >= sizeof(redirect))
			{
				redirect[0] = '\0';
				redirect_too_long = true;
			}
		}

		/* drop everything that refers to the slist and the secrets */
		curl_easy_reset(h);
		curl_slist_free_all(slist);
		/* --- palloc allowed again --- */

		resp->http_status = code;
		if (redirect[0] != '\0' || redirect_too_long)
		{
			char	   *why = NULL;

			if (redirect_too_long || ++redirects > FETCH_MAX_REDIRECTS)
			{
				resp->status = FETCH_NETWORK_ERROR;
				resp->error = redirect_too_long ?
					psprintf("could not fetch %s: redirected to a URL longer than %d bytes",
							 display, FETCH_MAX_URL_LEN - 1) :
					psprintf("could not fetch %s: more than %d redirects", display,
							 FETCH_MAX_REDIRECTS);
				break;
			}
			if (!redirect_allowed(req->url, redirect, opts->redirect_hosts, &why))
			{
				resp->status = FETCH_REDIRECT_REFUSED;
				resp->error = psprintf("could not fetch %s: %s", display, why);
				break;
			}
			if (url != req->url)
				pfree((char *) url);
			url = pstrdup(redirect);
			continue;			/* the next hop: not a retry */
		}
		if (rc == CURLE_OK)
		{
			if (code == 304 && req->if_none_match != NULL && req->if_none_match[0] != '\0')
			{
				resp->status = FETCH_NOT_MODIFIED;
				resp->etag = st.have_etag ? pstrdup(st.etag) : pstrdup(req->if_none_match);
			}
			else if (code >= 200 && code < 300)
			{
				resp->status = FETCH_OK;
				if (st.body == NULL)
					st.body = palloc0(1);
				resp->body = st.body;
				resp->body_len = st.len;
				st.body = NULL;
				if (st.have_etag)
					resp->etag = pstrdup(st.etag);
			}
			else
			{
				char	   *summary = s3_error_summary(st.body, st.len);

				resp->status = FETCH_HTTP_ERROR;
				resp->error = psprintf("%s returned HTTP status %ld%s%s%s", display, code,
									   summary ? " (" : "", summary ? summary : "",
									   summary ? ")" : "");
				retry = code >= 500 && code <= 599;
				if (summary)
					pfree(summary);
			}
		}
		else if (rc == CURLE_ABORTED_BY_CALLBACK || st.aborted)
		{
			resp->status = FETCH_ABORTED;
			resp->error = psprintf("fetch of %s was aborted", display);
		}
		else if (st.too_large || rc == CURLE_FILESIZE_EXCEEDED)
		{
			resp->status = FETCH_TOO_LARGE;
			resp->error = psprintf("%s is larger than the limit of %zu bytes", display, max_size);
		}
		else if (st.out_of_memory || rc == CURLE_OUT_OF_MEMORY)
		{
			resp->status = FETCH_NETWORK_ERROR;
			resp->error = psprintf("could not fetch %s: out of memory", display);
		}
		else if (rc == CURLE_PEER_FAILED_VERIFICATION)
		{
			resp->status = FETCH_NETWORK_ERROR;
			resp->error = psprintf("could not fetch %s: the server's TLS certificate was not accepted (%s)",
								   display, errbuf[0] ? errbuf : curl_easy_strerror(rc));
		}
		else if (rc == CURLE_OPERATION_TIMEDOUT)
		{
			resp->status = FETCH_NETWORK_ERROR;
			resp->error = psprintf("could not fetch %s: timed out", display);
			retry = true;
		}
		else
		{
			resp->status = FETCH_NETWORK_ERROR;
			resp->error = psprintf("could not fetch %s: %s", display,
								   errbuf[0] ? errbuf : curl_easy_strerror(rc));
			retry = curl_error_retryable(rc);
		}

		failures++;
		if (!retry || failures > opts->max_retries)
			break;

		/* another attempt after a backoff */
		if (!backoff_sleep(opts, delay))
		{
			pfree(resp->error);
			resp->status = FETCH_ABORTED;
			resp->error = psprintf("fetch of %s was aborted", display);
			break;
		}
		delay = delay * 2;
		if (opts->retry_max_delay_ms > 0 && delay > opts->retry_max_delay_ms)
			delay = opts->retry_max_delay_ms;
		pfree(resp->error);
		resp->error = NULL;
	}

	if (resp->status != FETCH_OK && resp->status != FETCH_NOT_MODIFIED && failures > 1 &&
		resp->error != NULL)
	{
		char	   *m = psprintf("%s (after %d attempts)", resp->error, failures);

		pfree(resp->error);
		resp->error = m;
	}
	reset_state(&st);
	for (i = 0; i < nhdr; i++)
	{
		explicit_bzero(hdr_lines[i], strlen(hdr_lines[i]));	/* may hold a token */
		pfree(hdr_lines[i]);
	}
	pfree(hdr_lines);
	pfree(display);
	if (url != req->url)
		pfree((char *) url);
	mask_secrets(&resp->error, req);
	return resp->status;
}

FetchStatus
fetch_https(const char *url, const char *if_none_match, const FetchOptions *opts,
			FetchResponse *resp)
{
	FetchRequest req;

	memset(&req, 0, sizeof(req));
	req.url = url;
	req.if_none_match = if_none_match;
	req.follow_redirects = true;
	return fetch_request(&req, opts, resp);
}

/*
 * fetch_uri_encode_path
 *		SigV4 UriEncode of an object key, keeping '/'.  libcurl 7.88 signs
 *		the path exactly as given in the URL, and S3 canonicalises the key
 *		with this same encoding, so the two agree.
 */
char *
fetch_uri_encode_path(const char *path)
{
	static const char hex[] = "0123456789ABCDEF";
	StringInfoData buf;
	const unsigned char *p;

	initStringInfo(&buf);
	for (p = (const unsigned char *) path; *p; p++)
	{
		if ((*p >= 'A' && *p <= 'Z') || (*p >= 'a' && *p <= 'z') ||
			(*p >= '0' && *p <= '9') || *p == '-' || *p == '_' || *p == '.' ||
			*p == '~' || *p == '/')
			appendStringInfoChar(&buf, (char) *p);
		else
		{
			appendStringInfoChar(&buf, '%');
			appendStringInfoChar(&buf, hex[*p >> 4]);
			appendStringInfoChar(&buf, hex[*p & 0xf]);
		}
	}
	return buf.data;
}
