# f. A non-superuser granted EXECUTE migrates; the worker runs as that role
#    (current_user and session_user inside a migration, installed_by); a SET
#    ROLE inside one migration does not leak into the next (Flyway resets it).
# g. No background worker slot free: a clear error with a hint, and
#    single_transaction => true still works.
# h. statement_timeout set in the session applies to the statements of a
#    migration run by the worker.
use strict;
use warnings;
use File::Basename qw(dirname);
use Cwd qw(abs_path);
use Time::HiRes qw(time);
use PostgreSQL::Test::Cluster;
use PostgreSQL::Test::Utils;
use Test::More;

my $root = abs_path(dirname(__FILE__) . '/../test/migrations');

my $node = PostgreSQL::Test::Cluster->new('roles');
$node->init;
$node->start;

# --- f. non-superuser --------------------------------------------------------
{
	my $db = 'roledb';
	$node->safe_psql('postgres', "CREATE DATABASE $db");
	$node->safe_psql(
		$db, qq{
CREATE EXTENSION pg_migrate;
CREATE ROLE app_migrator LOGIN NOSUPERUSER;
CREATE ROLE other_role NOLOGIN;
GRANT other_role TO app_migrator;
GRANT CREATE ON SCHEMA public TO app_migrator;
GRANT EXECUTE ON FUNCTION migrate_apply(text, jsonb, boolean, boolean) TO app_migrator;
GRANT EXECUTE ON FUNCTION migrate_info(text, jsonb, boolean) TO app_migrator;
ALTER DATABASE $db SET pg_migrate.locations = 'filesystem:$root/tap_role';
});
	my $connstr = $node->connstr($db) . ' user=app_migrator';
	my ($ret, $out, $err);
	$ret = PostgreSQL::Test::Utils::run_log(
		[ 'psql', '-X', '-At', '-d', $connstr, '-c',
			q{SELECT version || ':' || state FROM migrate_apply()} ],
		'>', \$out, '2>', \$err);
	ok($ret, 'roledb: app_migrator runs migrate_apply()') or diag($err);
	is($out, "1:Success\n2:Success\n3:Success\n", 'roledb: three migrations applied');
	is( $node->safe_psql($db, q{SELECT string_agg(n || ':' || cur || ':' || sess, ',' ORDER BY n) FROM who}),
		'1:app_migrator:app_migrator,2:other_role:app_migrator,3:app_migrator:app_migrator',
		'roledb: migrations ran as app_migrator; the SET ROLE of V2 did not leak into V3');
	is( $node->safe_psql($db,
			q{SELECT string_agg(DISTINCT installed_by, ',') FROM flyway_schema_history}),
		'app_migrator', 'roledb: installed_by is the role');
	is( $node->safe_psql($db,
			q{SELECT pg_get_userbyid(relowner) FROM pg_class WHERE oid = 'who'::regclass}),
		'app_migrator', 'roledb: objects owned by the role');
	is( $node->safe_psql($db,
			q{SELECT pg_get_userbyid(relowner) FROM pg_class WHERE oid = 'flyway_schema_history'::regclass}),
		'app_migrator', 'roledb: history table owned by the role');

	# A role without EXECUTE cannot.
	$node->safe_psql($db, 'CREATE ROLE nobody_special LOGIN');
	$ret = PostgreSQL::Test::Utils::run_log(
		[ 'psql', '-X', '-At', '-d', $node->connstr($db) . ' user=nobody_special',
			'-c', 'SELECT * FROM migrate_apply()' ],
		'>', \$out, '2>', \$err);
	like($err, qr/permission denied for function migrate_apply/,
		'roledb: a role without EXECUTE is refused');
}

# --- h. statement_timeout ----------------------------------------------------
{
	my $db = 'timeoutdb';
	$node->safe_psql('postgres', "CREATE DATABASE $db");
	$node->safe_psql($db, 'CREATE EXTENSION pg_migrate');
	$node->safe_psql($db,
		"ALTER DATABASE $db SET pg_migrate.locations = 'filesystem:$root/tap_timeout'");
	my $t0 = time();
	my ($ret, $out, $err) = $node->psql(
		$db,
		q{SET statement_timeout = '3s'; SELECT version || ':' || state FROM migrate_apply();},
		timeout => 60);
	my $elapsed = time() - $t0;
	isnt($ret, 0, 'timeoutdb: migrate_apply() fails');
	like($err, qr/canceling statement due to statement timeout/,
		'timeoutdb: because of statement_timeout');
	ok($elapsed < 8, sprintf('timeoutdb: after %.1f s, not after the 10 s sleep', $elapsed));
	is($node->safe_psql($db, 'SELECT setting FROM seen'), '3s',
		'timeoutdb: the worker ran V1 with the session\'s statement_timeout');
	is( $node->safe_psql($db,
			q{SELECT string_agg(version || ':' || success, ',' ORDER BY installed_rank) FROM flyway_schema_history}),
		'1:true', 'timeoutdb: V1 recorded, V2 not');
	is($node->safe_psql($db, q{SELECT to_regclass('slow_t') IS NULL}), 't',
		'timeoutdb: nothing of V2 remains');
	ok( $node->poll_query_until($db,
			q{SELECT count(*) = 0 FROM pg_stat_activity WHERE backend_type = 'pg_migrate apply'}),
		'timeoutdb: no apply worker left');
}

$node->stop;

# --- g. no background worker slot ------------------------------------------
{
	my $small = PostgreSQL::Test::Cluster->new('noworkers');
	$small->init;
	# The logical replication launcher takes the only slot.
	$small->append_conf('postgresql.conf', "max_worker_processes = 1\n");
	$small->start;
	$small->safe_psql('postgres', 'CREATE EXTENSION pg_migrate');
	$small->safe_psql('postgres',
		"ALTER DATABASE postgres SET pg_migrate.locations = 'filesystem:$root/tap_nworkers'");
	# No slot will ever free up: the call must end with an error, not wait
	# for ever (60 s is far more than enough).
	my ($ret, $out, $err) = (undef, '', '');
	eval {
		($ret, $out, $err) = $small->psql('postgres', 'SELECT * FROM migrate_apply()', timeout => 60);
	};
	is($@, '', 'noworkers: migrate_apply() returns instead of waiting for a slot for ever');
	ok(defined $ret && $ret != 0, 'noworkers: migrate_apply() fails');
	like($err, qr/ERROR:  could not start a background worker/, 'noworkers: clear error');
	like($err, qr/HINT:  .*max_worker_processes.*single_transaction/, 'noworkers: with a hint');
	is($small->safe_psql('postgres', q{SELECT to_regclass('nw1') IS NULL}), 't',
		'noworkers: nothing applied');
	is( $small->safe_psql('postgres',
			q{SELECT string_agg(version || ':' || state, ',') FROM migrate_apply(single_transaction => true)}),
		'1:Success,2:Success', 'noworkers: single_transaction works');

	# migrate_sync() needs a worker too: a bounded wait, then a clear error
	my ($sret, $sout, $serr) = $small->psql('postgres',
		q{SET pg_migrate.locations = 'https://127.0.0.1:1/none/'; SELECT * FROM migrate_sync()},
		timeout => 60);
	isnt($sret, 0, 'noworkers: migrate_sync() fails instead of waiting forever');
	like($serr, qr/could not start a background worker to sync remote locations.*\n.*10 seconds/s,
		'noworkers: ... and says why');
	$small->stop;
}

done_testing();
