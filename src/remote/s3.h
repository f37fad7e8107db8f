/*-------------------------------------------------------------------------
 *
 * s3.h
 *	  S3 GetObject on top of fetch.c, signed with AWS credentials
 *	  (aws_credentials.h).  Same rules and results as fetch.h's requests.
 *
 * IDENTIFICATION
 *	  src/remote/s3.h
 *
 *-------------------------------------------------------------------------
 */
#ifndef PG_MIGRATE_S3_H
#define PG_MIGRATE_S3_H

#include "aws_credentials.h"
#include "fetch.h"

/* Where an S3 object is and how to sign for it. */
typedef struct S3Location
{
	const char *bucket;
	const char *key;			/* object key, not URL-encoded */
	const char *region;			/* e.g. "eu-west-1"; required */
	const char *endpoint;		/* NULL/"" = AWS (virtual-hosted style);
								 * else "https://host[:port]" path style */
} S3Location;

/* GET an S3 object signed with SigV4 (GetObject). */
extern FetchStatus fetch_s3(const S3Location *loc, const AwsCredentials *creds,
							const char *if_none_match, const FetchOptions *opts,
							FetchResponse *resp);

/*
 * The https URL of an S3 object: virtual-hosted style on AWS
 * ("https://bucket.s3.region.amazonaws.com/key"; path style when the bucket
 * name has a dot, since the wildcard certificate would not match), path
 * style against an endpoint ("https://host:port/bucket/key").  The key is
 * URI-encoded as SigV4 wants it ('/' kept).  NULL and *errmsg on bad input.
 */
extern char *s3_object_url(const S3Location *loc, char **errmsg);

#endif							/* PG_MIGRATE_S3_H */
