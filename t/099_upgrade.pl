# The upgrade path: an extension installed at version 1.0 that applied
# migrations goes to 1.1 with ALTER EXTENSION pg_migrate UPDATE and keeps its
# history, its database settings, the grants and views a DBA made, and
# migrate_info()'s view of it; migrations apply after the update, and
# migrate_sync_status() (a C function from 1.1 on) is refused inside one.
# Then on to 1.2 (migrate_clean()), keeping all of it again.  Then 1.0 +
# UPDATE, 1.1 + UPDATE and a new CREATE EXTENSION must give the same
# objects: members, function definitions and ACLs, table columns, initial
# privileges.
use strict;
use warnings;
use File::Basename qw(dirname);
use Cwd qw(abs_path);
use PostgreSQL::Test::Cluster;
use PostgreSQL::Test::Utils;
use Test::More;

my $root = abs_path(dirname(__FILE__) . '/../test/migrations');

my $node = PostgreSQL::Test::Cluster->new('upgrade');
$node->init;
$node->start;

# The members of the extension, and for its functions, tables and initial
# privileges everything that defines them, one line each.
my $q_members = q{
SELECT string_agg(pg_describe_object(d.classid, d.objid, d.objsubid), E'\n'
                  ORDER BY pg_describe_object(d.classid, d.objid, d.objsubid))
  FROM pg_depend d JOIN pg_extension e ON e.oid = d.refobjid
 WHERE d.refclassid = 'pg_extension'::regclass AND d.deptype = 'e' AND e.extname = 'pg_migrate'};
my $q_functions = q{
SELECT string_agg(concat_ws(' | ', p.oid::regprocedure, pg_get_function_arguments(p.oid),
                            pg_get_function_result(p.oid), l.lanname, p.provolatile, p.proparallel,
                            p.prosecdef, p.proisstrict, p.proconfig, p.prosrc, p.probin, p.proacl),
                  E'\n' ORDER BY p.oid::regprocedure::text)
  FROM pg_proc p JOIN pg_language l ON l.oid = p.prolang
  JOIN pg_depend d ON d.classid = 'pg_proc'::regclass AND d.objid = p.oid AND d.deptype = 'e'
  JOIN pg_extension e ON e.oid = d.refobjid AND e.extname = 'pg_migrate'};
my $q_tables = q{
SELECT string_agg(concat_ws(' | ', c.oid::regclass, a.attnum, a.attname, format_type(a.atttypid, a.atttypmod),
                            a.attnotnull, pg_get_expr(ad.adbin, ad.adrelid), c.relacl),
                  E'\n' ORDER BY c.oid::regclass::text, a.attnum)
  FROM pg_class c JOIN pg_attribute a ON a.attrelid = c.oid AND a.attnum > 0 AND NOT a.attisdropped
  LEFT JOIN pg_attrdef ad ON ad.adrelid = c.oid AND ad.adnum = a.attnum
  JOIN pg_depend d ON d.classid = 'pg_class'::regclass AND d.objid = c.oid AND d.deptype = 'e'
  JOIN pg_extension e ON e.oid = d.refobjid AND e.extname = 'pg_migrate'};
my $q_init_privs = q{
SELECT string_agg(concat_ws(' | ', pg_describe_object(i.classoid, i.objoid, i.objsubid), i.privtype, i.initprivs),
                  E'\n' ORDER BY pg_describe_object(i.classoid, i.objoid, i.objsubid))
  FROM pg_init_privs i
  JOIN pg_depend d ON d.classid = i.classoid AND d.objid = i.objoid AND d.deptype = 'e'
  JOIN pg_extension e ON e.oid = d.refobjid AND e.extname = 'pg_migrate'};
my $q_config = q{
SELECT concat_ws(' | ', extversion, extrelocatable, extnamespace::regnamespace,
                 (SELECT array_agg(c::regclass ORDER BY c::regclass::text) FROM unnest(extconfig) c), extcondition)
  FROM pg_extension WHERE extname = 'pg_migrate'};
# Every function of the extension revoked from PUBLIC (sql/09_privileges.sql).
my $q_revoked = q{
SELECT count(*) >= 9 AND bool_and(p.proacl IS NOT NULL AND NOT EXISTS (
         SELECT 1 FROM aclexplode(p.proacl) a WHERE a.grantee = 0))
  FROM pg_proc p
  JOIN pg_depend d ON d.classid = 'pg_proc'::regclass AND d.objid = p.oid AND d.deptype = 'e'
  JOIN pg_extension e ON e.oid = d.refobjid AND e.extname = 'pg_migrate'};

my $q_history = q{SELECT string_agg(concat_ws('|', installed_rank, version, description, type, script, checksum,
                  installed_by, installed_on, execution_time, success), E'\n' ORDER BY installed_rank)
  FROM public.flyway_schema_history};
my $q_info = q{SELECT string_agg(concat_ws('|', category, coalesce(version, '-'), description, type, script,
                  checksum, installed_on, installed_by, state), E'\n' ORDER BY script) FROM migrate_info()};
my $q_settings = q{SELECT string_agg(s, E'\n' ORDER BY s) FROM pg_db_role_setting r, unnest(r.setconfig) s
  WHERE r.setdatabase = (SELECT oid FROM pg_database WHERE datname = current_database()) AND r.setrole = 0};
my $q_sync_status = q{SELECT string_agg(concat_ws('|', database, location, release, files, last_attempt,
                  last_success, last_change, coalesce(last_error, '-')), E'\n' ORDER BY location)
  FROM migrate_sync_status()};
my $q_kept = q{SELECT string_agg(concat_ws('|', location, path, encode(content, 'escape'), checksum, release), E'\n'
                  ORDER BY location, path) FROM public.pg_migrate_fetched_scripts};

# --- 1. at 1.0: migrations, settings, a grant, a view, kept sync state --------
$node->safe_psql('postgres', 'CREATE DATABASE upd');
$node->safe_psql('upd', "CREATE EXTENSION pg_migrate VERSION '1.0'");
is( $node->safe_psql(
		'upd', q{SELECT extversion || ' ' || (SELECT l.lanname FROM pg_proc p JOIN pg_language l ON l.oid = p.prolang
		  WHERE p.oid = 'migrate_sync_status()'::regprocedure) FROM pg_extension WHERE extname = 'pg_migrate'}),
	'1.0 sql',
	'installed at 1.0, where migrate_sync_status() is an SQL function');
$node->safe_psql(
	'upd', qq{
ALTER DATABASE upd SET pg_migrate.locations = 'filesystem:$root/tap_upgrade';
ALTER DATABASE upd SET pg_migrate.placeholders = '{"second": "''two''", "third": "''three''"}';
ALTER DATABASE upd SET pg_migrate.installed_by = 'upgrade_deployer';
CREATE ROLE upgrade_monitor;
GRANT EXECUTE ON FUNCTION migrate_sync_status() TO upgrade_monitor;
CREATE SCHEMA monitoring;
GRANT USAGE ON SCHEMA monitoring TO upgrade_monitor;
CREATE VIEW monitoring.sync_overview AS SELECT location, release, last_error FROM migrate_sync_status();
GRANT SELECT ON monitoring.sync_overview TO upgrade_monitor;
INSERT INTO pg_migrate_sync_status VALUES ('https://releases.example.invalid/app/', 'r7', '"etag-7"', 2,
  '2026-11-29 10:00+00', '2026-11-29 10:00+00', '2026-11-28 09:00+00', NULL);
INSERT INTO pg_migrate_fetched_scripts VALUES ('https://releases.example.invalid/app/', 'V9__kept.sql',
  'SELECT 1;', 12345, 'sha', 9, '"e"', '2026-11-28 09:00+00', 'r7');});
is( $node->safe_psql('upd', q{SELECT string_agg(coalesce(version, '-') || ' ' || state, ', ' ORDER BY script)
		  FROM migrate_apply(target => '2')}),
	'- Success, 1 Success, 2 Success',
	'1.0 applies V1, V2 and the repeatable');

my %before = map { $_ => $node->safe_psql('upd', $_) }
  ($q_history, $q_info, $q_settings, $q_sync_status, $q_kept);
like($before{$q_history}, qr/\|upgrade_deployer\|/, 'the history names the installed_by setting');
like($before{$q_info}, qr/V3__after_update\.sql\|.*\|Pending$/m, 'V3 is pending before the update');

# --- 2. ALTER EXTENSION pg_migrate UPDATE TO '1.1' -----------------------------
$node->safe_psql('upd', "ALTER EXTENSION pg_migrate UPDATE TO '1.1'");
is( $node->safe_psql(
		'upd', q{SELECT extversion || ' ' || (SELECT l.lanname || ' ' || p.prosecdef FROM pg_proc p
		  JOIN pg_language l ON l.oid = p.prolang WHERE p.oid = 'migrate_sync_status()'::regprocedure)
		  FROM pg_extension WHERE extname = 'pg_migrate'}),
	'1.1 c false',
	'updated to 1.1: migrate_sync_status() is a C function, not SECURITY DEFINER');
is($node->safe_psql('upd', $q_history), $before{$q_history}, 'the history rows are unchanged');
is($node->safe_psql('upd', $q_settings), $before{$q_settings}, 'the database settings are unchanged');
is($node->safe_psql('upd', $q_info), $before{$q_info}, 'migrate_info() shows the same states');
is($node->safe_psql('upd', $q_sync_status), $before{$q_sync_status},
	'migrate_sync_status() returns the same rows');
is($node->safe_psql('upd', $q_kept), $before{$q_kept}, 'the kept release is unchanged');
is($node->safe_psql('upd', $q_revoked), 't',
	'every function is still revoked from PUBLIC');
is( $node->safe_psql(
		'upd', q{SET ROLE upgrade_monitor;
		  SELECT (SELECT count(*) FROM migrate_sync_status()) || ' ' || (SELECT release FROM monitoring.sync_overview)}),
	'1 r7',
	'the grant to a monitoring role and the view over migrate_sync_status() still work');
my ($rc, $stdout, $stderr) = $node->psql('upd', 'SET ROLE upgrade_monitor; SELECT * FROM pg_migrate_sync_status');
like($stderr, qr/permission denied for table pg_migrate_sync_status/,
	'the monitoring role still cannot read the table itself');
command_ok([ 'pg_dump', '-s', '-f', "$PostgreSQL::Test::Utils::tmp_check/upd.sql", '-d', $node->connstr('upd') ],
	'pg_dump upd');
like(slurp_file("$PostgreSQL::Test::Utils::tmp_check/upd.sql"),
	qr/^GRANT ALL ON FUNCTION public\.migrate_sync_status\(\) TO upgrade_monitor;$/m,
	'pg_dump still dumps the grant (it is not taken for one of the extension\'s own)');

# --- 3. after the update: migrations apply, re-entry is refused ---------------
is( $node->safe_psql('upd', q{SELECT string_agg(version || ' ' || state || ' ' || type, ', ') FROM migrate_apply()}),
	'3 Success SQL',
	'a new migration applies after the update (the repeatable is not applied again)');
is( $node->safe_psql('upd', 'SELECT outcome FROM up_calls'),
	'55000: migrate_sync_status() cannot be called from inside a running migration',
	'migrate_sync_status() is refused from inside a migration');
is($node->safe_psql('upd', 'SELECT string_agg(name, \',\' ORDER BY id) FROM up_items'),
	'one,two,three', 'V3 used the database\'s placeholders');
is( $node->safe_psql('upd', q{SELECT installed_by FROM flyway_schema_history WHERE version = '3'}),
	'upgrade_deployer', 'V3 is recorded with the database\'s installed_by');
my ($rc2, $out2, $err2) = $node->psql('upd', 'SELECT migrate_sync_status()');
is($rc2, 0, 'migrate_sync_status() works in a session after the refusal');

# --- 3b. on to 1.2: migrate_clean(), refused by default, nothing else changes --
my %at11 = map { $_ => $node->safe_psql('upd', $_) } ($q_history, $q_info, $q_settings, $q_sync_status);
$node->safe_psql('upd', 'ALTER EXTENSION pg_migrate UPDATE');
is( $node->safe_psql(
		'upd', q{SELECT extversion || ' ' || (to_regprocedure('migrate_clean()') IS NOT NULL)
		  FROM pg_extension WHERE extname = 'pg_migrate'}),
	'1.2 true',
	'updated to 1.2: migrate_clean() exists');
for my $check ([ 'the history rows', $q_history ], [ 'migrate_info()', $q_info ],
	[ 'the database settings', $q_settings ], [ 'migrate_sync_status()', $q_sync_status ])
{
	my ($what, $q) = @$check;
	is($node->safe_psql('upd', $q), $at11{$q}, "$what: unchanged by the update to 1.2");
}
is($node->safe_psql('upd', $q_revoked), 't', 'every function, migrate_clean() too, is revoked from PUBLIC');
($rc, $stdout, $stderr) = $node->psql('upd', 'SELECT * FROM migrate_clean()');
like($stderr, qr/unable to execute clean as it has been disabled with pg_migrate\.clean_disabled/,
	'migrate_clean() is refused by default');
is($node->safe_psql('upd', q{SELECT count(*) FROM flyway_schema_history}), '4',
	'the refusal dropped nothing');
is( $node->safe_psql(
		'upd', q{SET ROLE upgrade_monitor;
		  SELECT (SELECT count(*) FROM migrate_sync_status()) || ' ' || (SELECT release FROM monitoring.sync_overview)}),
	'1 r7',
	'the grant to a monitoring role and the view still work after the update to 1.2');

# --- 4. 1.0 + UPDATE, 1.1 + UPDATE and a new CREATE EXTENSION: same objects ---
$node->safe_psql('postgres', 'CREATE DATABASE fresh');
$node->safe_psql('fresh', 'CREATE EXTENSION pg_migrate');
$node->safe_psql('postgres', 'CREATE DATABASE stepped');
$node->safe_psql('stepped', "CREATE EXTENSION pg_migrate VERSION '1.0'");
$node->safe_psql('stepped', "ALTER EXTENSION pg_migrate UPDATE TO '1.1'");
$node->safe_psql('stepped', "ALTER EXTENSION pg_migrate UPDATE TO '1.2'");
$node->safe_psql('postgres', 'CREATE DATABASE from11');
$node->safe_psql('from11', "CREATE EXTENSION pg_migrate VERSION '1.1'");
$node->safe_psql('from11', 'ALTER EXTENSION pg_migrate UPDATE');
like($node->safe_psql('fresh', $q_config), qr/^1\.2 \|/, 'CREATE EXTENSION installs 1.2');
for my $db ([ 'stepped', '1.0 + UPDATE' ], [ 'from11', '1.1 + UPDATE' ])
{
	my ($dbname, $path) = @$db;
	is($node->safe_psql($dbname, $q_config), $node->safe_psql('fresh', $q_config),
		"$path: same version, schema and dumped tables");
	for my $check (
		[ 'members', $q_members ],
		[ 'function definitions and ACLs', $q_functions ],
		[ 'table columns and ACLs', $q_tables ],
		[ 'initial privileges', $q_init_privs ])
	{
		my ($what, $q) = @$check;
		my $fresh = $node->safe_psql('fresh', $q);
		isnt($fresh, '', "the extension has $what");
		is($node->safe_psql($dbname, $q), $fresh, "$path and CREATE EXTENSION: same $what");
	}
}
is($node->safe_psql('upd', $q_members), $node->safe_psql('fresh', $q_members),
	'the updated database with history has the same members too');
is($node->safe_psql('fresh', $q_revoked), 't',
	'a new install revokes every function from PUBLIC');

$node->stop;
done_testing();
