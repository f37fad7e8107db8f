# Flyway's clean through the command, against a cluster without the
# extension, as a role that is not a superuser: refused unless
# -cleanDisabled=false (or FLYWAY_CLEAN_DISABLED, flyway.cleanDisabled),
# and the refusal changes nothing; a clean that fails (an object another
# role owns) drops nothing and runs afterCleanError; a clean empties the
# managed schemas, drops the one a migrate created, quotes hostile names,
# runs beforeClean and afterClean, prints Flyway's CleanResult; a migrate
# after it applies everything again.
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
my %scripts = (
	'V1__app.sql' => q{CREATE TYPE mood AS ENUM ('ok', 'sad');
CREATE SEQUENCE counter;
CREATE TABLE items (id serial PRIMARY KEY, name text, feeling mood);
CREATE VIEW item_names AS SELECT name FROM items;
CREATE FUNCTION add_one(i integer) RETURNS integer LANGUAGE sql AS 'SELECT i + 1';
CREATE TABLE "k""; DROP TABLE public.keep; --" (a integer);
INSERT INTO items (name) VALUES ('one');
},
	'V2__audit.sql' => "CREATE TABLE c_audit.log (item integer REFERENCES items (id));\n",
	'beforeClean.sql' => "INSERT INTO public.clean_log VALUES ('beforeClean');\n",
	'afterClean.sql' => "INSERT INTO public.clean_log VALUES ('afterClean');\n",
	'afterCleanError.sql' => "INSERT INTO public.clean_log VALUES ('afterCleanError');\n");
write_file("$dir/$_", $scripts{$_}) foreach keys %scripts;

my $node = start_node('clean', database => 'app');
create_owner_role('deployer', databases => ['app'], public_schema => 0);
$node->safe_psql('postgres', 'CREATE ROLE other LOGIN');
# c_app belongs to another role (deployer may create in it): deployer
# cannot drop what that role puts there
$node->safe_psql('app', q{CREATE SCHEMA c_app AUTHORIZATION other;
GRANT CREATE, USAGE ON SCHEMA c_app TO deployer;
SET ROLE deployer;
CREATE TABLE public.keep (a integer);
CREATE TABLE public.clean_log (event text);});
is($node->safe_psql('app', q{SELECT count(*) FROM pg_extension WHERE extname = 'pg_migrate'}), '0',
	'no pg_migrate extension in the database');

# Run the command as deployer, in the test's environment, on the scripts in $dir.
sub pgm
{
	my (@args) = @_;
	return run_pg_migrate({}, '-url=' . $node->connstr('app') . ' user=deployer', "-locations=filesystem:$dir",
		'-schemas=c_app,c_audit', @args);
}

# everything of the two schemas, the history and the log: what must not change
my $q_state = q{SELECT concat_ws(' / ',
  (SELECT string_agg(c.relname, ',' ORDER BY c.relname) FROM pg_class c
    WHERE c.relnamespace IN (SELECT oid FROM pg_namespace WHERE nspname IN ('c_app', 'c_audit'))),
  (SELECT count(*) FROM pg_proc WHERE pronamespace = 'c_app'::regnamespace),
  (SELECT count(*) FROM pg_type WHERE typnamespace = 'c_app'::regnamespace),
  (SELECT count(*) FROM c_app.flyway_schema_history),
  (SELECT count(*) FROM public.clean_log))};

my ($rc, $out, $err) = pgm('migrate');
is($rc, 0, 'migrate as deployer (not a superuser)') or diag($err);
is(sql(q{SELECT script FROM c_app.flyway_schema_history WHERE type = 'SCHEMA'}), '"c_audit"',
	'the SCHEMA marker lists the schema the migrate created');
my $before = sql($q_state);

# --- refused by default ------------------------------------------------------
($rc, $out, $err) = pgm('clean');
is($rc, 1, 'clean is refused by default (cleanDisabled is true, as in Flyway)');
like($err, qr/unable to execute clean as it has been disabled with -cleanDisabled/,
	'the refusal names the flag');
like($err, qr/run with -cleanDisabled=false/, 'the hint says how to allow it');
is(sql($q_state), $before, 'the refusal changed nothing, and no callback ran');
($rc, $out, $err) = pgm('-cleanDisabled=true', '-outputType=json', 'clean');
is($rc, 1, '-cleanDisabled=true: refused');
like($out, qr/"errorCode":\s*"[^"]+".*-cleanDisabled/s, 'the refusal as Flyway\'s JSON error');

# --- the migration lock held elsewhere: the clean gives up, nothing is dropped --
my $hin = 'SELECT pg_advisory_lock(' . flyway_lock_key('"c_app"."flyway_schema_history"') . ");\nSELECT 'locked';\n";
my ($hout, $herr) = ('', '');
my $holder = IPC::Run::start([ 'psql', '-XAtq', '-d', $node->connstr('app') ],
	'<', \$hin, '>', \$hout, '2>', \$herr,
	IPC::Run::timeout($PostgreSQL::Test::Utils::timeout_default));
$holder->pump until $hout =~ /^locked$/m;
($rc, $out, $err) = pgm('-cleanDisabled=false', '-lockRetryCount=0', 'clean');
is($rc, 1, 'the lock held by another session: clean gives up');
like($err, qr/could not take the migration lock of "c_app"\."flyway_schema_history"/, 'the error names the lock');
is(sql($q_state), $before, 'the lock refused: nothing dropped, no callback ran');
$hin .= "\\q\n";
$holder->finish;

# --- a clean that fails drops nothing; afterCleanError runs --------------------
$node->safe_psql('app', q{SET ROLE other; CREATE TABLE c_app.theirs (a integer);});
$before = sql($q_state);
($rc, $out, $err) = pgm('-cleanDisabled=false', 'clean');
is($rc, 1, 'clean of a schema with another role\'s table fails');
like($err, qr/must be owner of table theirs/, 'the error is the server\'s');
is(sql(q{SELECT string_agg(event, ',') FROM public.clean_log}), 'beforeClean,afterCleanError',
	'beforeClean, then afterCleanError ran');
sql('DELETE FROM public.clean_log');
is(sql($q_state), $before, 'the failed clean dropped nothing (one transaction)');
$node->safe_psql('app', 'DROP TABLE c_app.theirs');

# a CASCADE that reaches an extension's member would drop the extension (here
# plpgsql, which a superuser made own a view over c_app.items): refused
$node->safe_psql('app', q{CREATE VIEW public.member_view AS SELECT name FROM c_app.items;
ALTER EXTENSION plpgsql ADD VIEW public.member_view;});
$before = sql($q_state);
($rc, $out, $err) = pgm('-cleanDisabled=false', 'clean');
is($rc, 1, 'a clean that would drop an extension fails');
like($err, qr/clean would drop an extension's objects/, 'the error says why');
like($err, qr/Extensions before: plpgsql \(\d+ member objects\); after: none \(0\)/,
	'the detail names the extension');
is(sql(q{SELECT string_agg(event, ',') FROM public.clean_log}), 'beforeClean,afterCleanError',
	'afterCleanError ran');
sql('DELETE FROM public.clean_log');
is(sql($q_state), $before, 'nothing was dropped');
is(sql(q{SELECT count(*) FROM pg_extension WHERE extname = 'plpgsql'}), '1', 'plpgsql is still there');
$node->safe_psql('app', q{ALTER EXTENSION plpgsql DROP VIEW public.member_view; DROP VIEW public.member_view;});

# --- the clean: FLYWAY_CLEAN_DISABLED=false, Flyway's JSON result --------------
{
	local $ENV{FLYWAY_CLEAN_DISABLED} = 'false';
	($rc, $out, $err) = pgm('-outputType=json', 'clean');
}
is($rc, 0, 'FLYWAY_CLEAN_DISABLED=false: clean succeeds') or diag($err . $out);
like($out, qr/"operation":\s*"clean"/, 'JSON: operation clean');
like($out, qr/"schemasCleaned":\s*\[\s*"c_app"\s*\]/, 'JSON: schemasCleaned lists the schema emptied');
like($out, qr/"schemasDropped":\s*\[\s*"c_audit"\s*\]/, 'JSON: schemasDropped lists the schema the migrate created');
like($out, qr/"name":\s*"k\\"; DROP TABLE public.keep; --"/, 'JSON: the hostile-named table was dropped');
is(sql(q{SELECT string_agg(event, ',') FROM public.clean_log}), 'beforeClean,afterClean',
	'beforeClean and afterClean ran');
is( sql(q{SELECT (SELECT count(*) FROM pg_class WHERE relnamespace = 'c_app'::regnamespace) || ' ' ||
	(SELECT count(*) FROM pg_proc WHERE pronamespace = 'c_app'::regnamespace) || ' ' ||
	(SELECT count(*) FROM pg_type WHERE typnamespace = 'c_app'::regnamespace) || ' ' ||
	(SELECT count(*) FROM pg_namespace WHERE nspname = 'c_audit')}),
	'0 0 0 0',
	'c_app is empty (the history table too), c_audit is gone');
is(sql(q{SELECT to_regclass('public.keep') IS NOT NULL}), 't', 'public.keep survived its name in a DROP');

# --- migrate again; then clean as text ------------------------------------------
($rc, $out, $err) = pgm('migrate');
is($rc, 0, 'migrate after the clean') or diag($err);
like($err, qr/Successfully applied 2 migrations/, 'it applied everything again');
($rc, $out, $err) = pgm('-cleanDisabled=false', 'clean');
is($rc, 0, 'clean again') or diag($err);
like($err, qr/Successfully cleaned schema "c_app" \(\d+ objects dropped\)/, 'text: the schema emptied');
like($err, qr/Successfully dropped schema "c_audit"/, 'text: the schema dropped');

$node->stop;
done_testing();
