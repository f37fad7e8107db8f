# The pg_migrate command with Flyway's file-name conventions configured
# (flags, flyway.conf, FLYWAY_* variables): sqlMigrationPrefix,
# sqlMigrationSeparator, sqlMigrationSuffixes, repeatableSqlMigrationPrefix,
# undoSqlMigrationPrefix, baselineMigrationPrefix; against a database
# without the extension.  The same engine as the extension
# (sql/31_naming_conventions.sql tests it there).
use strict;
use warnings;
use FindBin;
use lib $FindBin::RealBin;
use Test::More;
use CommandTest;

built_command();
my $node = start_node('naming');
my $work = work_dir();
my @db = connection_flags('postgres');

# Run the command in $work with only the environment given (and PATH, HOME).
sub pgm
{
	my ($env, @args) = @_;
	return run_pg_migrate({ dir => $work, home => $work, env => $env }, @db, @args);
}

is(sql("SELECT count(*) FROM pg_extension WHERE extname = 'pg_migrate'"), '0',
	'the database has no pg_migrate extension');

my $sql = "$work/sql";
write_file("$sql/Mig1-create_table.sql", "CREATE TABLE n_t (id int, note text);\n");
write_file("$sql/sub/Mig1.1-first_row.PGSQL", "INSERT INTO n_t VALUES (1, NULL);\n");
write_file("$sql/Mig2-with_conf.pgsql", "INSERT INTO n_t VALUES (2, '\${kept}');\n");
write_file("$sql/Mig2-with_conf.pgsql.conf", "placeholderReplacement=false\n");
write_file("$sql/Back2-with_conf.pgsql", "DELETE FROM n_t WHERE id = 2;\n");
write_file("$sql/Rep-count_view.sql", "CREATE OR REPLACE VIEW n_v AS SELECT count(*) AS n FROM n_t;\n");
write_file("$sql/beforeMigrate-log.pgsql",
	"CREATE TABLE IF NOT EXISTS n_cb (event text);\nINSERT INTO n_cb VALUES ('beforeMigrate');\n");
write_file("$sql/V3__default_name.sql", "CREATE TABLE n_default (i int);\n");
write_file("$sql/notes.txt", "not a script\n");

my @flags = ('-sqlMigrationPrefix=Mig', '-sqlMigrationSeparator=-', '-sqlMigrationSuffixes=.sql,.pgsql',
	'-repeatableSqlMigrationPrefix=Rep', '-undoSqlMigrationPrefix=Back', '-baselineMigrationPrefix=Base');

# bad settings: refused before anything is read or created, naming the flag
my ($rc, $out, $err) = pgm({}, '-sqlMigrationSeparator=', 'migrate');
isnt($rc, 0, 'an empty separator fails');
like($err, qr/^ERROR: invalid -sqlMigrationSeparator ""/m, 'the error names the flag');
like($err, qr/The separator cannot be empty/, 'and says why');
($rc, $out, $err) = pgm({ FLYWAY_REPEATABLE_SQL_MIGRATION_PREFIX => 'Mig' }, '-sqlMigrationPrefix=Mig', 'info');
isnt($rc, 0, 'two kinds with one prefix fail');
like($err, qr/^ERROR: invalid -repeatableSqlMigrationPrefix "Mig"/m, 'the error names the setting at fault');
like($err, qr/-sqlMigrationPrefix and -repeatableSqlMigrationPrefix are both "Mig"/, 'and both settings');
($rc, $out, $err) = pgm({}, '-sqlMigrationSuffixes=.sql,,.pgsql', 'migrate');
isnt($rc, 0, 'a suffix list with an empty item fails');
like($err, qr/Suffix 2 of the list is empty/, 'naming the item');
is(sql("SELECT to_regclass('flyway_schema_history') IS NULL AND to_regclass('n_cb') IS NULL"), 't',
	'nothing was created, no callback ran');

# Flyway's defaults: only V3 is a migration, the others are badly named
($rc, $out, $err) = pgm({}, 'info');
is($rc, 0, 'info with the default conventions') or diag($err);
like($out, qr/default name/, 'lists V3');
unlike($out, qr/create table/, 'not Mig1');
like($err, qr/Unrecognised migration name format: Mig1-create_table\.sql \(It should start with one of the prefixes V, R, U, B/,
	'Mig1 is reported with the default prefixes');

# flags: applied with the configured conventions
($rc, $out, $err) = pgm({}, @flags, 'migrate');
is($rc, 0, 'migrate with the conventions as flags') or diag($err);
like($err, qr/^WARNING: 1 SQL file\(s\) skipped because their names do not follow the naming convention/m,
	'V3__default_name.sql is badly named now');
like($err, qr/V3__default_name\.sql \(It should start with one of the prefixes Mig, Rep, Back, Base or/,
	'the message shows the configured prefixes');
is(sql("SELECT string_agg(coalesce(version, '-') || ' ' || description || ' ' || script, ', ' ORDER BY installed_rank) FROM flyway_schema_history"),
	'1 create table Mig1-create_table.sql, 1.1 first row sub/Mig1.1-first_row.PGSQL, 2 with conf Mig2-with_conf.pgsql, - count view Rep-count_view.sql',
	'the history records the file names as they are');
is(sql("SELECT string_agg(id || ':' || coalesce(note, ''), ',' ORDER BY id) FROM n_t"), '1:,2:${kept}',
	'the scripts ran, Mig2 with its .conf (no placeholder replacement)');
is(sql('SELECT n FROM n_v'), '2', 'the repeatable ran');
is(sql('SELECT count(*) FROM n_cb'), '1', 'the callback with the configured separator and suffix ran');

# flyway.conf: the same conventions, read from the file
write_file("$work/flyway.conf", join('', map { my $f = $_; $f =~ s/^-/flyway./; "$f\n" } @flags));
($rc, $out, $err) = pgm({}, 'validate');
is($rc, 0, 'validate with the conventions in flyway.conf') or diag($err);
($rc, $out, $err) = pgm({}, '-validateMigrationNaming=true', 'validate');
isnt($rc, 0, 'validateMigrationNaming makes V3 an error');
like($err, qr/Rename the files \(Mig<version>-<description>\.sql, Rep-<description>\.sql\)/,
	'the hint shows the configured shapes');
unlink("$work/flyway.conf");

# FLYWAY_* variables: undo finds the configured undo prefix
my %env = map { my ($k, $v) = split(/=/, substr($_, 1), 2); my $n = $k; $n =~ s/([A-Z])/_$1/g; ('FLYWAY_' . uc($n) => $v) } @flags;
is($env{FLYWAY_SQL_MIGRATION_SUFFIXES}, '.sql,.pgsql', 'FLYWAY_SQL_MIGRATION_SUFFIXES');
($rc, $out, $err) = pgm(\%env, 'undo');
is($rc, 0, 'undo with the conventions as FLYWAY_* variables') or diag($err);
is(sql("SELECT script FROM flyway_schema_history WHERE type = 'UNDO_SQL'"), 'Back2-with_conf.pgsql',
	'the undo script of the configured prefix ran');
is(sql("SELECT string_agg(id::text, ',' ORDER BY id) FROM n_t"), '1', 'its statements ran');
($rc, $out, $err) = pgm(\%env, 'migrate');
is($rc, 0, 'migrate again') or diag($err);
is(sql("SELECT string_agg(id::text, ',' ORDER BY id) FROM n_t"), '1,2', 'version 2 applied again');

# checksums do not depend on the names
my $other = "$work/default";
write_file("$other/V1__create_table.sql", "CREATE TABLE n_t (id int, note text);\n");
write_file("$other/R__count_view.sql", "CREATE OR REPLACE VIEW n_v AS SELECT count(*) AS n FROM n_t;\n");
sql('CREATE SCHEMA d');
($rc, $out, $err) = pgm({}, "-locations=filesystem:$other", '-schemas=d', 'migrate');
is($rc, 0, 'the same texts under the default names') or diag($err);
is(sql("SELECT count(*) FROM d.flyway_schema_history d JOIN public.flyway_schema_history c USING (description, checksum) WHERE d.type = 'SQL'"),
	'2', 'give the same checksums');

$node->stop;
done_testing();
