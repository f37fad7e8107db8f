# The pg_migrate command runs clean under valgrind (memcheck): no invalid
# read or write, no use of uninitialised memory, no bad free, in each of
# migrate (with COPY FROM STDIN, a callback, a placeholder, a statement that
# cannot run in a transaction block), info (table and JSON), validate,
# plan, baseline, repair, undo, a failing migrate (script, line, SQLSTATE)
# and a bad usage.  Leaks are not checked: the command is a short-lived
# process whose memory the exit frees (palloc'd as in PostgreSQL's own
# frontend programs).  Skipped when valgrind is not installed
# (scripts/install-deps.sh installs it, test/client/DEPENDENCIES).
use strict;
use warnings;
use FindBin;
use lib $FindBin::RealBin;
use IPC::Run;
use Test::More;
use CommandTest;

plan skip_all => 'valgrind is not installed (scripts/install-deps.sh installs it)'
  unless IPC::Run::run([ 'valgrind', '--version' ], '>', \my $version, '2>', \my $ignored);
my $command = built_command();

my $node = start_node('valgrind');
$node->safe_psql('postgres', 'CREATE DATABASE app');

my $work = work_dir();

write_file("$work/sql/V1__people.sql", <<'EOF');
CREATE TABLE people (id int PRIMARY KEY, name text NOT NULL);
COPY people (id, name) FROM stdin;
1	ada
2	grace
\.
CREATE FUNCTION people_count() RETURNS bigint LANGUAGE plpgsql AS $$
BEGIN
	RETURN (SELECT count(*) FROM people); -- a ';' inside
END
$$;
EOF
write_file("$work/sql/V2__index.sql", "CREATE INDEX CONCURRENTLY people_name ON people (name);\n");
write_file("$work/sql/U2__index.sql", "DROP INDEX people_name;\n");
write_file("$work/sql/R__who.sql", "CREATE OR REPLACE VIEW who AS SELECT '\${who}'::text AS who;\n");
write_file("$work/sql/afterEachMigrate.sql", "SELECT 1;\n");

# One run of the command under valgrind; valgrind's own report goes to
# stderr with the command's, each of its lines starting with ==PID==.
sub under_valgrind
{
	my ($name, $expect_rc, @args) = @_;
	my ($out, $err) = ('', '');
	IPC::Run::run(
		[ 'valgrind', '--quiet', '--error-exitcode=99', '--leak-check=no', '--track-fds=no',
		  $command, '-url=' . $node->connstr('app'), '-placeholders.who=me', @args ],
		'<', \undef, '>', \$out, '2>', \$err, init => sub { chdir $work or die $! });
	my $rc = $? >> 8;
	my @reports = grep { /^==\d+==/ } split /\n/, $err;
	is($rc, $expect_rc, "$name: exit status $expect_rc") or diag($err);
	is(scalar(@reports), 0, "$name: no memory error") or diag(join("\n", @reports));
	return ($out, $err);
}

my ($out, $err) = under_valgrind('plan', 0, 'plan');
like($out, qr/CREATE TABLE people/, 'plan: lists the migrations');
($out, $err) = under_valgrind('migrate', 0, 'migrate');
like($err, qr/Successfully applied 3 migrations/, 'migrate: applied');
under_valgrind('info', 0, 'info');
under_valgrind('info -outputType=json', 0, '-outputType=json', 'info');
under_valgrind('validate', 0, 'validate');
under_valgrind('undo', 0, 'undo');
under_valgrind('migrate -outputType=json', 0, '-outputType=json', 'migrate');

write_file("$work/sql/V3__broken.sql", "CREATE TABLE half (id int);\nSELECT no_such_column FROM half;\n");
($out, $err) = under_valgrind('a failing migrate', 1, 'migrate');
like($err, qr/V3__broken\.sql failed at line 2: .*\(SQLSTATE 42703\)/, 'a failing migrate: its error');
($out, $err) = under_valgrind('a failing migrate, JSON', 1, '-outputType=json', 'migrate');
like($out, qr/"errorCode"/, 'a failing migrate, JSON: the error object');
unlink("$work/sql/V3__broken.sql");

write_file("$work/sql/V1__people.sql", "CREATE TABLE people (id int);\n");
under_valgrind('validate with checksum drift', 1, 'validate');
under_valgrind('repair', 0, 'repair');
under_valgrind('a bad usage', 2, '-noSuchOption=1', 'info');
$node->safe_psql('postgres', 'CREATE DATABASE old');
$node->safe_psql('old', 'CREATE TABLE existing (id int)');
($out, $err) = ('', '');
IPC::Run::run(
	[ 'valgrind', '--quiet', '--error-exitcode=99', '--leak-check=no', $command,
	  '-url=' . $node->connstr('old'), '-baselineVersion=5', 'baseline' ],
	'<', \undef, '>', \$out, '2>', \$err, init => sub { chdir $work or die $! });
is($? >> 8, 0, 'baseline: exit status 0') or diag($err);
is(scalar(grep { /^==\d+==/ } split /\n/, $err), 0, 'baseline: no memory error') or diag($err);

done_testing();
