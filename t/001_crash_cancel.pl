# A migration interrupted half-way leaves nothing behind:
#  - the apply worker killed with SIGKILL (postmaster crash-restart),
#  - the caller cancelled (pg_cancel_backend),
#  - the caller terminated (pg_terminate_backend);
# each time the migration's table is absent, the history has no row for it,
# no apply worker is left, and the next migrate_apply() applies it.
use strict;
use warnings;
use File::Basename qw(dirname);
use File::Copy qw(copy);
use IPC::Run;
use Time::HiRes qw(time);
use PostgreSQL::Test::Cluster;
use PostgreSQL::Test::Utils;
use Test::More;

my $fixtures = dirname(__FILE__) . '/../test/migrations/tap_crash';
my $dir = PostgreSQL::Test::Utils::tempdir();
copy("$fixtures/$_", "$dir/$_") or die "copy $_: $!"
  for qw(V1__base.sql V2__slow.sql V3__after.sql);

my $node = PostgreSQL::Test::Cluster->new('crash');
$node->init;
$node->append_conf('postgresql.conf', "restart_after_crash = on\n");
$node->start;

# Start migrate_apply() with V2 sleeping 300 s, in the background.
sub start_slow_apply
{
	my ($db) = @_;
	my %run = (out => '', err => '');
	$run{h} = IPC::Run::start(
		[
			'psql', '-X', '-At', '-d', $node->connstr($db),
			'-c', q{SELECT version || ':' || state FROM migrate_apply(placeholders => '{"sleep": "300"}')}
		],
		'<', \undef, '>', \$run{out}, '2>', \$run{err},
		IPC::Run::timeout($PostgreSQL::Test::Utils::timeout_default));
	return \%run;
}

sub wait_for_worker_in_v2
{
	my ($db) = @_;
	ok( $node->poll_query_until(
			$db,
			"SELECT count(*) = 1 FROM pg_stat_activity WHERE backend_type = 'pg_migrate apply' AND wait_event = 'PgSleep'"
		),
		"$db: the apply worker is inside V2");
}

sub no_worker_left
{
	my ($db, $what) = @_;
	ok( $node->poll_query_until(
			$db,
			"SELECT count(*) = 0 FROM pg_stat_activity WHERE backend_type = 'pg_migrate apply'"
		),
		"$db: no apply worker left after $what");
}

sub check_consistent
{
	my ($db, $what) = @_;
	is($node->safe_psql($db, "SELECT to_regclass('slow_t') IS NULL"),
		't', "$db: nothing of V2 remains after $what");
	is($node->safe_psql($db, "SELECT to_regclass('after_t') IS NULL"),
		't', "$db: V3 did not run after $what");
	is( $node->safe_psql(
			$db,
			"SELECT string_agg(installed_rank || ':' || version || ':' || success, ',' ORDER BY installed_rank) FROM flyway_schema_history"
		),
		'1:1:true',
		"$db: history holds V1 only after $what");
	is( $node->safe_psql(
			$db,
			"SELECT string_agg(coalesce(version, 'R') || ':' || state, ',' ORDER BY version) FROM migrate_info()"
		),
		'1:Success,2:Pending,3:Pending',
		"$db: migrate_info() after $what");
}

sub rerun_applies
{
	my ($db, $what) = @_;
	my ($ret, $out, $err) = $node->psql($db,
		q{SELECT version || ':' || state FROM migrate_apply(placeholders => '{"sleep": "0"}')},
		timeout => $PostgreSQL::Test::Utils::timeout_default);
	is($ret, 0, "$db: migrate_apply() after $what succeeds") or diag($err);
	is($out, "2:Success\n3:Success", "$db: the rerun applies V2 and V3");
	is( $node->safe_psql(
			$db,
			"SELECT string_agg(installed_rank || ':' || version || ':' || success, ',' ORDER BY installed_rank) FROM flyway_schema_history"
		),
		'1:1:true,2:2:true,3:3:true',
		"$db: history complete after the rerun");
	is($node->safe_psql($db, "SELECT count(*) FROM slow_t"), '1', "$db: V2 ran once");
}

foreach my $db (qw(killdb canceldb termdb))
{
	$node->safe_psql('postgres', "CREATE DATABASE $db");
	$node->safe_psql($db, "CREATE EXTENSION pg_migrate");
	$node->safe_psql($db,
		"ALTER DATABASE $db SET pg_migrate.locations = 'filesystem:$dir'");
}

# --- a. kill -9 of the apply worker --------------------------------------
{
	my $db = 'killdb';
	my $run = start_slow_apply($db);
	wait_for_worker_in_v2($db);
	my $pid = $node->safe_psql($db,
		"SELECT pid FROM pg_stat_activity WHERE backend_type = 'pg_migrate apply'");
	ok(kill('KILL', $pid), "killed apply worker $pid with SIGKILL");
	eval { $run->{h}->finish; };
	like($run->{err}, qr/terminat|server closed the connection|connection to server was lost/i,
		'the caller saw its session end with the crash');
	# The postmaster reinitializes; wait until it accepts connections again.
	ok($node->poll_query_until('postgres', 'SELECT NOT pg_is_in_recovery()'),
		'server back after crash-restart');
	no_worker_left($db, 'SIGKILL');
	check_consistent($db, 'SIGKILL');
	rerun_applies($db, 'SIGKILL');
}

# --- b. the caller cancelled -----------------------------------------------
{
	my $db = 'canceldb';
	my $run = start_slow_apply($db);
	wait_for_worker_in_v2($db);
	my $t0 = time();
	is( $node->safe_psql(
			$db,
			"SELECT pg_cancel_backend(pid) FROM pg_stat_activity WHERE backend_type = 'client backend' AND query LIKE '%migrate_apply(placeholders%' AND pid <> pg_backend_pid()"
		),
		't',
		'cancelled the caller');
	eval { $run->{h}->finish; };
	ok(time() - $t0 < 60, 'the cancelled call returned promptly');
	like($run->{err}, qr/canceling statement due to user request/,
		'the caller reports the cancel');
	no_worker_left($db, 'cancel');
	check_consistent($db, 'cancel');
	rerun_applies($db, 'cancel');
}

# --- b. the caller terminated --------------------------------------------
{
	my $db = 'termdb';
	my $run = start_slow_apply($db);
	wait_for_worker_in_v2($db);
	is( $node->safe_psql(
			$db,
			"SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE backend_type = 'client backend' AND query LIKE '%migrate_apply(placeholders%' AND pid <> pg_backend_pid()"
		),
		't',
		'terminated the caller');
	eval { $run->{h}->finish; };
	like($run->{err}, qr/terminat|server closed the connection|connection to server was lost/i,
		'the caller session ended');
	no_worker_left($db, 'terminate');
	check_consistent($db, 'terminate');
	rerun_applies($db, 'terminate');
}

$node->stop;
done_testing();
