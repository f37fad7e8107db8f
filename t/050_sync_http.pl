# t/050_sync_http.pl
#   migrate_sync() from an HTTPS server on loopback (no preload needed):
#   first sync, conditional polls, new releases, migrate_info()/migrate_apply()
#   on the kept scripts, sync_on_apply, and faults that must each keep the
#   previous release with a clear status.
use strict;
use warnings;
use FindBin;
use lib $FindBin::RealBin;
use PostgreSQL::Test::Cluster;
use PostgreSQL::Test::Utils;
use Test::More;
use SyncHelper;

my $srv = start_servers();
my $https = "https://127.0.0.1:$srv->{ports}{https}";
my $loc = "$https/app/";

my $node = PostgreSQL::Test::Cluster->new('sync_http');
$node->init;
$node->append_conf('postgresql.conf', sync_conf($srv) . "pg_migrate.locations = '$loc'\n");
$node->start;
$node->safe_psql('postgres', 'CREATE EXTENSION pg_migrate');

my %r1 = (
	'V1__init.sql' => "CREATE TABLE t1 (id int);\n",
	'sub/V2__more.sql' => "ALTER TABLE t1 ADD COLUMN x text;\n",
	'R__view.sql' => "CREATE OR REPLACE VIEW v1 AS SELECT 1 AS one;\n",
	'README.md' => "not a script\n");
publish($srv, 'app', 'r1', \%r1);

sub sync_row
{
	return $node->safe_psql('postgres',
		"SELECT status, coalesce(release, '-'), added, changed, removed, coalesce(error, '') FROM migrate_sync()");
}

sub status_row
{
	return $node->safe_psql('postgres',
		"SELECT coalesce(release, '-'), files, last_error IS NULL, coalesce(last_error, '') FROM migrate_sync_status() WHERE location = '$loc'");
}

sub kept { return $node->safe_psql('postgres',
	"SELECT string_agg(path || ':' || release, ',' ORDER BY path COLLATE \"C\") FROM pg_migrate_fetched_scripts"); }

# --- first sync --------------------------------------------------------------
is(sync_row(), "updated|r1|4|0|0|", 'first sync brings release r1');
is(kept(), 'README.md:r1,R__view.sql:r1,V1__init.sql:r1,sub/V2__more.sql:r1', 'four files kept');
is($node->safe_psql('postgres', "SELECT checksum = 0, sha256 ~ '^[0-9a-f]{64}\$', etag IS NOT NULL FROM pg_migrate_fetched_scripts WHERE path = 'V1__init.sql'"),
	'f|t|t', 'checksum, sha256 and ETag kept');
like(status_row(), qr/^r1\|4\|t\|$/, 'status: r1, no error');

# unchanged: one conditional request
reset_stats($srv);
is(sync_row(), "unchanged|r1|0|0|0|", 'second sync: unchanged');
is(server_stats($srv)->{requests}, 1, 'an unchanged release costs one request');
is(server_stats($srv)->{by_path}{'app/pg_migrate.json'}, 1, '... the manifest');

# --- info and apply on the kept scripts -----------------------------------
is($node->safe_psql('postgres',
	"SELECT string_agg(coalesce(version, 'R') || ':' || script || ':' || state, ',' ORDER BY script) FROM migrate_info() WHERE category <> 'Schema'"),
	'R:R__view.sql:Pending,1:V1__init.sql:Pending,2:sub/V2__more.sql:Pending', 'migrate_info() lists the kept scripts');
reset_stats($srv);
is($node->safe_psql('postgres', "SELECT count(*) FROM migrate_apply()"), '3', 'migrate_apply() applies them');
is(server_stats($srv)->{requests}, 1, 'sync_on_apply: one conditional request before applying');
is($node->safe_psql('postgres', "SELECT x, one FROM t1 RIGHT JOIN v1 ON true"), '|1', 'schema created from the release');
is($node->safe_psql('postgres', "SELECT string_agg(script, ',' ORDER BY installed_rank) FROM flyway_schema_history WHERE success"),
	'V1__init.sql,sub/V2__more.sql,R__view.sql', 'history names scripts by their path in the release');

# --- a new release: add, change, remove -------------------------------------
my %r2 = %r1;
delete $r2{'README.md'};
$r2{'R__view.sql'} = "CREATE OR REPLACE VIEW v1 AS SELECT 2 AS one;\n";
$r2{'V3__third.sql'} = "CREATE TABLE t3 (id int);\n";
publish($srv, 'app', 'r2', \%r2, clean => 1);
is(sync_row(), "updated|r2|1|1|1|", 'release r2: one added, one changed, one removed');
is(kept(), 'R__view.sql:r2,V1__init.sql:r2,V3__third.sql:r2,sub/V2__more.sql:r2', 'kept files follow r2');

# --- faults: each keeps r2 ---------------------------------------------------
my $before = kept();
sub fault_case
{
	my ($name, $error_re, $setup, $sql_prefix) = @_;
	$setup->() if $setup;
	my ($ret, $out, $err) = $node->psql('postgres',
		($sql_prefix || '') . "SELECT status, coalesce(release, '-'), error FROM migrate_sync()");
	like($out, qr/^failed\|r2\|.*$error_re/s, "$name: sync fails, r2 kept") or diag("stdout: $out\nstderr: $err");
	like($err, qr/WARNING:  could not sync "\Q$loc\E"; the previous release is kept/, "$name: WARNING");
	is(kept(), $before, "$name: kept files unchanged");
	like(status_row(), qr/^r2\|4\|f\|.*$error_re/s, "$name: status keeps r2 and says why");
	set_faults($srv);
	publish($srv, 'app', 'r2', \%r2, clean => 1);
}

my %r3 = (%r2, 'V4__four.sql' => "CREATE TABLE t4 (id int);\n");
fault_case('hash mismatch', qr/V4__four.sql.*does not match the manifest/,
	sub { publish($srv, 'app', 'r3', \%r3, lie => { 'V4__four.sql' => 'ab' x 32 }) });
fault_case('size mismatch', qr/does not match the manifest/,
	sub { publish($srv, 'app', 'r3', \%r3, lie => { 'V4__four.sql' => 5 }) });
fault_case('truncated body', qr/could not fetch "\Q${loc}\EV4__four.sql"/,
	sub { publish($srv, 'app', 'r3', \%r3); set_faults($srv, 'app/V4__four.sql' => 'truncated') });
fault_case('403', qr/could not fetch.*403/,
	sub { publish($srv, 'app', 'r3', \%r3); set_faults($srv, 'app/V4__four.sql' => '403') });
fault_case('redirect to http', qr/could not fetch "\Q${loc}\Epg_migrate.json"/,
	sub { publish($srv, 'app', 'r3', \%r3); set_faults($srv, 'app/pg_migrate.json' => 'redirect-http') });
fault_case('redirect to another host', qr/redirect refused.*on host localhost port/s,
	sub { publish($srv, 'app', 'r3', \%r3); set_faults($srv, 'app/pg_migrate.json' => 'redirect-other-host') });
fault_case('timeout', qr/could not fetch "\Q${loc}\Epg_migrate.json"/,
	sub { publish($srv, 'app', 'r3', \%r3); set_faults($srv, 'app/pg_migrate.json' => 'slow') });
fault_case('huge file', qr/larger than the limit/,
	sub { publish($srv, 'app', 'r3', \%r3); set_faults($srv, 'app/V4__four.sql' => 'huge') },
	"SET pg_migrate.max_script_size = '1MB';");
fault_case('script larger than max_script_size', qr/is too large/,
	sub { publish($srv, 'app', 'r3', { %r3, 'V4__four.sql' => '-- ' . ('x' x 2_000_000) . "\n" }) },
	"SET pg_migrate.max_script_size = '1MB';");
fault_case('server down (connection closed, no response)', qr/could not fetch "\Q${loc}\Epg_migrate.json"/,
	sub { publish($srv, 'app', 'r3', \%r3); set_faults($srv, 'app/pg_migrate.json' => 'reset') });
fault_case('untrusted certificate', qr/could not fetch/,
	sub { publish($srv, 'app', 'r3', \%r3) },
	"SET pg_migrate.ca_file = '/etc/ssl/certs/ca-certificates.crt';");
fault_case('invalid manifest', qr/invalid manifest/,
	sub { open(my $fh, '>', "$srv->{root}/app/pg_migrate.json") or die; print $fh '{"release": 1}'; close $fh; });
fault_case('release changed mid-sync', qr/changed while it was being fetched/,
	sub {
		publish($srv, 'app', 'r3', \%r3);
		publish($srv, 'app', 'r4', { %r3, 'V5__five.sql' => "CREATE TABLE t5 (id int);\n" }, next => 1);
		set_faults($srv, 'app/V4__four.sql' => 'swap-manifest');
	});

# a redirect to a host of pg_migrate.sync_redirect_hosts is followed
set_faults($srv, 'app/pg_migrate.json' => 'redirect-other-host');
my ($ret, $out, $err) = $node->psql('postgres',
	"SET pg_migrate.sync_redirect_hosts = 'localhost'; SELECT status, release FROM migrate_sync()");
is($out, 'unchanged|r2', 'a redirect to an allowed host is followed') or diag($err);
set_faults($srv);

# server down, bad host name: locations without any release
my $down = "https://127.0.0.1:$srv->{ports}{down}/app/";
my $badhost = "https://127.0.0.1:$srv->{ports}{badhost}/app/";
($ret, $out, $err) = $node->psql('postgres',
	"SET pg_migrate.locations = '$down, $badhost'; SELECT location = '$down', status, release IS NULL, error FROM migrate_sync() ORDER BY 1");
like($out, qr/^f\|failed\|t\|could not fetch .*certificate.*\nt\|failed\|t\|could not fetch .*connect/s,
	'server down and certificate for another host: failed, no release') or diag($err);
like($err, qr/no release is kept yet/, 'WARNING says no release is kept');
($ret, $out, $err) = $node->psql('postgres', "SET pg_migrate.locations = '$down'; SELECT * FROM migrate_info()");
like($err, qr/ERROR:  could not sync "\Q$down\E", and no release of it is kept/, 'sync_on_apply without any release: ERROR');

# --- sync_on_apply with a failing publisher: WARNING, apply from the kept release
set_faults($srv, 'app/pg_migrate.json' => '500');
($ret, $out, $err) = $node->psql('postgres', "SELECT string_agg(script, ',' ORDER BY script) FROM migrate_apply()");
is($out, 'R__view.sql,V3__third.sql', 'apply goes on with the kept release r2') or diag($err);
like($err, qr/WARNING:  could not sync "\Q$loc\E"; migrate_apply\(\) uses its kept release "r2"/, '... with a WARNING');
set_faults($srv);

# and then the newest release arrives through migrate_apply()
publish($srv, 'app', 'r5', { %r2, 'V4__four.sql' => "CREATE TABLE t4 (id int);\n" }, clean => 1);
is($node->safe_psql('postgres', "SELECT string_agg(script, ',' ORDER BY script) FROM migrate_apply()"), 'V4__four.sql',
	'migrate_apply() syncs first and applies the new release');
is($node->safe_psql('postgres', "SELECT release FROM migrate_sync_status() WHERE location = '$loc'"), 'r5', 'status: r5');

# --- privileges -----------------------------------------------------------------
$node->safe_psql('postgres', q{
	CREATE ROLE deployer LOGIN;
	GRANT EXECUTE ON FUNCTION migrate_sync(), migrate_sync_status() TO deployer;
});
# S3 credentials live in a file, never in a setting
my $creds = "$srv->{dir}/aws-credentials";
open(my $cfh, '>', $creds) or die;
print $cfh "[default]\naws_access_key_id = AKIDTEST\naws_secret_access_key = TopSecretValue123\n";
close $cfh;
chmod 0600, $creds;
$node->append_conf('postgresql.conf', "pg_migrate.s3_credentials_file = '$creds'\n");
$node->restart;
publish($srv, 'app', 'r6', { %r2, 'V4__four.sql' => "CREATE TABLE t4 (id int);\n", 'V6__six.sql' => "SELECT 6;\n" }, clean => 1);
is($node->safe_psql('postgres', "SELECT status, release FROM migrate_sync()", extra_params => [ '-U', 'deployer' ]),
	'updated|r6', 'a role granted migrate_sync() syncs without table privileges');
($ret, $out, $err) = $node->psql('postgres', "SELECT count(*) FROM pg_migrate_fetched_scripts", extra_params => [ '-U', 'deployer' ]);
like($err, qr/permission denied/, '... but cannot read the table itself');
unlike($node->safe_psql('postgres', "SELECT string_agg(setting, ',') FROM pg_settings WHERE name LIKE 'pg_migrate.%'", extra_params => [ '-U', 'deployer' ]),
	qr/TopSecretValue123/, 'no secret in pg_settings for other roles');
unlike($node->safe_psql('postgres', "SELECT string_agg(s, ',') FROM pg_db_role_setting, unnest(setconfig) s", extra_params => [ '-U', 'deployer' ]),
	qr/TopSecretValue123/, '... nor in pg_db_role_setting');
($ret, $out, $err) = $node->psql('postgres', "SELECT count(*) >= 0 FROM migrate_sync(); SET pg_migrate.locations = 'https://evil.example/'", extra_params => [ '-U', 'deployer' ]);
like($err, qr/permission denied to set parameter/, 'only a superuser points the server at another location');

# --- pg_dump keeps the release (not the status) ---------------------------------------
my $dump = "$srv->{dir}/dump.sql";
$node->command_ok([ 'pg_dump', '-d', $node->connstr('postgres'), '-f', $dump ], 'pg_dump');
$node->safe_psql('postgres', 'CREATE DATABASE restored');
$node->command_ok([ 'psql', '-X', '-q', '-v', 'ON_ERROR_STOP=1', '-d', $node->connstr('restored'), '-f', $dump ],
	'restore');
my $info_sql = "SET pg_migrate.sync_on_apply = off; SELECT string_agg(script || ':' || state, ',' ORDER BY script COLLATE \"C\") FROM migrate_info()";
is($node->safe_psql('restored', $info_sql), $node->safe_psql('postgres', $info_sql),
	'a restored database plans with the dumped release, before any sync');
is($node->safe_psql('restored', 'SELECT count(*) FROM pg_migrate_sync_status'), '0', '... the status is not dumped');

my $log = slurp_file($node->logfile);
unlike($log, qr/TopSecretValue123/, 'the secret never appears in the log');
like($log, qr/sync of "\Q$loc\E" failed, the previous release is kept/, 'failures are logged');

$node->stop;
done_testing();
