# The pg_migrate command and Flyway parity (issue 11, items 2, 3 and 7):
# afterConnect and the other callback events, a callback of an event that
# never happens (beforeConnect) refused by name, fail fast (nothing
# applied when the fifth script has an undefined placeholder, or with
# -group=true a statement that cannot run in a transaction), undo by
# installed_rank with a target that stops at a migration without an undo
# script, and info's table hiding the Available undo scripts while its
# Undoable column says Yes.
use strict;
use warnings;
use FindBin;
use lib $FindBin::RealBin;
use JSON::PP;
use Test::More;
use CommandTest;

built_command();
my $node = start_node('parity2');
my $work = work_dir();

# A fresh database for a case, and the command's flags for it.
sub database
{
	my ($db) = @_;
	$node->safe_psql('postgres', "CREATE DATABASE $db");
	return ('-url=' . $node->connstr($db));
}

# Run the command on the scripts in $dir, with HOME $work and no FLYWAY_* variable.
sub pgm
{
	my ($dir, @args) = @_;
	return run_pg_migrate({ home => $work }, "-locations=filesystem:$dir", @args);
}

# --- callbacks: afterConnect first, the statement events, info's ---------
my $cb = "$work/callbacks";
# the log lives in a schema of its own: the history's stays empty for migrate
write_file("$cb/afterConnect.sql",
	"CREATE SCHEMA IF NOT EXISTS audit;\nCREATE TABLE IF NOT EXISTS audit.log (id serial, event text);\n"
	  . "INSERT INTO audit.log (event) VALUES ('afterConnect');\n");
write_file("$cb/beforeEachMigrateStatement.sql", "INSERT INTO audit.log (event) VALUES ('beforeStatement');\n");
write_file("$cb/afterEachMigrateStatement.sql", "INSERT INTO audit.log (event) VALUES ('afterStatement');\n");
write_file("$cb/afterVersioned.sql", "INSERT INTO audit.log (event) VALUES ('afterVersioned');\n");
write_file("$cb/afterMigrateApplied.sql", "INSERT INTO audit.log (event) VALUES ('afterMigrateApplied');\n");
write_file("$cb/beforeInfo.sql", "INSERT INTO audit.log (event) VALUES ('beforeInfo');\n");
write_file("$cb/afterInfo.sql", "INSERT INTO audit.log (event) VALUES ('afterInfo');\n");
write_file("$cb/V1__one.sql", "CREATE TABLE one (id int);\n");
my @db = database('callbacks');
my ($rc, $out, $err) = pgm($cb, @db, 'migrate');
is($rc, 0, 'migrate with callbacks succeeds') or diag($err);
is(sql('callbacks', 'SELECT string_agg(event, \',\' ORDER BY id) FROM audit.log'),
	'afterConnect,beforeStatement,afterStatement,afterVersioned,afterMigrateApplied',
	'afterConnect first, then the statement events around V1, afterVersioned, afterMigrateApplied');
sql('callbacks', 'TRUNCATE audit.log');
($rc, $out, $err) = pgm($cb, @db, 'info');
is($rc, 0, 'info succeeds') or diag($err);
is(sql('callbacks', 'SELECT string_agg(event, \',\' ORDER BY id) FROM audit.log'),
	'afterConnect,beforeInfo,afterInfo', 'info runs afterConnect, beforeInfo and afterInfo');

# --- a callback that never fires: an error naming it, nothing applied ----
my $never = "$work/never";
write_file("$never/beforeConnect.sql", "SELECT 1;\n");
write_file("$never/V1__never.sql", "CREATE TABLE never (id int);\n");
@db = database('never');
($rc, $out, $err) = pgm($never, @db, 'migrate');
isnt($rc, 0, 'a beforeConnect callback is refused');
like($err, qr/callback beforeConnect\.sql is for event beforeConnect, which never happens in pg_migrate/,
	'the error names the file and its event');
is(sql('never', q{SELECT to_regclass('never') IS NULL}), 't', 'nothing applied');

# --- fail fast: the fifth's undefined placeholder stops the run ----------
my $ff = "$work/failfast";
write_file("$ff/V$_\__t$_.sql", "CREATE TABLE t$_ (id int);\n") for 1 .. 4;
write_file("$ff/V5__t5.sql", "CREATE TABLE t5 (id int);\nCOMMENT ON TABLE t5 IS '\${undefined_one}';\n");
@db = database('failfast');
($rc, $out, $err) = pgm($ff, @db, 'migrate');
isnt($rc, 0, 'an undefined placeholder in the fifth script fails the run');
like($err, qr/undefined_one/, 'the error names the placeholder');
is(sql('failfast', q{SELECT to_regclass('t1') IS NULL}), 't', 'the first four did not run');
is(sql('failfast', q{SELECT count(*) FROM flyway_schema_history WHERE version IS NOT NULL}), '0',
	'no history row');
my ($prc, $pout, $perr) = pgm($ff, @db, 'plan');
isnt($prc, 0, 'the dry run fails too');
like($perr, qr/undefined_one/, 'with the same error');

# -group=true: a CONCURRENTLY in the fifth is refused before the first runs
my $ffg = "$work/failfast_group";
write_file("$ffg/V$_\__t$_.sql", "CREATE TABLE t$_ (id int);\n") for 1 .. 4;
write_file("$ffg/V5__cic.sql", "CREATE INDEX CONCURRENTLY t1_i ON t1 (id);\n");
@db = database('failfast_group');
($rc, $out, $err) = pgm($ffg, @db, '-group=true', 'migrate');
isnt($rc, 0, '-group=true with CONCURRENTLY in the fifth script fails');
like($err, qr/V5__cic\.sql line 1 cannot run inside a transaction block/, 'named before anything ran');
is(sql('failfast_group', q{SELECT to_regclass('t1') IS NULL}), 't', 'nothing applied');

# --- undo: the latest applied first (an out-of-order one), a stop --------
my $undo = "$work/undo";
write_file("$undo/V1__one.sql", "CREATE TABLE u1 (id int);\n");
write_file("$undo/V3__three.sql", "CREATE TABLE u3 (id int);\n");
write_file("$undo/U1__one.sql", "DROP TABLE u1;\n");
write_file("$undo/U2__two.sql", "DROP TABLE u2;\n");
write_file("$undo/U3__three.sql", "DROP TABLE u3;\n");
@db = database('undo');
($rc, $out, $err) = pgm($undo, @db, 'migrate');
is($rc, 0, 'V1 and V3 applied') or diag($err);
write_file("$undo/V2__two.sql", "CREATE TABLE u2 (id int);\n");
($rc, $out, $err) = pgm($undo, @db, '-outOfOrder=true', 'migrate');
is($rc, 0, 'V2 applied out of order') or diag($err);
($rc, $out, $err) = pgm($undo, @db, '-outOfOrder=true', 'info');
is($rc, 0, 'info succeeds') or diag($err);
unlike($out, qr/Available/, 'the info table hides the undo scripts, as Flyway\'s does');
like($out, qr/\|\s*Out of Order\s*\|\s*Yes\s*\|/, 'its Undoable column says Yes');
($rc, $out, $err) = pgm($undo, @db, '-outOfOrder=true', 'undo');
is($rc, 0, 'undo succeeds') or diag($err);
is(sql('undo', q{SELECT to_regclass('u2') IS NULL AND to_regclass('u3') IS NOT NULL}), 't',
	'V2, applied last, is undone first (not V3, the highest version)');
unlink("$undo/U3__three.sql");
($rc, $out, $err) = pgm($undo, @db, '-outOfOrder=true', '-target=1', 'undo');
is($rc, 0, 'undo to 1 stops at V3, which has no undo script') or diag($err);
like($out . $err, qr/undo stops at version 3 \(three\): it has no undo script/, 'and says so');
is(sql('undo', q{SELECT to_regclass('u1') IS NOT NULL AND to_regclass('u3') IS NOT NULL}), 't',
	'nothing else undone');

$node->stop;
done_testing();
