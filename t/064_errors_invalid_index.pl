# Errors that must not hide what happened, with the apply worker:
#  a. A CREATE UNIQUE INDEX CONCURRENTLY that fails on a duplicate leaves an
#     invalid index.  After the data is fixed, the script "fixed" with
#     IF NOT EXISTS, and migrate_repair(), the next apply must not record it
#     as a success over the invalid index: it fails naming the index, with
#     the DROP INDEX CONCURRENTLY to run; after that the migration builds a
#     valid index.
#  b. A secret placeholder's value reaches neither the client, nor
#     pg_stat_activity, nor the server log (a WARNING the script raises, the
#     error, and the statement logged with it): *** everywhere.
use strict;
use warnings;
use File::Basename qw(dirname);
use File::Copy qw(copy);
use Cwd qw(abs_path);
use IPC::Run;
use PostgreSQL::Test::Cluster;
use PostgreSQL::Test::Utils;
use Test::More;

my $root = abs_path(dirname(__FILE__) . '/../test/migrations');
my $node = PostgreSQL::Test::Cluster->new('errors');
$node->init;
$node->append_conf('postgresql.conf', "log_min_error_statement = error\n");
$node->start;

my $q_apply = q{SELECT version || ':' || state FROM migrate_apply()};

# --- a. an invalid index of the migration's own making ---------------------
{
	my $db = 'indexdb';
	my $dir = PostgreSQL::Test::Utils::tempdir();
	copy("$root/tap_errors_index/$_", "$dir/$_") or die "copy $_: $!"
	  foreach qw(V1__Table.sql V2__Unique_index.sql);
	$node->safe_psql('postgres', "CREATE DATABASE $db");
	$node->safe_psql($db, 'CREATE EXTENSION pg_migrate');
	$node->safe_psql($db, "ALTER DATABASE $db SET pg_migrate.locations = 'filesystem:$dir'");
	my $q_valid = q{SELECT indisvalid FROM pg_index WHERE indexrelid = to_regclass('e64_v_key')};
	my $q_history = q{SELECT string_agg(version || ':' || success, ',' ORDER BY installed_rank) FROM flyway_schema_history};

	my ($ret, $out, $err) = $node->psql($db, $q_apply);
	isnt($ret, 0, 'indexdb: V2 fails on the duplicate');
	like($err, qr/could not create unique index "e64_v_key"/, 'indexdb: with the server\'s error');
	is($node->safe_psql($db, $q_valid), 'f', 'indexdb: an invalid index is left behind');
	is($node->safe_psql($db, $q_history), '1:true,2:false', 'indexdb: V2 is recorded as failed');

	# the DBA fixes the data, makes the script re-runnable, and repairs
	$node->safe_psql($db, 'DELETE FROM e64 WHERE ctid IN (SELECT max(ctid) FROM e64 GROUP BY v HAVING count(*) > 1)');
	open(my $fh, '>', "$dir/V2__Unique_index.sql") or die $!;
	print $fh "CREATE UNIQUE INDEX CONCURRENTLY IF NOT EXISTS e64_v_key ON e64 (v);\n";
	close($fh);
	$node->safe_psql($db, 'SELECT count(*) FROM migrate_repair()');

	($ret, $out, $err) = $node->psql($db, $q_apply);
	isnt($ret, 0, 'indexdb: IF NOT EXISTS over the invalid index is not a success');
	like($err, qr/migration V2__Unique_index\.sql failed at line 1: index public\.e64_v_key is invalid/,
		'indexdb: the error names the script, the line and the index');
	like($err, qr/HINT:  Drop it with DROP INDEX CONCURRENTLY public\.e64_v_key; and the script will build it again\.\n.*migrate_repair\(\) and migrate_apply\(\) again/,
		'indexdb: the hint says what to run, then repair and apply');
	is($node->safe_psql($db, $q_history), '1:true,2:false', 'indexdb: V2 is recorded as failed again, not as a success');

	# as the hint says
	$node->safe_psql($db, 'DROP INDEX CONCURRENTLY public.e64_v_key');
	$node->safe_psql($db, 'SELECT count(*) FROM migrate_repair()');
	($ret, $out, $err) = $node->psql($db, $q_apply);
	is($ret, 0, 'indexdb: then the migration applies') or diag($err);
	is($out, '2:Success', 'indexdb: V2 succeeds');
	is($node->safe_psql($db, $q_valid), 't', 'indexdb: and its index is valid');
}

# --- b. a secret placeholder in pg_stat_activity and the server log --------
{
	my $db = 'secretdb';
	my $secret = 's3cret-Pa55';
	$node->safe_psql('postgres', "CREATE DATABASE $db");
	$node->safe_psql($db, qq{
CREATE EXTENSION pg_migrate;
CREATE SCHEMA e64_lock;
CREATE TABLE e64_lock.e64_locked (id int);
ALTER DATABASE $db SET pg_migrate.locations = 'filesystem:$root/tap_errors_secret';
ALTER DATABASE $db SET pg_migrate.placeholders = '{"db_password": "$secret"}';
});
	my $log_offset = -s $node->logfile;

	# hold a lock the migration's second statement waits for
	my ($in, $hout, $herr) = ('', '', '');
	my $holder = IPC::Run::start([ 'psql', '-X', '-At', '-d', $node->connstr($db) ],
		'<', \$in, '>', \$hout, '2>', \$herr,
		IPC::Run::timeout($PostgreSQL::Test::Utils::timeout_default));
	$in .= "BEGIN;\nLOCK TABLE e64_lock.e64_locked;\nSELECT 'locked';\n";
	$holder->pump until $hout =~ /locked/;

	my ($aout, $aerr) = ('', '');
	my $apply = IPC::Run::start([ 'psql', '-X', '-At', '-d', $node->connstr($db), '-c', $q_apply ],
		'<', \undef, '>', \$aout, '2>', \$aerr,
		IPC::Run::timeout($PostgreSQL::Test::Utils::timeout_default));
	ok( $node->poll_query_until(
			$db,
			q{SELECT count(*) = 1 FROM pg_stat_activity WHERE backend_type = 'pg_migrate apply' AND wait_event_type = 'Lock'}),
		'secretdb: the migration waits for the lock');
	my $activity = $node->safe_psql($db,
		q{SELECT query FROM pg_stat_activity WHERE backend_type = 'pg_migrate apply'});
	like($activity, qr{^/\* pg_migrate: V1__Secret\.sql line 3 \*/ SELECT '\*\*\*' AS waits FROM e64_lock\.e64_locked$},
		'secretdb: pg_stat_activity shows the statement with ***');
	unlike($activity, qr/\Q$secret\E/, 'secretdb: and not the value');

	$in .= "COMMIT;\n\\q\n";
	$holder->finish;
	$apply->finish;
	like($aerr, qr/WARNING:  connecting with \*\*\*/, 'secretdb: the WARNING the script raised is masked');
	like($aerr, qr/failed at line 4: invalid input syntax for type integer: "\*\*\*"/,
		'secretdb: the error is masked');
	unlike($aerr, qr/\Q$secret\E/, 'secretdb: the client never sees the value');

	my $log = slurp_file($node->logfile, $log_offset);
	like($log, qr/STATEMENT:  SELECT '\*\*\*'::int/, 'secretdb: the log has the failing statement, masked');
	like($log, qr/connecting with \*\*\*/, 'secretdb: and the WARNING, masked');
	unlike($log, qr/\Q$secret\E/, 'secretdb: the server log never has the value');
}

$node->stop;
done_testing();
