# The pg_migrate command's flyway.toml (Flyway 10's configuration file),
# against a cluster WITHOUT the extension, as a role that is not a
# superuser and logs in with a password: ./flyway.toml read by default,
# -configFiles mixing .toml and .conf (a later file wins), environments
# chosen by -environment, FLYWAY_ENVIRONMENT and [flyway] environment, an
# environment's flyway table, [flyway.placeholders], Flyway's precedence
# (flags over FLYWAY_* over files), ${env.NAME}, and errors: a syntax
# error by file:line:column, an unknown key, an undefined environment,
# an unset variable; each before anything connects, none showing the
# password.
use strict;
use warnings;
use FindBin;
use lib $FindBin::RealBin;
use PostgreSQL::Test::Utils;
use Test::More;
use CommandTest;

built_command();
my $node = start_node('toml', conf => 'log_connections = on', hba => "local all app scram-sha-256\n");
create_owner_role('app', password => 'app-secret', databases => [qw(devdb testdb mixdb errdb)]);
is(sql('devdb', "SELECT count(*) FROM pg_extension WHERE extname = 'pg_migrate'"),
	'0', 'the extension is not installed');
is(sql("SELECT rolsuper FROM pg_roles WHERE rolname = 'app'"),
	'f', 'the migrating role is not a superuser');

my $work = work_dir();
my $home = work_dir();

# Every run's output, to check that no password ever shows
my $all_output = '';

# Run the command in $work with only the environment given; PGHOST points
# nowhere, so a run that found no url cannot reach a server by chance.
sub pgm
{
	my ($env, @args) = @_;
	my ($rc, $out, $err) =
	  run_pg_migrate({ dir => $work, home => $home, env => { PGHOST => '/nonexistent', %$env } }, @args);
	$all_output .= $out . $err;
	return ($rc, $out, $err);
}

write_file("$work/sql/V1__base.sql", "CREATE TABLE IF NOT EXISTS t_base (id int);\n");
write_file("$work/sql/R__who.sql", "CREATE OR REPLACE VIEW who_v AS SELECT '\${who}'::text AS who;\n");
write_file("$work/testsql/V1__test_only.sql", "CREATE TABLE t_test (id int);\n");
write_file("$work/testsql/R__who.sql", "CREATE OR REPLACE VIEW who_v AS SELECT '\${who}'::text AS who;\n");

my $url_dev = conninfo('devdb');
my $url_test = conninfo('testdb');
my $project = <<"EOF";
# a Flyway 10 project file, as flyway init writes one
id = "4f6c3c9e"
name = "toml-test"
databaseType = "PostgreSql"

[flyway]
locations = ["filesystem:sql"]
mixed = false
connectRetries = 0

[flyway.placeholders]
who = "toml"

[environments.default]
url = "$url_dev"
user = "app"
password = "app-secret"
displayName = "development"

[environments.test]
url = "$url_test"
user = "app"
password = "\${env.TEST_DB_PASSWORD}"

[environments.test.flyway]
locations = ["filesystem:testsql"]

[environments.test.flyway.placeholders]
who = "test environment"

[flywayDesktop]
developmentEnvironment = "development"
EOF
write_file("$work/flyway.toml", $project);

# --- ./flyway.toml by default, its default environment ----------------------
my ($rc, $out, $err) = pgm({}, 'migrate');
is($rc, 0, './flyway.toml is read by default: migrate succeeds') or diag($err);
is(sql('devdb', 'SELECT string_agg(version, \',\' ORDER BY installed_rank) FROM flyway_schema_history'),
	'1', 'the default environment\'s database got [flyway] locations\' migrations');
is(sql('devdb', 'SELECT who FROM who_v'), 'toml', '[flyway.placeholders] gave the placeholder');
is(sql('devdb', "SELECT DISTINCT installed_by FROM flyway_schema_history"), 'app',
	'as the environment\'s user');

# --- precedence: FLYWAY_* over the file, flags over FLYWAY_* ----------------
($rc, $out, $err) = pgm({ FLYWAY_PLACEHOLDERS_WHO => 'from env' }, 'migrate');
is($rc, 0, 'FLYWAY_PLACEHOLDERS_WHO') or diag($err);
is(sql('devdb', 'SELECT who FROM who_v'), 'from env', 'an environment variable wins over the file');
($rc, $out, $err) = pgm({ FLYWAY_PLACEHOLDERS_WHO => 'from env' }, '-placeholders.who=from flag', 'migrate');
is($rc, 0, '-placeholders.who') or diag($err);
is(sql('devdb', 'SELECT who FROM who_v'), 'from flag', 'a flag wins over the environment variable');
($rc, $out, $err) = pgm({ FLYWAY_PASSWORD => 'wrong-env-password' }, 'info');
is($rc, 1, 'FLYWAY_PASSWORD wins over the environment\'s password in the file');
like($err, qr/password authentication failed for user "app"/, 'so the login fails');
($rc, $out, $err) = pgm({ FLYWAY_PASSWORD => 'wrong-env-password' }, '-password=app-secret', 'info');
is($rc, 0, '-password wins over FLYWAY_PASSWORD') or diag($err);

# --- environments: -environment, FLYWAY_ENVIRONMENT, [flyway] environment ----
($rc, $out, $err) = pgm({}, '-environment=test', 'info');
is($rc, 2, 'an unset ${env.NAME} is an error');
like($err, qr/^ERROR: environments\.test\.password \(flyway\.toml:\d+\) names the environment variable TEST_DB_PASSWORD, which is not set/m,
	'naming the setting, the file and the variable');
($rc, $out, $err) = pgm({ TEST_DB_PASSWORD => 'app-secret' }, '-environment=test', 'migrate');
is($rc, 0, '-environment=test, its password from ${env.TEST_DB_PASSWORD}') or diag($err);
is(sql('testdb', 'SELECT string_agg(script, \',\' ORDER BY installed_rank) FROM flyway_schema_history'),
	'V1__test_only.sql,R__who.sql', 'the test environment\'s database, with its flyway table\'s locations');
is(sql('testdb', 'SELECT who FROM who_v'), 'test environment', 'and its own placeholder');
is(sql('devdb', 'SELECT count(*) FROM flyway_schema_history'), '4', 'the default environment is untouched');

write_file("$work/testsql/R__who.sql", "CREATE OR REPLACE VIEW who_v AS SELECT '\${who}'::text || '!' AS who;\n");
($rc, $out, $err) = pgm({ TEST_DB_PASSWORD => 'app-secret', FLYWAY_ENVIRONMENT => 'test' }, 'migrate');
is($rc, 0, 'FLYWAY_ENVIRONMENT=test') or diag($err);
is(sql('testdb', 'SELECT who FROM who_v'), 'test environment!', 'chooses the test environment');

write_file("$work/choose.toml", "[flyway]\nenvironment = \"test\"\n");
write_file("$work/testsql/R__who.sql", "CREATE OR REPLACE VIEW who_v AS SELECT '\${who}'::text || '?' AS who;\n");
($rc, $out, $err) = pgm({ TEST_DB_PASSWORD => 'app-secret' }, '-configFiles=flyway.toml,choose.toml', 'migrate');
is($rc, 0, '[flyway] environment = "test" in a second file') or diag($err);
is(sql('testdb', 'SELECT who FROM who_v'), 'test environment?', 'chooses the test environment');

($rc, $out, $err) = pgm({}, '-environment=nosuch', 'migrate');
is($rc, 2, 'an environment defined nowhere is an error');
like($err, qr/^ERROR: environment nosuch \(-environment\) is not defined/m, 'naming it and the flag');

# --- -configFiles: .toml and .conf mixed, a later file wins -----------------
my $url_mix = conninfo('mixdb');
write_file("$work/mix/base.toml", <<"EOF");
[flyway]
table = "history_toml"
[flyway.placeholders]
who = "base.toml"
[environments.default]
url = "$url_mix"
user = "app"
EOF
write_file("$work/mix/over.conf", "flyway.table=history_conf\nflyway.password=app-secret\n");
($rc, $out, $err) = pgm({}, '-configFiles=mix/base.toml,mix/over.conf', 'migrate');
is($rc, 0, '-configFiles=mix/base.toml,mix/over.conf') or diag($err);
is(sql('mixdb', "SELECT to_regclass('history_conf') IS NOT NULL AND to_regclass('history_toml') IS NULL"),
	't', 'the .conf named last wins for the table');
is(sql('mixdb', 'SELECT who FROM who_v'), 'base.toml', 'and the .toml gave what the .conf did not set');
is(sql('mixdb', "SELECT to_regclass('flyway_schema_history') IS NULL"), 't',
	'./flyway.toml was not read: -configFiles names the files');
write_file("$work/mix/over.toml", "[flyway]\ntable = \"history_toml\"\n");
($rc, $out, $err) = pgm({}, '-configFiles=mix/base.toml,mix/over.conf,mix/over.toml', 'migrate');
is($rc, 1, 'a .toml after the .conf: migrate refuses the schema');
like($err, qr/no history table "public"\."history_toml"/, 'as the .toml named last chose another table');

# --- both kinds in the working directory: flyway.toml wins -----------------
write_file("$work/flyway.conf", "flyway.placeholders.who=flyway.conf\nflyway.locations=filesystem:nowhere\n");
($rc, $out, $err) = pgm({}, 'migrate');
is($rc, 0, './flyway.conf and ./flyway.toml both read') or diag($err);
is(sql('devdb', 'SELECT who FROM who_v'), 'toml', 'flyway.toml wins over flyway.conf');
unlink("$work/flyway.conf");

# --- errors: before anything connects, without the password ----------------
my $url_err = conninfo('errdb');
my $log_offset = -s $node->logfile;
write_file("$work/bad/syntax.toml", <<"EOF");
[environments.default]
url = "$url_err"
user = "app"
password = trustno1-app-secret
EOF
($rc, $out, $err) = pgm({}, '-configFiles=bad/syntax.toml', 'migrate');
is($rc, 2, 'a TOML syntax error: exit status 2, as other configuration errors');
like($err, qr{^ERROR: bad/syntax\.toml:4:\d+: not valid TOML: }m, 'the error names the file, line and column');
unlike($err, qr/trustno1|app-secret|trus/, 'and quotes nothing of the value');

write_file("$work/bad/unknown.toml", "[flyway]\nlokations = [\"filesystem:sql\"]\n");
($rc, $out, $err) = pgm({}, '-configFiles=bad/unknown.toml', 'migrate');
is($rc, 2, 'an unknown key in [flyway]');
like($err, qr{^ERROR: unknown setting lokations \(bad/unknown\.toml:2\)}m, 'is named with its place');

write_file("$work/bad/outside.toml", "url = \"$url_err\"\n");
($rc, $out, $err) = pgm({}, '-configFiles=bad/outside.toml', 'migrate');
is($rc, 2, 'a Flyway key outside [flyway]');
like($err, qr{setting url is outside the \[flyway\] and \[environments\] tables}, 'is an error, not ignored');

write_file("$work/bad/vault.toml",
	"[environments.default]\nurl = \"$url_err\"\npassword = \"\${vault.db-password}\"\n");
($rc, $out, $err) = pgm({}, '-configFiles=bad/vault.toml', 'migrate');
is($rc, 2, 'a resolver other than env');
like($err, qr/uses Flyway's vault resolver, which pg_migrate does not support/, 'is refused by name');

write_file("$work/bad/array.toml", "[flyway]\nlocations = [[\"filesystem:sql\"]]\n");
($rc, $out, $err) = pgm({}, '-configFiles=bad/array.toml', 'migrate');
is($rc, 2, 'an array of arrays');
like($err, qr{^ERROR: bad/array\.toml:2:\d+: the value of flyway\.locations is an array holding tables or arrays}m,
	'is an error with its place');

is(sql('errdb', "SELECT count(*) FROM pg_class WHERE relnamespace = 'public'::regnamespace"), '0',
	'nothing was created by the failed runs');
unlike(slurp_file($node->logfile, $log_offset), qr/connection authorized: user=app database=errdb/,
	'and none of them connected');

unlike($all_output, qr/app-secret|wrong-env-password|trustno1/, 'no password was ever printed');

done_testing();
