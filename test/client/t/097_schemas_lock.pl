# Flyway's schemas and lockRetryCount, through the command and the
# extension: -schemas creates every missing schema with the history table
# (in the first) under one SCHEMA marker row; -createSchemas=false creates
# none; -tablespace places the history table; a lock another session holds
# is waited for lockRetryCount seconds at most, then the error names the
# holder (process id, application, role, times); Ctrl-C ends the wait.
use strict;
use warnings;
use FindBin;
use lib $FindBin::RealBin;
use IPC::Run;
use PostgreSQL::Test::Utils;
use Test::More;
use CommandTest;

built_command();

my $dir = work_dir();
write_file("$dir/V1__t.sql", "CREATE TABLE app_t (i int);\n");

my $node = start_node('schemas_lock', database => 'app');
$node->safe_psql('postgres', 'CREATE DATABASE app');
$node->safe_psql('app', 'CREATE EXTENSION pg_migrate');

# Run the command, in the test's environment, on the scripts in $dir.
sub pgm
{
	my (@args) = @_;
	return run_pg_migrate({}, '-url=' . $node->connstr('app'), "-locations=filesystem:$dir", @args);
}

# --- schemas ---------------------------------------------------------------
my ($rc, $out, $err) = pgm('-schemas=c_app, c_audit', 'migrate');
is($rc, 0, '-schemas: migrate succeeds') or diag($err);
is(sql(q{SELECT string_agg(concat_ws('|', installed_rank, description, type, script), E'\n' ORDER BY 1)
         FROM c_app.flyway_schema_history}),
	qq{0|<< Flyway Schema Creation >>|SCHEMA|"c_app","c_audit"\n1|t|SQL|V1__t.sql},
	'-schemas: both created, one SCHEMA marker row listing them, history in the first');
is(sql(q{SELECT to_regclass('c_app.app_t') IS NOT NULL}), 't', '-schemas: the script ran with the first on the search_path');

($rc, $out, $err) = pgm('-schemas=c_none, c_none2', '-createSchemas=false', 'migrate');
is($rc, 1, '-createSchemas=false: a missing history schema fails the run');
like($err, qr/schema "c_none" of the history table "c_none"\."flyway_schema_history" does not exist/,
	'-createSchemas=false: the error names the schema');
like($err, qr/run with -createSchemas=true/, '-createSchemas=false: the hint names the flag');
is(sql(q{SELECT count(*) FROM pg_namespace WHERE nspname LIKE 'c_none%'}), '0', '-createSchemas=false: nothing created');

($rc, $out, $err) = pgm('-schemas=c_ts', '-tablespace=c_no_such_space', 'migrate');
is($rc, 1, '-tablespace: a missing tablespace fails the run');
like($err, qr/tablespace "c_no_such_space" does not exist/, '-tablespace: the CREATE TABLE names it');
is(sql(q{SELECT count(*) FROM pg_namespace WHERE nspname = 'c_ts'}), '0', '-tablespace: the schema went with it');

# --- the lock ----------------------------------------------------------------
my $key = flyway_lock_key('"c_lock"."flyway_schema_history"');
my $hin = "SELECT pg_advisory_lock($key);\nSELECT pg_backend_pid();\n";
my ($hout, $herr) = ('', '');
my $holder = IPC::Run::start(
	[ 'psql', '-XAtq', '-d', $node->connstr('app') . ' application_name=holder' ],
	'<', \$hin, '>', \$hout, '2>', \$herr,
	IPC::Run::timeout($PostgreSQL::Test::Utils::timeout_default));
$holder->pump until $hout =~ /^(\d+)$/m;
my $pid = $1;
my $holder_re = qr/is held by process $pid \(application holder, role [^,]+, connected since [^,]+, (idle|active) since [^)]+\)/;

($rc, $out, $err) = pgm('-schemas=c_lock', '-lockRetryCount=1', 'migrate');
is($rc, 1, '-lockRetryCount=1: the run gives up');
like($err, qr/could not take the migration lock of "c_lock"\."flyway_schema_history" after 2 tries, one second apart/,
	'-lockRetryCount=1: the error says how long it tried');
like($err, $holder_re, '-lockRetryCount=1: the detail names the holder');
like($err, qr/raise -lockRetryCount/, '-lockRetryCount=1: the hint names the flag');
is(sql(q{SELECT count(*) FROM pg_namespace WHERE nspname = 'c_lock'}), '0', 'the lock refused: nothing created');

($rc, $out, $err) = pgm('-schemas=c_lock', '-lockRetryCount=0', '-group=true', 'migrate');
is($rc, 1, '-lockRetryCount=0 -group=true: one try, then the error');
like($err, $holder_re, '-group=true: the detail names the holder');

# Ctrl-C ends a wait for ever
my $waiting = start_pg_migrate('-url=' . $node->connstr('app'), "-locations=filesystem:$dir", '-schemas=c_lock',
	'-lockRetryCount=-1', 'migrate');
$node->poll_query_until('app', q{SELECT count(*) > 0 FROM pg_stat_activity WHERE query LIKE '%pg_sleep(1)%'
	AND pid <> pg_backend_pid()})
  or die 'the command did not wait';
$waiting->{h}->signal('INT');
$waiting->{h}->finish;
is($? >> 8, 1, '-lockRetryCount=-1: Ctrl-C ends the wait with exit status 1');
like($waiting->{err}, qr/canceling statement due to user request/, 'Ctrl-C: the wait was cancelled');

# the extension: the apply worker and the caller's transaction
$node->safe_psql('app', "ALTER DATABASE app SET pg_migrate.locations = 'filesystem:$dir'");
my ($erc, $eout, $eerr) = $node->psql('app', q{SET pg_migrate.schemas = 'c_lock';
SET pg_migrate.lock_retry_count = 1;
SELECT * FROM migrate_apply();});
isnt($erc, 0, 'pg_migrate.lock_retry_count = 1: migrate_apply() gives up');
like($eerr, qr/could not take the migration lock of "c_lock"\."flyway_schema_history" after 2 tries, one second apart/,
	'migrate_apply(): the error says how long it tried');
like($eerr, $holder_re, 'migrate_apply(): the detail names the holder');
like($eerr, qr/raise pg_migrate\.lock_retry_count/, 'migrate_apply(): the hint names the setting');

($erc, $eout, $eerr) = $node->psql('app', q{SET pg_migrate.schemas = 'c_lock';
SET pg_migrate.lock_retry_count = 1;
SELECT * FROM migrate_apply(single_transaction => true);});
isnt($erc, 0, 'single_transaction: gives up too');
like($eerr, $holder_re, 'single_transaction: the detail names the holder');

# the lock freed: all goes
$hin .= "SELECT pg_advisory_unlock($key);\n\\q\n";
$holder->finish;
($rc, $out, $err) = pgm('-schemas=c_lock', '-lockRetryCount=0', 'migrate');
is($rc, 0, 'the lock free: migrate succeeds') or diag($err);

$node->stop;
done_testing();
