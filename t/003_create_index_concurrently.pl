# CREATE INDEX CONCURRENTLY in a migration applied by the worker:
#  - one caller alone: it must not wait for the caller's own transaction
#    (no self-deadlock), so it completes quickly;
#  - another session holds an old snapshot (REPEATABLE READ transaction
#    left open): the build waits for it, as CIC always does, and finishes
#    once that session commits.
use strict;
use warnings;
use File::Basename qw(dirname);
use Cwd qw(abs_path);
use IPC::Run;
use Time::HiRes qw(time);
use PostgreSQL::Test::Cluster;
use PostgreSQL::Test::Utils;
use Test::More;

my $dir = abs_path(dirname(__FILE__) . '/../test/migrations/tap_cic');
my $node = PostgreSQL::Test::Cluster->new('cic');
$node->init;
$node->start;

foreach my $db (qw(alonedb olddb))
{
	$node->safe_psql('postgres', "CREATE DATABASE $db");
	$node->safe_psql($db, 'CREATE EXTENSION pg_migrate');
	$node->safe_psql($db, "ALTER DATABASE $db SET pg_migrate.locations = 'filesystem:$dir'");
}

my $q_apply = q{SELECT version || ':' || state FROM migrate_apply()};
my $q_index = q{SELECT indisvalid FROM pg_index WHERE indexrelid = to_regclass('cic_idx')};

# --- the plain case: one caller, nobody else -------------------------------
{
	my $t0 = time();
	my ($ret, $out, $err) = $node->psql('alonedb', $q_apply, timeout => 60);
	my $elapsed = time() - $t0;
	is($ret, 0, 'alonedb: migrate_apply() with CREATE INDEX CONCURRENTLY succeeds') or diag($err);
	is($out, "1:Success\n2:Success\n3:Success", 'alonedb: all three applied');
	ok($elapsed < 20, sprintf('alonedb: done in %.1f s, no wait on the caller itself', $elapsed));
	is($node->safe_psql('alonedb', $q_index), 't', 'alonedb: the index is valid');
	is( $node->safe_psql('alonedb',
			q{SELECT string_agg(version || ':' || success, ',' ORDER BY installed_rank) FROM flyway_schema_history}),
		'1:true,2:true,3:true', 'alonedb: history has the three rows');
}

# --- an old snapshot elsewhere ---------------------------------------------
{
	my $db = 'olddb';
	my ($in, $hout, $herr) = ('', '', '');
	my $holder = IPC::Run::start([ 'psql', '-X', '-At', '-d', $node->connstr($db) ],
		'<', \$in, '>', \$hout, '2>', \$herr,
		IPC::Run::timeout($PostgreSQL::Test::Utils::timeout_default));
	$in .= "BEGIN ISOLATION LEVEL REPEATABLE READ;\nSELECT 'holder ' || count(*) FROM pg_class;\n";
	$holder->pump until $hout =~ /holder/;
	ok( $node->poll_query_until(
			$db,
			q{SELECT count(*) = 1 FROM pg_stat_activity WHERE datname = current_database() AND state = 'idle in transaction' AND backend_xmin IS NOT NULL}),
		'olddb: a session holds an old snapshot');

	my ($aout, $aerr) = ('', '');
	my $apply = IPC::Run::start([ 'psql', '-X', '-At', '-d', $node->connstr($db), '-c', $q_apply ],
		'<', \undef, '>', \$aout, '2>', \$aerr,
		IPC::Run::timeout($PostgreSQL::Test::Utils::timeout_default));
	ok( $node->poll_query_until(
			$db,
			q{SELECT count(*) = 1 FROM pg_stat_activity WHERE backend_type = 'pg_migrate apply' AND wait_event = 'virtualxid'}),
		'olddb: the index build waits for the old snapshot');
	ok($apply->pumpable, 'olddb: migrate_apply() is still running');
	is($node->safe_psql($db, q{SELECT to_regclass('after_cic') IS NULL}), 't',
		'olddb: V3 not applied yet');

	$in .= "COMMIT;\n\\q\n";
	$holder->finish;
	ok( $node->poll_query_until(
			$db,
			q{SELECT count(*) = 0 FROM pg_stat_activity WHERE datname = current_database() AND state = 'idle in transaction'}),
		'olddb: the old snapshot is gone');
	my $t0 = time();
	eval { $apply->finish; };
	is($@, '', 'olddb: migrate_apply() returned before the timeout');
	ok(time() - $t0 < 30, 'olddb: and promptly after the old snapshot went away');
	is($aout, "1:Success\n2:Success\n3:Success\n", 'olddb: all three applied') or diag($aerr);
	is($node->safe_psql($db, $q_index), 't', 'olddb: the index is valid');
	is($node->safe_psql($db, q{SELECT count(*) FROM pg_stat_activity WHERE backend_type = 'pg_migrate apply'}),
		'0', 'olddb: no apply worker left');
}

$node->stop;
done_testing();
