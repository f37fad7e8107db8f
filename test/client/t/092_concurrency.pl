# Six `pg_migrate migrate` commands and a migrate_apply() started at once on
# one database share Flyway's advisory lock and the history table: every
# migration is applied exactly once, every run succeeds, and the history
# holds one success row per script.  The commands run as a role that is not
# a superuser and owns the database, as on Amazon RDS.
use strict;
use warnings;
use FindBin;
use lib $FindBin::RealBin;
use IPC::Run;
use PostgreSQL::Test::Utils;
use Test::More;
use CommandTest;

built_command();

my $count = 30;
my $dir = work_dir();
for my $v (1 .. $count)
{
	# the sleep widens the window in which a second runner could start it too
	write_file("$dir/V${v}__step_$v.sql", $v == 1
		? "CREATE TABLE applied_log (version int NOT NULL, at timestamptz DEFAULT now());\n"
		: "SELECT pg_sleep(0.02);\nINSERT INTO applied_log (version) VALUES ($v);\n");
}
write_file("$dir/R__log_view.sql", "CREATE OR REPLACE VIEW applied_versions AS SELECT version FROM applied_log;\n");

my $node = start_node('concurrency');
create_owner_role('deployer', databases => ['app']);
$node->safe_psql('app', 'CREATE EXTENSION pg_migrate');
# the extension's side: the superuser grants the function and names the scripts
$node->safe_psql('app', qq{
GRANT EXECUTE ON FUNCTION migrate_apply(text, jsonb, boolean, boolean) TO deployer;
ALTER DATABASE app SET pg_migrate.locations = 'filesystem:$dir';
});
is($node->safe_psql('postgres', q{SELECT rolsuper FROM pg_roles WHERE rolname = 'deployer'}), 'f',
	'the deploying role is not a superuser');

my @runs;
for my $i (1 .. 6)
{
	push @runs,
	  start_pg_migrate('-url=' . $node->connstr('app') . ' user=deployer', "-locations=filesystem:$dir", 'migrate');
}
my %apply = (out => '', err => '');
$apply{h} = IPC::Run::start(
	[ 'psql', '-X', '-At', '-d', $node->connstr('app') . ' user=deployer',
	  '-c', 'SELECT count(*) FROM migrate_apply()' ],
	'<', \undef, '>', \$apply{out}, '2>', \$apply{err},
	IPC::Run::timeout($PostgreSQL::Test::Utils::timeout_default));

my $i = 0;
foreach my $run (@runs)
{
	$i++;
	$run->{h}->finish;
	is($run->{h}->result(0), 0, "command $i succeeds") or diag($run->{err});
}
$apply{h}->finish;
is($apply{h}->result(0), 0, 'migrate_apply() succeeds') or diag($apply{err});

is($node->safe_psql('app', 'SELECT count(*), count(DISTINCT version) FROM applied_log'),
	($count - 1) . '|' . ($count - 1), 'each migration ran exactly once');
is( $node->safe_psql(
		'app',
		q{SELECT count(*) FROM flyway_schema_history WHERE success AND version IS NOT NULL}),
	$count,
	'one history row per versioned migration');
is( $node->safe_psql(
		'app',
		q{SELECT count(*) FROM flyway_schema_history WHERE version IS NULL AND type = 'SQL'}),
	1,
	'the repeatable ran once');
is($node->safe_psql('app', q{SELECT count(*) FROM flyway_schema_history WHERE NOT success}),
	0, 'no failed rows');
is($node->safe_psql('app', q{SELECT count(*) FROM flyway_schema_history GROUP BY script HAVING count(*) > 1}),
	'', 'no script recorded twice');
is($node->safe_psql('app', q{SELECT count(*) FROM pg_locks WHERE locktype = 'advisory'}),
	'0', 'Flyway\'s lock is free again');
is( $node->safe_psql(
		'app', q{SELECT pg_catalog.string_agg(DISTINCT installed_by, ',') FROM flyway_schema_history}),
	'deployer',
	'recorded as the deploying role');

done_testing();
