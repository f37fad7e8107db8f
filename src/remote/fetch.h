/*-------------------------------------------------------------------------
 *
 * fetch.h
 *	  HTTPS and S3 downloads with libcurl, safe inside a PostgreSQL backend
 *	  or background worker.  S3 objects and their signing: s3.h.
 *
 * What the caller gets:
 *	- libcurl is initialised lazily, once per process, on the first fetch
 *	  (never in the postmaster); one easy handle per process is reused, so
 *	  connections to the same host are kept alive between fetches.  In a
 *	  backend, cleanup is registered with on_proc_exit; frontend programs call
 *	  fetch_cleanup().
 *	- https only, for the first request and for redirects; TLS verification
 *	  always on (a CA file may be given; NULL or "" = the system bundle; it
 *	  must be a regular file, so that a FIFO cannot block the process).
 *	- redirects (fetch_https only) are followed by fetch.c itself, at most
 *	  FETCH_MAX_REDIRECTS of them, and only to the first URL's host and port
 *	  or to a host of FetchOptions.redirect_hosts; another is refused
 *	  (FETCH_REDIRECT_REFUSED) with a message naming both hosts.
 *	  The one exception is fetch_request() with allow_metadata_http, used by
 *	  aws_credentials.c for the ECS and EC2 metadata endpoints, which are
 *	  plain http on link-local (or loopback) addresses.
 *	- connect and total timeouts; a body size cap; retries with exponential
 *	  backoff on 5xx and network errors, never on 4xx.
 *	- an abort callback, polled during transfers and between retries, so a
 *	  backend can stop on cancel or terminate.  It must only read flags
 *	  (QueryCancelPending, ProcDiePending, ...) and must not ereport: it runs
 *	  inside libcurl.  After fetch_* returns FETCH_ABORTED the backend calls
 *	  CHECK_FOR_INTERRUPTS() itself.
 *	- no PostgreSQL error is ever thrown from inside libcurl; errors are
 *	  returned in the response as a sentence that never contains credentials
 *	  (access key id, secret, session token, authorization tokens) nor the
 *	  query string or user info of a URL.
 *
 * Results are palloc'd in CurrentMemoryContext.
 *
 *-------------------------------------------------------------------------
 */
#ifndef PG_MIGRATE_FETCH_H
#define PG_MIGRATE_FETCH_H

/*
 * Upper bound for FetchOptions.max_size.  Well below MaxAllocSize (1 GB) so
 * the body buffer, grown inside libcurl's write callback, can never make
 * palloc throw "invalid memory alloc request size"; see fetch.c.
 */
#define FETCH_MAX_SIZE_LIMIT	((size_t) 512 * 1024 * 1024)

/* Redirects followed by one fetch, and the longest redirect URL. */
#define FETCH_MAX_REDIRECTS		5
#define FETCH_MAX_URL_LEN		8192

/* Longest ETag kept; a longer one is ignored (treated as absent). */
#define FETCH_MAX_ETAG_LEN		255

/* Returns true to abort the transfer.  Must not ereport or allocate. */
typedef bool (*FetchAbortCallback) (void *arg);

typedef struct FetchOptions
{
	const char *ca_file;		/* NULL or "" = system bundle */
	long		connect_timeout_ms; /* per attempt */
	long		timeout_ms;		/* whole transfer, per attempt */
	size_t		max_size;		/* body cap, bytes (<= FETCH_MAX_SIZE_LIMIT) */
	int			max_retries;	/* extra attempts on 5xx/network errors */
	long		retry_delay_ms; /* first backoff, doubled each retry */
	long		retry_max_delay_ms; /* backoff ceiling */
	FetchAbortCallback abort_cb;	/* NULL = never abort */
	void	   *abort_arg;
	const char *user_agent;		/* NULL = "pg_migrate" */
	const char *redirect_hosts; /* other hosts redirects may go to: names
								 * separated by commas; NULL or "" = none */
} FetchOptions;

typedef enum FetchStatus
{
	FETCH_OK,					/* 2xx; body set */
	FETCH_NOT_MODIFIED,			/* 304 to If-None-Match; no body */
	FETCH_HTTP_ERROR,			/* any other HTTP status (after retries) */
	FETCH_NETWORK_ERROR,		/* DNS, connect, TLS, timeout, truncated... */
	FETCH_TOO_LARGE,			/* body over max_size */
	FETCH_REDIRECT_REFUSED,		/* redirected to another host, or not https */
	FETCH_ABORTED,				/* the abort callback asked to stop */
	FETCH_INVALID				/* bad URL or arguments; nothing sent */
} FetchStatus;

typedef struct FetchResponse
{
	FetchStatus status;
	long		http_status;	/* last HTTP status, 0 if none */
	char	   *body;			/* palloc'd, NUL-terminated; NULL unless 2xx */
	size_t		body_len;
	char	   *etag;			/* palloc'd ETag as sent (quotes kept), or NULL */
	char	   *error;			/* palloc'd sentence; NULL on OK/NOT_MODIFIED */
	int			attempts;		/* requests made */
} FetchResponse;

/* A low-level request (fetch_https and s3.c's fetch_s3 are built on it). */
typedef struct FetchRequest
{
	const char *method;			/* "GET" (NULL) or "PUT" (empty body) */
	const char *url;
	const char *const *headers; /* "Name: value" lines, nheaders of them */
	int			nheaders;
	const char *if_none_match;	/* ETag for a conditional GET, or NULL */
	bool		follow_redirects;	/* GET only; see redirects above */
	bool		allow_metadata_http;	/* see above; http only to metadata hosts */
	const char *aws_sigv4;		/* CURLOPT_AWS_SIGV4 param, or NULL */
	const char *aws_access_key_id;	/* with aws_sigv4 */
	const char *aws_secret_access_key;
	const char *const *secrets; /* strings to mask in error messages */
	int			nsecrets;
} FetchRequest;

/* Defaults: 10 s connect, 60 s total, 10 MB cap, 3 retries from 200 ms to 5 s. */
extern void fetch_options_init(FetchOptions *opts);

/* GET an https URL; if_none_match may be NULL. Returns resp->status. */
extern FetchStatus fetch_https(const char *url, const char *if_none_match,
							   const FetchOptions *opts, FetchResponse *resp);

/* The lower-level request used by fetch_https, s3.c and aws_credentials.c. */
extern FetchStatus fetch_request(const FetchRequest *req, const FetchOptions *opts,
								 FetchResponse *resp);

/* URI-encode a key the SigV4 way: unreserved and '/' kept, %XX upper case. */
extern char *fetch_uri_encode_path(const char *path);

/*
 * Whether a FetchOptions.redirect_hosts value is well formed: host names or
 * addresses (an IPv6 one in brackets) separated by commas, without scheme,
 * port or path.  *errmsg says what is wrong.
 */
extern bool fetch_redirect_hosts_valid(const char *list, char **errmsg);

/* Name of a status, for messages and tests ("ok", "not modified", ...). */
extern const char *fetch_status_name(FetchStatus status);

/* A descriptor of path if it is a regular file (never blocks on a FIFO); else -1, *errmsg. */
extern int	fetch_open_regular_file(const char *path, const char *what, char **errmsg);

/* Free the response's allocations (not the struct); safe to call twice. */
extern void fetch_response_free(FetchResponse *resp);

/* Drop the cached handle and call curl_global_cleanup (frontend, tests). */
extern void fetch_cleanup(void);

#endif							/* PG_MIGRATE_FETCH_H */
