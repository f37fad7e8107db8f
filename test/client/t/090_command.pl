# The pg_migrate command (client/) against a cluster WITHOUT the
# extension, as a role that is not a superuser but owns the database (as
# RDS's master user): migrate, info (table and JSON), validate, baseline,
# repair, undo, plan; checksum drift, a failing migration (script, line,
# SQLSTATE; nothing half-applied), an undefined placeholder, placeholders
# from a flag, from FLYWAY_PLACEHOLDERS_* and from flyway.conf, -group,
# COPY FROM STDIN, and a wrong password and an unreachable server, each a
# one-line error with a non-zero exit status.
use strict;
use warnings;
use FindBin;
use lib $FindBin::RealBin, "$FindBin::RealBin/../../../t";
use JSON::PP;
use Test::More;
use CommandTest;
use SyncHelper;

built_command();
# the migrating role logs in with a password, over the socket and TCP
my $node = start_node('cli', conf => "listen_addresses = '127.0.0.1'",
	hba => "local all app scram-sha-256\nhost all app 127.0.0.1/32 scram-sha-256\n", database => 'appdb');
create_owner_role('app', password => 'app-secret', databases => [qw(appdb olddb)]);
sql('postgres', 'REVOKE CREATE ON SCHEMA public FROM PUBLIC');
is(sql("SELECT count(*) FROM pg_extension WHERE extname = 'pg_migrate'"),
	'0', 'the extension is not installed');
is(sql('postgres', "SELECT rolsuper FROM pg_roles WHERE rolname = 'app'"),
	'f', 'the migrating role is not a superuser');

my $port = $node->port;
my $work = work_dir();

# Run the command in $dir with only the environment given (and PATH, HOME).
sub pgm
{
	my ($dir, $env, @args) = @_;
	return run_pg_migrate({ dir => $dir, home => $work, env => $env }, @args);
}

my @app = connection_flags('appdb', 'app', 'app-secret');

# --- the scripts ---------------------------------------------------------
my $proj = "$work/proj";
write_file("$proj/sql/V1__people.sql", <<'EOF');
CREATE TABLE people (id int PRIMARY KEY, name text NOT NULL);
COPY people (id, name) FROM stdin;
1	ada
2	grace
\.
EOF
write_file("$proj/sql/V2__cities.sql", "CREATE TABLE cities (id int, name text);\n");
write_file("$proj/sql/U2__cities.sql", "DROP TABLE cities;\n");
write_file("$proj/sql/R__who.sql", "CREATE OR REPLACE VIEW who AS SELECT '\${who}'::text AS who;\n");
write_file("$proj/sql/nested/V3__index.sql",
	"CREATE INDEX CONCURRENTLY people_name ON people (name);\n");
write_file("$proj/sql/.hidden/V9__never.sql", "SELECT 1/0;\n");

# --- usage errors ----------------------------------------------------------
my ($rc, $out, $err) = pgm($proj, {}, 'frobnicate');
is($rc, 2, 'unknown command: exit status 2');
like($err, qr/^ERROR: unknown command "frobnicate"/, 'unknown command: named');
($rc, $out, $err) = pgm($proj, {}, '-noSuchOption=1', 'info');
is($rc, 2, 'unknown option: exit status 2');
like($err, qr/noSuchOption/, 'unknown option: named');
($rc, $out, $err) = pgm($proj, {}, '--help');
is($rc, 0, '--help: exit status 0');
like($out, qr/Usage:\n  pg_migrate \[options\] <command>/, '--help: usage');
($rc, $out) = pgm($proj, {}, '-v');
like($out, qr/^pg_migrate \d+\.\d+\.\d+$/m, '-v: the version');

# --- connection failures: one line each, no password ------------------------
($rc, $out, $err) = pgm($proj, {}, connection_flags('appdb', 'app', 'wrong-secret'), 'info');
is($rc, 1, 'wrong password: exit status 1');
like($err, qr/^ERROR: could not connect to the database: .*password authentication failed for user "app" \(SQLSTATE 28P01\)$/m,
	'wrong password: a clear error');
is(scalar(() = $err =~ /^ERROR:/mg), 1, 'wrong password: one error line');
unlike($err . $out, qr/wrong-secret/, 'wrong password: the password is not printed');

($rc, $out, $err) = pgm($proj, {}, '-url=jdbc:postgresql://127.0.0.1:1/appdb', '-user=app',
	'-password=app-secret', 'info');
is($rc, 1, 'unreachable server: exit status 1');
like($err, qr/^ERROR: could not connect to the database: .*(refused|failed).* \(SQLSTATE 08006\)$/m,
	'unreachable server: a clear error');
is(scalar(() = $err =~ /^ERROR:/mg), 1, 'unreachable server: one error line');

($rc, $out, $err) = pgm($proj, {}, '-url=jdbc:postgresql://127.0.0.1:1/appdb', '-connectRetries=1',
	'-connectRetriesInterval=1', 'info');
is($rc, 1, 'connectRetries: still unreachable, exit status 1');
like($err, qr/^WARNING: .*retrying in 1 s \(connectRetries: attempt 1 of 1\)\n(.*\n)*ERROR: could not connect/m,
	'connectRetries: one retry, then the error');

# a JDBC URL, the password from FLYWAY_PASSWORD
($rc, $out, $err) = pgm($proj, { FLYWAY_PASSWORD => 'app-secret' },
	"-url=jdbc:postgresql://127.0.0.1:$port/appdb?sslmode=disable", '-user=app', '-placeholders.who=x', 'info');
is($rc, 0, 'a JDBC URL and FLYWAY_PASSWORD: connected') or diag($err);

# --- plan: the dry run runs nothing ---------------------------------------------
($rc, $out, $err) = pgm($proj, {}, @app, '-placeholders.who=flag', 'plan');
is($rc, 0, 'plan: exit status 0') or diag($err);
like($out, qr/CREATE TABLE people/, 'plan: lists the first migration');
like($out, qr/CREATE INDEX CONCURRENTLY people_name/, 'plan: lists the nested one');
is(sql("SELECT to_regclass('public.people') IS NULL"), 't', 'plan: nothing was run');
# a secret is masked where a script holds it (by the engine, as
# migrate_plan() masks it), not in pg_migrate's own statements
($rc, $out, $err) = pgm($proj, {}, @app, '-placeholders.who=flag', '-placeholders.api_token=true', 'plan');
is($rc, 0, 'plan with a secret placeholder: exit status 0') or diag($err);
like($out, qr/^INSERT INTO "public"\."flyway_schema_history" .*, true\);$/m,
	'plan: a secret\'s value in a history row is not masked there');

# --- migrate: a placeholder from a flag; COPY; CONCURRENTLY outside a block -----
($rc, $out, $err) = pgm($proj, {}, @app, '-placeholders.who=flag', 'migrate');
is($rc, 0, 'migrate: exit status 0') or diag($err);
like($err, qr/^Migrated schema "public" to version "1 - people" \(\d+ ms\)$/m,
	'migrate: a line per migration, with its time');
like($err, qr/with repeatable migration "who"/, 'migrate: the repeatable');
is(sql('SELECT string_agg(name, \',\' ORDER BY id) FROM people'), 'ada,grace',
	'migrate: COPY FROM STDIN data loaded');
is(sql('SELECT who FROM who'), 'flag', 'placeholder from a flag');
is(sql("SELECT indisvalid FROM pg_index WHERE indexrelid = 'people_name'::regclass"), 't',
	'migrate: the CONCURRENTLY index is valid');
is(sql("SELECT string_agg(coalesce(version, 'R') || ':' || script || ':' || success || ':' || installed_by, ' ' ORDER BY installed_rank) FROM flyway_schema_history"),
	'1:V1__people.sql:true:app 2:V2__cities.sql:true:app 3:nested/V3__index.sql:true:app R:R__who.sql:true:app',
	'migrate: Flyway history rows, installed by the role');
is(sql("SELECT tableowner FROM pg_tables WHERE tablename = 'people'"), 'app',
	'migrate: objects belong to the role');

# nothing to do: success, nothing applied
($rc, $out, $err) = pgm($proj, {}, @app, '-placeholders.who=flag', 'migrate');
is($rc, 0, 'migrate again: exit status 0');
like($err, qr/is up to date/, 'migrate again: nothing to do');

# --- placeholders from the environment, then flyway.conf; flags win ---------------
($rc, $out, $err) = pgm($proj, { FLYWAY_PLACEHOLDERS_WHO => 'env' }, @app, 'migrate');
is($rc, 0, 'migrate with FLYWAY_PLACEHOLDERS_WHO: exit status 0') or diag($err);
is(sql('SELECT who FROM who'), 'env', 'placeholder from FLYWAY_PLACEHOLDERS_WHO');
write_file("$proj/flyway.conf", "flyway.placeholders.who=conf\n");
($rc, $out, $err) = pgm($proj, {}, @app, 'migrate');
is($rc, 0, 'migrate with flyway.conf: exit status 0') or diag($err);
is(sql('SELECT who FROM who'), 'conf', 'placeholder from ./flyway.conf');
($rc, $out, $err) = pgm($proj, { FLYWAY_PLACEHOLDERS_WHO => 'env' }, @app, '-placeholders.who=flag', 'migrate');
is(sql('SELECT who FROM who'), 'flag', 'a flag wins over the environment and flyway.conf');
unlink("$proj/flyway.conf");

# --- info: the table, and Flyway's JSON ------------------------------------------
($rc, $out, $err) = pgm($proj, {}, @app, '-placeholders.who=flag', 'info');
is($rc, 0, 'info: exit status 0') or diag($err);
like($out, qr/^Schema version: 3$/m, 'info: the schema version');
like($out, qr/^\| Category +\| Version +\| Description +\| Type +\| Installed On +\| State +\| Undoable +\|$/m,
	'info: the header');
like($out, qr/^\| Versioned +\| 2 +\| cities +\| SQL +\| \d{4}-\d\d-\d\d \d\d:\d\d:\d\d +\| Success +\| Yes +\|$/m,
	'info: a versioned row');
($rc, $out, $err) = pgm($proj, {}, @app, '-placeholders.who=flag', '-outputType=json', 'info');
is($rc, 0, 'info -outputType=json: exit status 0') or diag($err);
my $info = eval { decode_json($out) };
ok($info, 'info -outputType=json: valid JSON') or diag($out);
is($info->{operation}, 'info', 'info JSON: operation');
is($info->{schemaVersion}, '3', 'info JSON: schemaVersion');
is($info->{schemaName}, 'public', 'info JSON: schemaName');
is(join(',', map { "$_->{version}:$_->{state}" } grep { $_->{category} eq 'Versioned' } @{ $info->{migrations} }),
	'1:Success,2:Success,3:Success', 'info JSON: every versioned migration');
is(scalar(grep { $_->{category} eq 'Repeatable' && $_->{state} eq 'Success' } @{ $info->{migrations} }), 1,
	'info JSON: the repeatable, once current');
my ($m2) = grep { $_->{version} eq '2' } @{ $info->{migrations} };
is(join(',', map { $m2->{$_} } qw(category description type state undoable installedBy installedRank)),
	'Versioned,cities,SQL,Success,Yes,app,2', 'info JSON: a migration\'s fields');
like($m2->{filepath}, qr{/sql/V2__cities\.sql$}, 'info JSON: filepath');

# --- validate, then checksum drift, then repair ----------------------------------
($rc, $out, $err) = pgm($proj, {}, @app, '-placeholders.who=flag', 'validate');
is($rc, 0, 'validate: exit status 0') or diag($err);
write_file("$proj/sql/V2__cities.sql", "CREATE TABLE cities (id int, name text, country text);\n");
($rc, $out, $err) = pgm($proj, {}, @app, '-placeholders.who=flag', 'validate');
is($rc, 1, 'checksum drift: validate fails');
like($err, qr/^ERROR: .*checksum mismatch for migration version 2.*\(SQLSTATE 55000\)$/m,
	'checksum drift: the error names the version');
($rc, $out, $err) = pgm($proj, {}, @app, '-placeholders.who=flag', 'migrate');
is($rc, 1, 'checksum drift: migrate refuses too');
($rc, $out, $err) = pgm($proj, {}, @app, '-placeholders.who=flag', 'repair', 'validate');
is($rc, 0, 'repair then validate: exit status 0') or diag($err);

# --- a failing migration: script, line, SQLSTATE; nothing half-applied ----------
write_file("$proj/sql/V4__broken.sql", <<'EOF');
CREATE TABLE half (id int);
INSERT INTO half VALUES (1);

SELECT no_such_column
  FROM half;
EOF
($rc, $out, $err) = pgm($proj, {}, @app, '-placeholders.who=flag', 'migrate');
is($rc, 1, 'failing migration: exit status 1');
like($err, qr/^ERROR: .*V4__broken\.sql.*line 4.*column "no_such_column" does not exist.*\(SQLSTATE 42703\)$/m,
	'failing migration: script, line, message and SQLSTATE');
is(sql("SELECT to_regclass('public.half') IS NULL"), 't', 'failing migration: nothing half-applied');
is(sql("SELECT count(*) FROM flyway_schema_history WHERE version = '4' AND success"), '0',
	'failing migration: not recorded as applied');
unlink("$proj/sql/V4__broken.sql");
pgm($proj, {}, @app, '-placeholders.who=flag', 'repair');

# --- an undefined placeholder ------------------------------------------------------
($rc, $out, $err) = pgm($proj, {}, @app, 'migrate');
is($rc, 1, 'undefined placeholder: exit status 1');
like($err, qr/^ERROR: no value provided for placeholder \$\{who\} in "R__who\.sql" line 1/m,
	'undefined placeholder: named, with script and line');

# --- secrets are masked ----------------------------------------------------------
write_file("$proj/sql/V5__secret.sql", "SELECT '\${db_password}'::int;\n");
($rc, $out, $err) = pgm($proj, {}, @app, '-placeholders.who=flag', '-placeholders.db_password=hunter2',
	'migrate');
is($rc, 1, 'a failing script with a secret: exit status 1');
unlike($err, qr/hunter2/, 'a secret placeholder value is masked in the error');
unlink("$proj/sql/V5__secret.sql");

# --- undo ----------------------------------------------------------------------------
# version 3 has no U script: undo refuses, with Flyway's JSON error object
($rc, $out, $err) = pgm($proj, {}, @app, '-placeholders.who=flag', '-outputType=json', 'undo');
is($rc, 1, 'undo of a version without a U script fails') or diag($out);
my $undo_err = eval { decode_json($out) };
ok($undo_err && $undo_err->{error}{errorCode} && $undo_err->{error}{message} =~ /U3|undo/i,
	'undo error: Flyway\'s JSON error object') or diag($out);
write_file("$proj/sql/nested/U3__index.sql", "DROP INDEX people_name;\n");
($rc, $out, $err) = pgm($proj, {}, @app, '-placeholders.who=flag', 'undo');
is($rc, 0, 'undo: exit status 0') or diag($err);
like($err, qr/^Undid migration of schema "public" to version "3 - index" \(\d+ ms\)$/m, 'undo: its line');
is(sql("SELECT to_regclass('public.people_name') IS NULL"), 't', 'undo: the U script ran');
($rc, $out, $err) = pgm($proj, {}, @app, '-placeholders.who=flag', '-outputType=json', 'info');
my ($v3) = grep { $_->{version} eq '3' } @{ (eval { decode_json($out) } || {})->{migrations} || [] };
is($v3 && $v3->{state}, 'Undone', 'undo: info shows version 3 undone');
($rc, $out, $err) = pgm($proj, {}, @app, '-placeholders.who=flag', '-target=1', 'undo');
is($rc, 0, 'undo -target=1: exit status 0') or diag($err);
is(sql("SELECT to_regclass('public.cities') IS NULL"), 't', 'undo -target=1: version 2 undone');
($rc, $out, $err) = pgm($proj, {}, @app, '-placeholders.who=flag', 'migrate');
is($rc, 0, 'migrate after undo: exit status 0') or diag($err);
is(sql("SELECT to_regclass('public.cities') IS NOT NULL AND to_regclass('public.people_name') IS NOT NULL"),
	't', 'migrate after undo: versions 2 and 3 applied again');

# --- what one script sets does not reach the next one -----------------------------
write_file("$proj/sql/V6__leak.sql", "CREATE SCHEMA elsewhere;\nSET search_path = elsewhere;\nSET check_function_bodies = off;\n");
write_file("$proj/sql/V7__after.sql", "CREATE TABLE where_am_i (setting text);\n"
	. "INSERT INTO where_am_i VALUES (current_setting('check_function_bodies'));\n");
($rc, $out, $err) = pgm($proj, {}, @app, '-placeholders.who=flag', 'migrate');
is($rc, 0, 'a script that changes the session: exit status 0') or diag($err);
my $where = sql("SELECT n.nspname FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace WHERE c.relname = 'where_am_i'");
is($where, 'public', 'the next script starts with the search_path the run found');
is(sql("SELECT setting FROM \"$where\".where_am_i"), 'on', 'and with the settings the run found');

# --- a script that releases Flyway's lock fails, and is not recorded -------------
# (another migrate could have run beside it; the extension refuses it too)
my $unlock = "$work/unlock";
write_file("$unlock/sql/V1__first.sql", "CREATE TABLE unlock_first (id int);\n");
write_file("$unlock/sql/V2__unlock.sql", "CREATE TABLE unlock_second (id int);\nSELECT pg_advisory_unlock_all();\n");
write_file("$unlock/sql/V3__after.sql", "CREATE TABLE unlock_after (id int);\n");
($rc, $out, $err) = pgm($unlock, {}, @app, '-schemas=unlocking', 'migrate');
is($rc, 1, 'a script that releases the lock: exit status 1');
like($err, qr/^ERROR: migration V2__unlock\.sql failed after its statements ran: the migration lock of "unlocking"\."flyway_schema_history" was released by this migration or its callbacks \(SQLSTATE 55000\)$/m,
	'a script that releases the lock: the error names it');
unlike($err, qr/WARNING/, 'a script that releases the lock: no warning of an unlock without a lock');
is(sql(q{SELECT string_agg(version || ':' || success, ',' ORDER BY installed_rank) FROM unlocking.flyway_schema_history}),
	'1:true', 'a script that releases the lock: not recorded, and the next one not run');
is(sql(q{SELECT to_regclass('unlocking.unlock_first') IS NOT NULL AND to_regclass('unlocking.unlock_second') IS NULL AND to_regclass('unlocking.unlock_after') IS NULL}),
	't', 'a script that releases the lock: nothing of it remains');
is(sql(q{SELECT count(*) FROM pg_locks WHERE locktype = 'advisory'}), '0', 'the lock is free after the run');

# --- a script that drops the prepared history INSERT ---------------------------------
# The command prepares its history INSERT once; DEALLOCATE ALL in a script, or
# in a function's dynamic SQL, drops it, and the next row must still be written.
write_file("$proj/sql/V8__deallocate.sql", "DEALLOCATE ALL;\nCREATE TABLE after_deallocate (id int);\n");
write_file("$proj/sql/V9__deallocate_dynamic.sql",
	"DO \$\$ BEGIN EXECUTE 'DEALLOCATE ALL'; END \$\$;\nCREATE TABLE after_dynamic (id int);\n");
write_file("$proj/sql/V10__last.sql", "CREATE TABLE last_one (id int);\n");
($rc, $out, $err) = pgm($proj, {}, @app, '-placeholders.who=flag', 'migrate');
is($rc, 0, 'scripts that DEALLOCATE ALL: exit status 0') or diag($err);
is(sql("SELECT string_agg(version, ',' ORDER BY installed_rank) FROM flyway_schema_history "
		. "WHERE version IN ('8', '9', '10') AND success"),
	'8,9,10', 'scripts that DEALLOCATE ALL: each recorded once, as applied');

# --- JSON migrate, -group=true, and baseline on another database ----------------------
my $old = "$work/old";
write_file("$old/sql/V1__existing.sql", "CREATE TABLE existing (id int);\n");
write_file("$old/sql/V2__more.sql", "CREATE TABLE more (id int);\n");
write_file("$old/sql/V3__again.sql", "CREATE TABLE again (id int);\nCREATE TABLE again2 (id int);\n");
$node->safe_psql('olddb', 'SET ROLE app; CREATE TABLE existing (id int)');
my @old = ("-url=postgresql://app:app-secret\@127.0.0.1:$port/olddb");
($rc, $out, $err) = pgm($old, {}, @old, 'migrate');
is($rc, 1, 'migrate into a non-empty schema without a baseline fails');
($rc, $out, $err) = pgm($old, {}, @old, '-baselineVersion=1', 'baseline');
is($rc, 0, 'baseline: exit status 0') or diag($err);
is($node->safe_psql('olddb', "SELECT version || ':' || type FROM flyway_schema_history WHERE type = 'BASELINE'"),
	'1:BASELINE', 'baseline: a BASELINE row at version 1');
($rc, $out, $err) = pgm($old, {}, @old, '-outputType=json', '-group=true', '-target=2', 'migrate');
is($rc, 0, 'migrate -group=true -outputType=json: exit status 0') or diag($err);
my $mig = eval { decode_json($out) };
ok($mig, 'migrate JSON: valid') or diag($out);
is(join(',', map { $mig->{$_} } qw(operation initialSchemaVersion targetSchemaVersion schemaName migrationsExecuted)),
	'migrate,1,2,public,1', 'migrate JSON: versions and count');
is(join(',', map { $_->{version} . ':' . $_->{category} . ':' . $_->{type} } @{ $mig->{migrations} }),
	'2:Versioned:SQL', 'migrate JSON: the migration');
ok($mig->{success} && $mig->{success} eq '1' || ($mig->{success} && JSON::PP::is_bool($mig->{success})),
	'migrate JSON: success');

# -group=true: a failure in the second migration leaves the first undone too
write_file("$old/sql/V4__fails.sql", "SELECT 1/0;\n");
($rc, $out, $err) = pgm($old, {}, @old, '-group=true', 'migrate');
is($rc, 1, 'migrate -group=true with a failing migration: exit status 1');
is($node->safe_psql('olddb', "SELECT to_regclass('public.again') IS NULL"), 't',
	'-group=true: the migration before the failure is rolled back with it');

# --- https:// and s3:// releases, fetched with their manifest of hashes -------------
for my $v (grep { /^AWS_/ } keys %ENV) { delete $ENV{$v}; }
my $srv = start_servers();
my %tls = (CURL_CA_BUNDLE => "$srv->{certs}/ca.crt", AWS_EC2_METADATA_DISABLED => 'true');
$node->safe_psql('postgres', 'CREATE DATABASE remotedb OWNER app');
$node->safe_psql('remotedb', 'ALTER SCHEMA public OWNER TO app');
my @remote = connection_flags('remotedb', 'app', 'app-secret');
publish($srv, 'app', 'r1', {
	'V1__init.sql' => "CREATE TABLE r1 (id int);\n",
	'sub/V2__more.sql' => "ALTER TABLE r1 ADD COLUMN x text;\n",
	'README.md' => "not a script\n" });
my $https = "https://127.0.0.1:$srv->{ports}{https}/app/";
($rc, $out, $err) = pgm($work, \%tls, @remote, "-locations=$https", 'migrate');
is($rc, 0, 'https:// location: exit status 0') or diag($err);
is($node->safe_psql('remotedb', "SELECT string_agg(script, ',' ORDER BY installed_rank) FROM flyway_schema_history WHERE success"),
	'V1__init.sql,sub/V2__more.sql', 'https:// location: its scripts applied, named by their relative path');
publish($srv, 'app', 'r2', {
	'V1__init.sql' => "CREATE TABLE r1 (id int);\n",
	'sub/V2__more.sql' => "ALTER TABLE r1 ADD COLUMN x text;\n",
	'V3__tampered.sql' => "CREATE TABLE tampered (id int);\n" },
	lie => { 'V3__tampered.sql' => 'ab' x 32 });
($rc, $out, $err) = pgm($work, \%tls, @remote, "-locations=$https", 'migrate');
is($rc, 1, 'a file that does not match the manifest: exit status 1');
like($err, qr/^ERROR: script "https:.*V3__tampered\.sql" does not match the manifest/m,
	'a file that does not match the manifest: named');
is($node->safe_psql('remotedb', "SELECT to_regclass('public.tampered') IS NULL"), 't',
	'a file that does not match the manifest: nothing of it ran');
($rc, $out, $err) = pgm($work, {}, @remote, "-locations=$https", 'info');
is($rc, 1, 'https:// with a CA the system does not trust: exit status 1');
like($err, qr/^ERROR: could not fetch "https:/m, 'https:// with an untrusted certificate: a clear error');

publish($srv, 'relbucket/app', 's3-r1', { 'V1__init.sql' => "CREATE TABLE r1 (id int);\n",
	'sub/V2__more.sql' => "ALTER TABLE r1 ADD COLUMN x text;\n",
	'V4__s3.sql' => "CREATE TABLE from_s3 (id int);\n" });
my %s3 = (%tls, AWS_ACCESS_KEY_ID => 'AKIDPLAINTEST000001',
	AWS_SECRET_ACCESS_KEY => 'plainSecretKey/0123456789abcdefghijKLMN', AWS_REGION => 'eu-west-1',
	AWS_ENDPOINT_URL_S3 => "https://127.0.0.1:$srv->{ports}{s3}");
($rc, $out, $err) = pgm($work, \%s3, @remote, '-locations=s3://relbucket/app/', 'migrate');
is($rc, 0, 's3:// location, signed with credentials from the environment: exit status 0') or diag($err);
is($node->safe_psql('remotedb', "SELECT to_regclass('public.from_s3') IS NOT NULL"), 't',
	's3:// location: its new script applied');
unlike($err . $out, qr/plainSecretKey/, 's3:// location: the secret key is never printed');

done_testing();
