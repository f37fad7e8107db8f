/*
 * test_jdbc_url.c
 *	  Unit tests of client/jdbc_url.c: Flyway's JDBC URLs as libpq keywords.
 */
#include "postgres_fe.h"

#include "jdbc_url.h"
#include "unit.h"

int
main(void)
{
	JdbcUrl		u;
	char	   *err = NULL;

	CHECK(jdbc_url_is_jdbc("jdbc:postgresql://h/db"));
	CHECK(jdbc_url_is_jdbc("JDBC:postgresql://h/db"));
	CHECK(!jdbc_url_is_jdbc("postgresql://h/db"));
	CHECK(!jdbc_url_is_jdbc("host=h dbname=db"));

	CHECK(jdbc_url_parse("jdbc:postgresql://db.example.com:6543/app", &u, &err));
	CHECK_STR(u.hosts, "db.example.com");
	CHECK_STR(u.ports, "6543");
	CHECK_STR(u.dbname, "app");
	CHECK(u.sslmode == NULL && u.ignored == NULL);
	jdbc_url_free(&u);

	/* the default port; no database */
	CHECK(jdbc_url_parse("jdbc:postgresql://db.example.com", &u, &err));
	CHECK_STR(u.ports, "5432");
	CHECK(u.dbname == NULL);
	jdbc_url_free(&u);

	/* several hosts, IPv6, targetServerType */
	CHECK(jdbc_url_parse("jdbc:postgresql://a:1,b,[::1]:3/x?targetServerType=primary", &u, &err));
	CHECK_STR(u.hosts, "a,b,::1");
	CHECK_STR(u.ports, "1,5432,3");
	CHECK_STR(u.target_session_attrs, "read-write");
	jdbc_url_free(&u);

	/* every mapped parameter, percent-decoded, names in any case */
	CHECK(jdbc_url_parse("jdbc:postgresql://h:5432/my%20db?USER=flyway&password=p%40ss%26"
						 "&sslmode=verify-ca&sslrootcert=/ca.pem&sslcert=/c.pem&sslkey=/k.pem"
						 "&ApplicationName=deploy&connectTimeout=7&currentSchema=app", &u, &err));
	CHECK_STR(u.dbname, "my db");
	CHECK_STR(u.user, "flyway");
	CHECK_STR(u.password, "p@ss&");
	CHECK_STR(u.sslmode, "verify-ca");
	CHECK_STR(u.sslrootcert, "/ca.pem");
	CHECK_STR(u.sslcert, "/c.pem");
	CHECK_STR(u.sslkey, "/k.pem");
	CHECK_STR(u.application_name, "deploy");
	CHECK_STR(u.connect_timeout, "7");
	CHECK_STR(u.options, "-c search_path=app");
	jdbc_url_free(&u);

	/* ssl=true is verify-full; an explicit sslmode wins */
	CHECK(jdbc_url_parse("jdbc:postgresql://h?ssl=true", &u, &err));
	CHECK_STR(u.hosts, "h");
	CHECK_STR(u.sslmode, "verify-full");
	jdbc_url_free(&u);
	CHECK(jdbc_url_parse("jdbc:postgresql://h/d?sslmode=require&ssl=true", &u, &err));
	CHECK_STR(u.sslmode, "require");
	jdbc_url_free(&u);

	/* driver-only parameters are listed, not dropped silently */
	CHECK(jdbc_url_parse("jdbc:postgresql://h/d?prepareThreshold=0&socketTimeout=30"
						 "&targetServerType=preferSecondary", &u, &err));
	CHECK_STR(u.ignored, "prepareThreshold,socketTimeout,targetServerType");
	jdbc_url_free(&u);

	/* a stray % stays as it is */
	CHECK(jdbc_url_parse("jdbc:postgresql://h/d%zz%4", &u, &err));
	CHECK_STR(u.dbname, "d%zz%4");
	jdbc_url_free(&u);

	/* errors */
	CHECK(!jdbc_url_parse("jdbc:mysql://h/db", &u, &err));
	CHECK(err && strstr(err, "jdbc:postgresql://"));
	CHECK(!jdbc_url_parse("jdbc:postgresql:db", &u, &err));
	CHECK(!jdbc_url_parse("jdbc:postgresql://h:5x/db", &u, &err));
	CHECK_STR(err, "the URL has a non-numeric port");
	CHECK(!jdbc_url_parse("jdbc:postgresql://[::1/db", &u, &err));
	CHECK_STR(err, "the URL has an unterminated [IPv6] host");
	CHECK(!jdbc_url_parse("jdbc:postgresql://:5432/db", &u, &err));
	CHECK_STR(err, "the URL has an empty host name");
	CHECK(!jdbc_url_parse("jdbc:postgresql://h,,k/db", &u, &err));

	return unit_summary("jdbc_url");
}
