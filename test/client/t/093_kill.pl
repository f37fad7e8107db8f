# A `pg_migrate migrate` killed with SIGKILL, or a server that crashes under
# it, leaves history and schema consistent: the migration that was running
# left nothing (its transaction never committed), no history row claims it,
# Flyway's lock is free again, and the next run applies it and the rest.
use strict;
use warnings;
use FindBin;
use lib $FindBin::RealBin;
use Time::HiRes qw(usleep);
use PostgreSQL::Test::Utils;
use Test::More;
use CommandTest;

built_command();

my $dir = work_dir();
my %scripts = (
	'V1__base.sql' => "CREATE TABLE t (id int);\n",
	'V2__slow.sql' => "CREATE TABLE slow (id int);\nSELECT pg_sleep(\${sleep});\n",
	'V3__after.sql' => "CREATE TABLE after_slow (id int);\n",);
write_file("$dir/$_", $scripts{$_}) foreach keys %scripts;

# a backend whose client is gone stops its statement within 100 ms (as a
# DBA would set it; otherwise it would sleep on and notice at its end)
my $node = start_node('kill', conf => "client_connection_check_interval = 100\n");
create_owner_role('deployer', databases => ['app']);

sub start_command
{
	my ($sleep) = @_;
	return start_pg_migrate('-url=' . $node->connstr('app') . ' user=deployer', "-locations=filesystem:$dir",
		"-placeholders.sleep=$sleep", 'migrate');
}

sub wait_in_v2
{
	my ($what) = @_;
	ok( $node->poll_query_until(
			'postgres',
			q{SELECT count(*) = 1 FROM pg_stat_activity WHERE datname = 'app' AND wait_event = 'PgSleep'}),
		"$what: the command is inside V2");
}

sub consistent
{
	my ($what) = @_;
	is( $node->safe_psql(
			'app',
			q{SELECT string_agg(version || ':' || success, ',' ORDER BY installed_rank) FROM flyway_schema_history WHERE version IS NOT NULL}),
		'1:true',
		"$what: only V1 is recorded");
	is($node->safe_psql('app', q{SELECT to_regclass('public.slow') IS NULL}),
		't', "$what: nothing of V2 remains");
	is( $node->safe_psql(
			'app',
			q{SELECT count(*) FROM pg_locks WHERE locktype = 'advisory'}),
		'0',
		"$what: Flyway's lock is free");
}

# the command killed with SIGKILL mid-migration
my $run = start_command(300);
wait_in_v2('SIGKILL');
$run->{h}->signal('KILL');
eval { $run->{h}->finish };
is($run->{h}->full_result(0) & 127, 9, 'SIGKILL: the command was killed');
ok($node->poll_query_until('postgres', q{SELECT count(*) = 0 FROM pg_stat_activity WHERE datname = 'app'}),
	'SIGKILL: the server ends its session');
consistent('SIGKILL');

# the server crashes mid-migration
$run = start_command(300);
wait_in_v2('crash');
my ($postmaster) = split /\n/, slurp_file($node->data_dir . '/postmaster.pid');
$node->kill9;
$run->{h}->finish;
# the postmaster and its backends are gone before it starts again
for (my $i = 0; kill(0, $postmaster) && $i < 10 * $PostgreSQL::Test::Utils::timeout_default; $i++)
{
	usleep(100_000);
}
isnt($run->{h}->result(0), 0, 'crash: the command fails');
like($run->{err}, qr/^ERROR: migration V2__slow\.sql failed at line 2: .*\(SQLSTATE 08006\)$/m,
	'crash: and says where, with a connection failure\'s SQLSTATE');
$node->start;
consistent('crash');

# the next run completes
$run = start_command(0);
$run->{h}->finish;
is($run->{h}->result(0), 0, 'the next run succeeds') or diag($run->{err});
is( $node->safe_psql(
		'app',
		q{SELECT string_agg(version || ':' || success, ',' ORDER BY installed_rank) FROM flyway_schema_history WHERE version IS NOT NULL}),
	'1:true,2:true,3:true',
	'V2 and V3 are applied once');

done_testing();
