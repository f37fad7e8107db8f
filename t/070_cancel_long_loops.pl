# Long loops over scripts, statements and placeholders can be stopped, and a
# very long script is split right.  The scripts are generated here:
#  - V1__many_statements.sql: 200,000 statements "SELECT <line>;", one per
#    line, with \n, \r\n and \r line ends and comments before and after
#    some of them.  Splitting it used to cost a scan from the top of the
#    script per statement (about 7 minutes, deaf to cancel and SIGTERM).
#  - the same statements as a beforeValidate callback;
#  - a repeatable that uses placeholders, given 400,000 of them (adding a
#    name, like looking one up, used to scan every name);
#  - V2__copies.sql: 3,000 COPY ... FROM stdin blocks, with "\." lines
#    inside a string and a comment before them;
#  - V1__dump.sql: 200,000 COPY blocks, as a dump of many tables has them
#    (finding each block used to copy the whole rest of the script);
#  - a history of 100,000 BASELINE rows of one version followed by 100,000
#    DELETE rows, and one of 100,000 runs followed by 100,000 undo rows
#    (each DELETE or undo row used to walk back over the rows before it).
# Checks:
#  a. statement_timeout stops migrate_plan(), migrate_apply(),
#     migrate_validate() and migrate_info() on them; pg_cancel_backend and
#     pg_terminate_backend stop the caller of migrate_plan() and the apply
#     worker (and cancelling the caller of migrate_apply() stops its worker)
#     while they split.  Each call must end, and no backend or worker stay
#     behind, within $limit seconds: before the split was linear they did not
#     (timings are not asserted otherwise).  So that the timeout or signal
#     comes while the long loop runs, not before it (when the server checked
#     for interrupts already) nor after it (the loops are fast now), each
#     call is followed by a long pg_sleep, and the timeout is 1 s;
#  b. every statement of the big script is listed by migrate_plan() at its
#     line (the last one at line 200000), the COPY blocks with their data,
#     and both scripts apply.
use strict;
use warnings;
use IPC::Run;
use Time::HiRes qw(time usleep);
use PostgreSQL::Test::Cluster;
use PostgreSQL::Test::Utils;
use Test::More;

my $limit = 60;				# seconds a stopped call or backend may take
my $nstmts = 200_000;
my $nplaceholders = 400_000;
my $nuses = 100_000;
my $ncopies = 3_000;
my $ndumped = 200_000;

# --- fixtures ------------------------------------------------------------------
sub write_file
{
	my ($path, $text) = @_;
	open(my $fh, '>:raw', $path) or die "$path: $!";
	print $fh $text;
	close($fh) or die "$path: $!";
	return;
}

# Line i says "SELECT i;" whatever else is on it.
sub many_statements
{
	my @lines;
	for my $i (1 .. $nstmts)
	{
		my $stmt = $i % 13 == 0 ? "/* before */ SELECT $i;" : "SELECT $i;";
		$stmt .= ' -- after' if $i % 11 == 0;
		my $end = $i % 3 == 0 ? "\r\n" : $i % 7 == 0 ? "\r" : "\n";
		push @lines, $stmt . $end;
	}
	return join('', @lines);
}

my $root = PostgreSQL::Test::Utils::tempdir();
my $big = many_statements();
mkdir("$root/$_") or die "$root/$_: $!" for qw(many validate info copies dump history);
write_file("$root/many/V1__many_statements.sql", $big);
# after each migration: a sleep to be stopped in, if the split was not
write_file("$root/many/afterEachMigrate.sql", "SELECT pg_sleep(\${sleep});\n");
write_file("$root/validate/beforeValidate.sql", $big . "SELECT pg_sleep(600);\n");
write_file("$root/info/R__placeholders.sql",
	("SELECT '\${p" . ($nplaceholders - 1) . "}';\n") x $nuses);
my $placeholders = '{' . join(',', map { "\"p$_\": \"v$_\"" } 0 .. $nplaceholders - 1) . '}';

# COPY blocks; expected plan lines "line|statement" for V2
my ($copies, @copy_plan);
{
	my @lines = (
		'CREATE TABLE copied (n integer, s text);',
		"SELECT 'a", '\.', "b';",
		'/*', '\.', '*/ SELECT 0;');
	# (a statement's line is that of its first token, after any comment)
	push @copy_plan, "1|CREATE TABLE copied (n integer, s text)", "2|SELECT 'a\n\\.\nb'",
	  "7|SELECT 0";
	for my $i (1 .. $ncopies)
	{
		my $line = @lines + 1;
		push @lines, 'COPY copied (n, s) FROM stdin;', "$i\tblock $i", '\.', "SELECT $i;";
		push @copy_plan, "$line|COPY copied (n, s) FROM stdin;\n$i\tblock $i\n\\.",
		  ($line + 3) . "|SELECT $i";
	}
	$copies = join("\n", @lines) . "\n";
}
write_file("$root/copies/V2__copies.sql", $copies);
write_file("$root/dump/V1__dump.sql",
	"CREATE TABLE dumped (n integer);\n" . join('', map { "COPY dumped FROM stdin;\n$_\n\\.\n" } 1 .. $ndumped));

my $node = PostgreSQL::Test::Cluster->new('long_loops');
$node->init;
$node->start;
for my $db (qw(many validate info copies dump history))
{
	$node->safe_psql('postgres', "CREATE DATABASE $db");
	$node->safe_psql($db, 'CREATE EXTENSION pg_migrate');
	$node->safe_psql($db, "ALTER DATABASE $db SET pg_migrate.locations = 'filesystem:$root/$db'");
}

# --- helpers ---------------------------------------------------------------------

# Run SQL in psql in the background (from a file: IPC::Run would feed
# stdin only once we wait).
my $nsql = 0;
sub start_bg
{
	my ($db, $sql) = @_;
	my %run = (out => '', err => '');
	my $file = "$root/query" . $nsql++ . '.sql';
	write_file($file, $sql);
	$run{h} = IPC::Run::start(
		[ 'psql', '-X', '-At', '-v', 'ON_ERROR_STOP=1', '-d', $node->connstr($db), '-f', $file ],
		'<', \undef, '>', \$run{out}, '2>', \$run{err},
		IPC::Run::timeout($limit));
	return \%run;
}

# Wait for it; false if it had to be killed after $limit seconds.  A backend
# that did not stop would load the machine and the rest of the test: the
# server is then stopped at once and started again.
sub finish_bg
{
	my ($run) = @_;
	my $ok = eval { $run->{h}->finish; 1 };
	if (!$ok)
	{
		$run->{h}->kill_kill;
		$node->stop('immediate');
		$node->start;
	}
	return $ok;
}

# Run SQL in the foreground; (finished in time, stderr).
sub run_sql
{
	my ($db, $sql) = @_;
	my $run = start_bg($db, $sql);
	my $ok = finish_bg($run);
	return ($ok, $run->{err}, $run->{out});
}

# Poll until the expression is true; false after $limit seconds.
sub wait_true
{
	my ($db, $expr) = @_;
	my $deadline = time() + $limit;
	while (time() < $deadline)
	{
		return 1 if $node->safe_psql($db, "SELECT $expr") eq 't';
		usleep(20_000);
	}
	return 0;
}

my $apply_workers = q{(SELECT count(*) FROM pg_stat_activity WHERE backend_type = 'pg_migrate apply')};

# --- b. the big script is split right ---------------------------------------
{
	# the dry run reads the callbacks too, as apply does: their placeholder is given
	my ($ok, $err, $out) = run_sql('many', q{
SELECT count(*), min(line), max(line), count(*) FILTER (WHERE statement <> 'SELECT ' || line)
  FROM migrate_plan(placeholders => '{"sleep": "0"}') WHERE script = 'V1__many_statements.sql' AND line > 0;
SELECT line || '|' || statement FROM migrate_plan(placeholders => '{"sleep": "0"}')
  WHERE script = 'V1__many_statements.sql' AND line > 0 ORDER BY seq DESC LIMIT 2;});
	ok($ok, "many: migrate_plan() of $nstmts statements finished within $limit s");
	is($out, "$nstmts|1|$nstmts|0\n$nstmts|SELECT $nstmts\n" . ($nstmts - 1) . '|SELECT ' . ($nstmts - 1) . "\n",
		"many: migrate_plan() lists the $nstmts statements, each at its line, the last at line $nstmts")
	  or diag($err);
}
{
	my ($ok, $err, $out) = run_sql('copies',
		q{SELECT string_agg(line || '|' || statement, E'\n' ORDER BY seq) FROM migrate_plan() WHERE line > 0;});
	is($out, join("\n", @copy_plan) . "\n",
		"copies: the $ncopies COPY blocks with their data, every statement at its line") or diag($err);
}

# --- a. statement_timeout -------------------------------------------------------
{
	my ($ok, $err) = run_sql('many',
		q{SET statement_timeout = '1s'; SELECT pg_sleep(600) FROM (SELECT count(*) FROM migrate_plan(placeholders => '{"sleep": "0"}')) AS p;});
	ok($ok, "many: migrate_plan() under statement_timeout returned within $limit s");
	like($err, qr/canceling statement due to statement timeout/,
		'many: migrate_plan() stopped by statement_timeout');
}
{
	my ($ok, $err) = run_sql('many',
		q{SET statement_timeout = '1s'; SELECT * FROM migrate_apply(placeholders => '{"sleep": "600"}');});
	ok($ok, "many: migrate_apply() under statement_timeout returned within $limit s");
	like($err, qr/canceling statement due to statement timeout/,
		'many: migrate_apply() stopped by statement_timeout');
	ok(wait_true('many', "$apply_workers = 0"),
		"many: the apply worker is gone within $limit s of the timeout");
}
{
	my ($ok, $err) = run_sql('validate', "SET statement_timeout = '1s'; SELECT migrate_validate();");
	ok($ok, "validate: migrate_validate() under statement_timeout returned within $limit s");
	like($err, qr/canceling statement due to statement timeout/,
		'validate: migrate_validate() (its beforeValidate callback) stopped by statement_timeout');
}
{
	my ($ok, $err) = run_sql('info',
		"SET statement_timeout = '1s'; SELECT pg_sleep(600) FROM "
		  . "(SELECT count(*) FROM migrate_info(placeholders => '$placeholders')) AS i;");
	ok($ok, "info: migrate_info() under statement_timeout returned within $limit s");
	like($err, qr/canceling statement due to statement timeout/,
		"info: migrate_info() with $nplaceholders placeholders stopped by statement_timeout");
}

{
	my ($ok, $err) = run_sql('dump',
		q{SET statement_timeout = '1s'; SELECT pg_sleep(600) FROM (SELECT count(*) FROM migrate_plan(placeholders => '{"sleep": "0"}')) AS p;});
	ok($ok, "dump: migrate_plan() of $ndumped COPY blocks under statement_timeout returned within $limit s");
	like($err, qr/canceling statement due to statement timeout/,
		'dump: migrate_plan() stopped by statement_timeout');
	($ok, $err, my $out) = run_sql('dump', 'SELECT count(*), max(line) FROM migrate_plan() WHERE line > 0;');
	is($out, ($ndumped + 1) . '|' . (3 * $ndumped - 1) . "\n",
		"dump: $ndumped COPY blocks planned, the last at its line")
	  or diag($err);
}

for my $case ([ 'BASELINE', 'DELETE' ], [ 'SQL', 'UNDO_SQL' ])
{
	my ($first, $then) = @$case;
	$node->safe_psql(
		'history', qq{
DROP TABLE IF EXISTS flyway_schema_history;
SELECT count(*) FROM migrate_baseline('1', 'b');
INSERT INTO flyway_schema_history
	(installed_rank, version, description, type, script, checksum, installed_by, execution_time, success)
SELECT i, '1', 'b', CASE WHEN i <= 100000 THEN '$first' ELSE '$then' END, 'b', NULL, 'x', 0, true
  FROM pg_catalog.generate_series(2, 200000) AS i;});
	my ($ok, $err) = run_sql('history',
		"SET statement_timeout = '1s'; SELECT pg_sleep(600) FROM (SELECT count(*) FROM migrate_info()) AS i;");
	ok($ok, "history: migrate_info() of 100,000 $first then 100,000 $then rows under statement_timeout returned within $limit s");
	like($err, qr/canceling statement due to statement timeout/,
		"history: migrate_info() of $first then $then rows stopped by statement_timeout");
}
# (the baseline's own row, the runs 2 to 100000, and undo rows that no file resolves)
is($node->safe_psql('history', q{SELECT state, count(*) FROM migrate_info() GROUP BY state ORDER BY state}),
	"Baseline|1\nFuture|100000\nUndone|99999", 'history: every run undone by an undo row');

# --- a. cancel and terminate the caller of migrate_plan() ------------------------
# The plan is materialized before the sleep: a signal lands in the split, or
# (once the split is fast) in the sleep.
for my $how (qw(cancel terminate))
{
	my $marker = "plan_$how";
	my $run = start_bg('many',
		"SELECT pg_sleep(600), '$marker' FROM (SELECT count(*) FROM migrate_plan()) AS p;");
	my $caller = qq{SELECT pid FROM pg_stat_activity WHERE query LIKE '%''$marker''%'
		AND state = 'active' AND pid <> pg_backend_pid()};
	ok(wait_true('many', "EXISTS ($caller)"), "many: migrate_plan() to $how is running");
	is($node->safe_psql('many', "SELECT pg_${how}_backend(pid) FROM ($caller) AS c"),
		't', "many: pg_${how}_backend() of the caller of migrate_plan()");
	ok(finish_bg($run), "many: migrate_plan() returned within $limit s after the $how");
	like($run->{err},
		$how eq 'cancel' ? qr/canceling statement due to user request/
		: qr/terminating connection due to administrator command|server closed the connection/,
		"many: migrate_plan() reports the $how");
	ok(wait_true('many', "NOT EXISTS ($caller)"), "many: no backend left after the $how");
}

# --- a. cancel and terminate the apply worker, cancel the caller ----------------
# Each starts while the worker splits V1 (it reads, then splits, then runs
# V1 and the sleep of afterEachMigrate).
for my $case (
	[ 'worker', 'cancel', qr/canceling statement due to user request/ ],
	[ 'worker', 'terminate',
		qr/terminating background worker "pg_migrate apply" due to administrator command|the apply worker exited without finishing/ ],
	[ 'caller', 'cancel', qr/canceling statement due to user request/ ])
{
	my ($whom, $how, $expected) = @$case;
	my $marker = "apply_${whom}_$how";
	my $run = start_bg('many',
		qq{SELECT '$marker', * FROM migrate_apply(placeholders => '{"sleep": "600"}');});
	my $target = $whom eq 'worker'
	  ? q{SELECT pid FROM pg_stat_activity WHERE backend_type = 'pg_migrate apply'}
	  : qq{SELECT pid FROM pg_stat_activity WHERE query LIKE '%''$marker''%' AND pid <> pg_backend_pid()};
	ok(wait_true('many', "$apply_workers = 1"), "many: the apply worker for $marker started");
	is($node->safe_psql('many', "SELECT pg_${how}_backend(pid) FROM ($target) AS t"),
		't', "many: pg_${how}_backend() of the $whom of migrate_apply()");
	ok(finish_bg($run), "many: migrate_apply() returned within $limit s after the $how of the $whom");
	like($run->{err}, $expected, "many: migrate_apply() reports the $how of the $whom");
	ok(wait_true('many', "$apply_workers = 0"),
		"many: the apply worker is gone within $limit s after the $how of the $whom");
}

# --- b. nothing of V1 was recorded; now it applies -------------------------------
is($node->safe_psql('many', 'SELECT count(*) FROM flyway_schema_history'),
	'0', 'many: no stopped run recorded anything');
{
	my ($ok, $err, $out) = run_sql('many',
		q{SELECT version || ':' || state FROM migrate_apply(placeholders => '{"sleep": "0"}');});
	ok($ok, "many: migrate_apply() of the $nstmts statements finished within $limit s");
	is($out, "1:Success\n", 'many: V1 applied') or diag($err);
}
{
	my ($ok, $err, $out) = run_sql('copies',
		q{SELECT version || ':' || state FROM migrate_apply(); SELECT count(*), sum(n) FROM copied;});
	is($out, "2:Success\n$ncopies|" . ($ncopies * ($ncopies + 1) / 2) . "\n",
		"copies: V2 applied, its $ncopies COPY blocks loaded") or diag($err);
}

$node->stop;
done_testing();
