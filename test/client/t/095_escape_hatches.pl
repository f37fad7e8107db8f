# The pg_migrate command's escape hatches, by Flyway's keys (flags,
# FLYWAY_* variables, flyway.conf): ignoreMigrationPatterns,
# validateOnMigrate, skipExecutingMigrations, cherryPick,
# failOnMissingLocations, failOnMissingTarget; and messages that name the command's own flags,
# the changed file, the missing target.  The same engine as the extension
# (sql/22_escape_hatches.sql tests it there).
use strict;
use warnings;
use FindBin;
use lib $FindBin::RealBin;
use Test::More;
use CommandTest;

built_command();
my $node = start_node('escape');
my $work = work_dir();
my @db = connection_flags('postgres');

# Run the command in $work with only the environment given (and PATH, HOME).
sub pgm
{
	my ($env, @args) = @_;
	return run_pg_migrate({ dir => $work, home => $work, env => $env }, @db, @args);
}

my $sql = "$work/sql";
write_file("$sql/V1__one.sql", "CREATE TABLE e_t (id int);\n");
write_file("$sql/V2__two.sql", "INSERT INTO e_t VALUES (2);\n");
write_file("$sql/V3__three.sql", "INSERT INTO e_t VALUES (3);\n");
write_file("$sql/R__Count_view.sql", "CREATE OR REPLACE VIEW e_v AS SELECT count(*) AS n FROM e_t;\n");
write_file("$sql/beforeEachMigrate.sql",
	"CREATE TABLE IF NOT EXISTS e_cb (seen text);\nINSERT INTO e_cb VALUES ('each');\n");

# a bad pattern: refused before connecting anything, naming it and the flag
my ($rc, $out, $err) = pgm({}, '-ignoreMigrationPatterns=*:missing,*:gone', 'migrate');
isnt($rc, 0, 'a bad ignore pattern fails');
like($err, qr/^ERROR: invalid -ignoreMigrationPatterns "\*:missing,\*:gone"/m, 'the error names the flag and value');
like($err, qr/"\*:gone" has an unknown status "gone"/, 'and the bad entry');
is(sql("SELECT to_regclass('flyway_schema_history') IS NULL"), 't', 'nothing was created');

# pending: validate's hint names the command's flag
($rc, $out, $err) = pgm({}, 'validate');
isnt($rc, 0, 'validate with pending migrations fails');
like($err, qr/either run pg_migrate migrate, or run with -ignoreMigrationPatterns='\*:pending'/,
	'the hint names the command and its flag');

# cherryPick: flag, then a FLYWAY_* variable
($rc, $out, $err) = pgm({}, '-cherryPick=1', 'migrate');
is($rc, 0, 'migrate -cherryPick=1') or diag($err);
is(sql("SELECT string_agg(version, ',' ORDER BY installed_rank) FROM flyway_schema_history"), '1',
	'only version 1 is applied');
($rc, $out, $err) = pgm({}, '-cherryPick=1', 'validate');
is($rc, 0, 'the migrations cherryPick leaves out are no validation error') or diag($err);
($rc, $out, $err) = pgm({ FLYWAY_CHERRY_PICK => '2,Count_view' }, 'migrate');
is($rc, 0, 'FLYWAY_CHERRY_PICK=2,Count_view') or diag($err);
is(sql("SELECT string_agg(coalesce(version, description), ',' ORDER BY installed_rank) FROM flyway_schema_history"),
	'1,2,Count view', 'version 2 and the repeatable by its description');
($rc, $out, $err) = pgm({}, 'migrate');
is($rc, 0, 'migrate without cherryPick applies the rest') or diag($err);
is(sql('SELECT string_agg(id::text, \',\' ORDER BY id) FROM e_t'), '2,3', 'their statements ran');

# skipExecutingMigrations (in flyway.conf): recorded, callbacks run, statements not
write_file("$sql/V4__four.sql", "INSERT INTO e_t VALUES (4);\n");
write_file("$work/flyway.conf", "flyway.skipExecutingMigrations=true\n");
my $callbacks = sql('SELECT count(*) FROM e_cb');
($rc, $out, $err) = pgm({}, 'migrate');
is($rc, 0, 'migrate with skipExecutingMigrations') or diag($err);
like($err, qr/^WARNING: 1 pending migration\(s\) will be recorded as applied without running their statements$/m,
	'a warning says so');
like($err, qr/-skipExecutingMigrations is on/, 'naming the flag');
unlink("$work/flyway.conf");
is(sql('SELECT string_agg(id::text, \',\' ORDER BY id) FROM e_t'), '2,3', 'V4 did not run');
is(sql("SELECT success AND checksum IS NOT NULL AND type = 'SQL' FROM flyway_schema_history WHERE version = '4'"),
	't', 'V4 is recorded as Flyway records it: success, its checksum');
is(sql('SELECT count(*) FROM e_cb'), $callbacks + 1, 'its beforeEachMigrate callback ran');

# ignoreMigrationPatterns: V2 missing, V4 future
rename("$sql/V2__two.sql", "$work/V2__two.sql") or die $!;
rename("$sql/V4__four.sql", "$work/V4__four.sql") or die $!;
($rc, $out, $err) = pgm({}, 'validate');
isnt($rc, 0, 'a missing migration fails validate');
like($err, qr/Detected applied migration not resolved locally: 2\..*run pg_migrate repair to mark the migration as deleted/s,
	'its hint names pg_migrate repair');
($rc, $out, $err) = pgm({}, '-ignoreMigrationPatterns=*:missing', 'validate');
isnt($rc, 0, 'the list replaces the default *:future');
like($err, qr/not resolved locally: 4\./, 'so the future V4 is an error');
($rc, $out, $err) = pgm({ FLYWAY_IGNORE_MIGRATION_PATTERNS => 'versioned:missing,*:future' }, 'validate');
is($rc, 0, 'FLYWAY_IGNORE_MIGRATION_PATTERNS=versioned:missing,*:future') or diag($err);
rename("$work/V2__two.sql", "$sql/V2__two.sql") or die $!;
rename("$work/V4__four.sql", "$sql/V4__four.sql") or die $!;

# out of order: the hint names the command's flags
write_file("$sql/V2_5__late.sql", "INSERT INTO e_t VALUES (25);\n");
($rc, $out, $err) = pgm({}, 'migrate');
isnt($rc, 0, 'an ignored (out-of-order) migration fails migrate');
like($err, qr/run with -ignoreMigrationPatterns='\*:ignored'\. To allow executing this migration, run with -outOfOrder=true/,
	'the hint names -ignoreMigrationPatterns and -outOfOrder');
unlink("$sql/V2_5__late.sql");

# a changed script: the mismatch names the file; validateOnMigrate=false applies anyway
write_file("$sql/V1__one.sql", "CREATE TABLE e_t (id int, changed int);\n");
write_file("$sql/V5__five.sql", "INSERT INTO e_t VALUES (5);\n");
($rc, $out, $err) = pgm({}, 'migrate');
isnt($rc, 0, 'a checksum mismatch fails migrate');
like($err, qr/checksum mismatch for migration version 1 \(V1__one\.sql\)/, 'naming version and file');
($rc, $out, $err) = pgm({}, '-validateOnMigrate=false', 'migrate');
is($rc, 0, 'migrate -validateOnMigrate=false') or diag($err);
is(sql('SELECT string_agg(id::text, \',\' ORDER BY id) FROM e_t'), '2,3,5', 'V5 applied without validation');

# a missing target is named
($rc, $out, $err) = pgm({}, '-validateOnMigrate=false', '-target=9', 'migrate');
isnt($rc, 0, 'a target no script has fails');
like($err, qr/no migration with the target version 9 could be found/, 'naming the version');
like($err, qr/run with -failOnMissingTarget=false/, 'and the flag that accepts it');
# failOnMissingTarget=false (flag, or FLYWAY_FAIL_ON_MISSING_TARGET): read as 9?, no error
($rc, $out, $err) = pgm({}, '-validateOnMigrate=false', '-failOnMissingTarget=false', '-target=9', 'migrate');
is($rc, 0, '-failOnMissingTarget=false accepts a target no script has') or diag($err);
($rc, $out, $err) = pgm({ FLYWAY_FAIL_ON_MISSING_TARGET => 'false' }, '-validateOnMigrate=false',
	'-target=9', 'migrate');
is($rc, 0, 'so does FLYWAY_FAIL_ON_MISSING_TARGET=false') or diag($err);

# a missing folder location: a warning (Flyway's default), an error with failOnMissingLocations
($rc, $out, $err) = pgm({}, '-validateOnMigrate=false', '-locations=filesystem:sql,filesystem:nowhere', 'migrate');
is($rc, 0, 'a missing location is not an error by default') or diag($err);
like($err, qr/^WARNING: location filesystem:nowhere does not exist; skipping it$/m, 'it is a warning');
like($err, qr/run with -failOnMissingLocations=true makes this an error/, 'naming the flag');
($rc, $out, $err) = pgm({}, '-validateOnMigrate=false', '-failOnMissingLocations=true',
	'-locations=filesystem:sql,filesystem:nowhere', 'migrate');
isnt($rc, 0, '-failOnMissingLocations=true makes it an error');
like($err, qr/location "filesystem:nowhere" is not a readable folder/, 'naming the location');

$node->stop;
done_testing();
