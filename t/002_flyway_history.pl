# A history written by Flyway 9/10 is adopted as it is: exact DDL and row
# shapes (BASELINE row, repeatable, SCHEMA marker), checksums computed by
# Flyway's algorithm (CRC-32 of the text without line endings, signed) for
# the fixture files; migrate_info() shows them Success/Baseline and
# migrate_apply() applies only the new ones with the next installed_rank.
# Also a history table named schema_version, and pg_dump/restore keeping it.
use strict;
use warnings;
use File::Basename qw(dirname);
use Cwd qw(abs_path);
use PostgreSQL::Test::Cluster;
use PostgreSQL::Test::Utils;
use Test::More;

my $root = abs_path(dirname(__FILE__) . '/../test/migrations');

# Flyway's checksums of the fixture files, computed independently of
# pg_migrate (Python zlib.crc32 over the text with CR/LF removed, signed).
my %flyway_checksum = (
	'V2__add_orders.sql' => 1892722054,
	'R__order_totals.sql' => 1406641913,
	'V3__index_orders.sql' => 539776607,
	'V1__a.sql' => -1061973678,
	'V2__b.sql' => 1498543955,
	'V3__c.sql' => -1730205549,);

# pg/PostgreSQLDatabase.java getRawCreateScript, as Flyway runs it.
sub flyway_ddl
{
	my ($schema, $table) = @_;
	return qq{
CREATE TABLE "$schema"."$table" (
    "installed_rank" INT NOT NULL,
    "version" VARCHAR(50),
    "description" VARCHAR(200) NOT NULL,
    "type" VARCHAR(20) NOT NULL,
    "script" VARCHAR(1000) NOT NULL,
    "checksum" INTEGER,
    "installed_by" VARCHAR(100) NOT NULL,
    "installed_on" TIMESTAMP NOT NULL DEFAULT now(),
    "execution_time" INTEGER NOT NULL,
    "success" BOOLEAN NOT NULL
);
ALTER TABLE "$schema"."$table" ADD CONSTRAINT "${table}_pk" PRIMARY KEY ("installed_rank");
CREATE INDEX "${table}_s_idx" ON "$schema"."$table" ("success");
};
}

# Flyway's insert: 9 columns, never installed_on.
sub flyway_row
{
	my ($schema, $table, $rank, $version, $desc, $type, $script, $checksum) = @_;
	my $v = defined $version ? "'$version'" : 'NULL';
	my $c = defined $checksum ? $checksum : 'NULL';
	return qq{INSERT INTO "$schema"."$table" ("installed_rank", "version", "description", "type", "script", "checksum", "installed_by", "execution_time", "success") VALUES ($rank, $v, '$desc', '$type', '$script', $c, 'flyway_user', 12, true);\n};
}

my $node = PostgreSQL::Test::Cluster->new('flyway');
$node->init;
$node->start;

my $q_hist = q{SELECT string_agg(concat_ws('|', installed_rank, coalesce(version, ''), description, type, script, coalesce(checksum::text, ''), installed_by, success), E'\n' ORDER BY installed_rank) FROM %s};
my $q_info = q{SELECT string_agg(concat_ws('|', category, coalesce(version, '-'), description, type, checksum, state), E'\n' ORDER BY installed_on NULLS LAST, version, description) FROM migrate_info()};

# --- 1. public.flyway_schema_history with BASELINE + V2 + R --------------
$node->safe_psql('postgres', 'CREATE DATABASE flydb');
$node->safe_psql('flydb', 'CREATE EXTENSION pg_migrate');
$node->safe_psql('flydb',
	"ALTER DATABASE flydb SET pg_migrate.locations = 'filesystem:$root/tap_flyway'");
$node->safe_psql(
	'flydb',
	flyway_ddl('public', 'flyway_schema_history')
	  . flyway_row('public', 'flyway_schema_history', 1, '1', '<< Flyway Baseline >>', 'BASELINE', '<< Flyway Baseline >>', undef)
	  . "CREATE TABLE orders (id int PRIMARY KEY, amount numeric);\n"
	  . flyway_row('public', 'flyway_schema_history', 2, '2', 'add orders', 'SQL', 'V2__add_orders.sql', $flyway_checksum{'V2__add_orders.sql'})
	  . "CREATE OR REPLACE VIEW order_totals AS SELECT count(*) AS n, sum(amount) AS total FROM orders;\n"
	  . flyway_row('public', 'flyway_schema_history', 3, undef, 'order totals', 'SQL', 'R__order_totals.sql', $flyway_checksum{'R__order_totals.sql'}));

is( $node->safe_psql(
		'flydb',
		q{SELECT string_agg(concat_ws('|', coalesce(version, '-'), type, checksum, state), ',' ORDER BY coalesce(version, '~')) FROM migrate_info()}),
	"1|BASELINE|Baseline,2|SQL|$flyway_checksum{'V2__add_orders.sql'}|Success,3|SQL|$flyway_checksum{'V3__index_orders.sql'}|Pending,-|SQL|$flyway_checksum{'R__order_totals.sql'}|Success",
	'flydb: migrate_info() shows Baseline, Success, Pending, Success');
is( $node->safe_psql(
		'flydb',
		q{SELECT string_agg(concat_ws('|', version, script, checksum, state), ',') FROM migrate_apply()}),
	"3|V3__index_orders.sql|$flyway_checksum{'V3__index_orders.sql'}|Success",
	'flydb: migrate_apply() applies only V3');
is( $node->safe_psql('flydb', sprintf($q_hist, 'flyway_schema_history')),
	join("\n",
		'1|1|<< Flyway Baseline >>|BASELINE|<< Flyway Baseline >>||flyway_user|t',
		"2|2|add orders|SQL|V2__add_orders.sql|$flyway_checksum{'V2__add_orders.sql'}|flyway_user|t",
		"3||order totals|SQL|R__order_totals.sql|$flyway_checksum{'R__order_totals.sql'}|flyway_user|t",
		"4|3|index orders|SQL|V3__index_orders.sql|$flyway_checksum{'V3__index_orders.sql'}|postgres|t"),
	'flydb: Flyway rows untouched, V3 appended with rank 4');
is($node->safe_psql('flydb', 'SELECT count(*) FROM migrate_apply()'), '0',
	'flydb: a second apply finds nothing');
is($node->safe_psql('flydb', 'SELECT migrate_validate()'), '4',
	'flydb: Flyway-written rows validate against the files (checksums match; 4 validated)');
is( $node->safe_psql(
		'flydb',
		q{SELECT string_agg(attname || ':' || format_type(atttypid, atttypmod) || ':' || attnotnull, ',' ORDER BY attnum) FROM pg_attribute WHERE attrelid = 'flyway_schema_history'::regclass AND attnum > 0}),
	'installed_rank:integer:true,version:character varying(50):false,description:character varying(200):true,type:character varying(20):true,script:character varying(1000):true,checksum:integer:false,installed_by:character varying(100):true,installed_on:timestamp without time zone:true,execution_time:integer:true,success:boolean:true',
	'flydb: the table keeps Flyway\'s DDL');

# --- e. pg_dump keeps the history rows -------------------------------------
{
	my $dump = PostgreSQL::Test::Utils::tempdir() . '/flydb.sql';
	command_ok([ 'pg_dump', '-f', $dump, '-d', $node->connstr('flydb') ], 'pg_dump flydb');
	$node->safe_psql('postgres', 'CREATE DATABASE flydb2');
	command_ok([ 'psql', '-X', '-q', '-v', 'ON_ERROR_STOP=1', '-f', $dump, '-d', $node->connstr('flydb2') ],
		'restore into flydb2');
	$node->safe_psql('flydb2',
		"ALTER DATABASE flydb2 SET pg_migrate.locations = 'filesystem:$root/tap_flyway'");
	is( $node->safe_psql('flydb2', sprintf($q_hist, 'flyway_schema_history')),
		$node->safe_psql('flydb', sprintf($q_hist, 'flyway_schema_history')),
		'flydb2: history rows restored');
	is( $node->safe_psql(
			'flydb2',
			q{SELECT string_agg(coalesce(version, '-') || ':' || state, ',' ORDER BY coalesce(version, '~')) FROM migrate_info()}),
		'1:Baseline,2:Success,3:Success,-:Success',
		'flydb2: migrate_info() after restore shows Baseline/Success');
	is($node->safe_psql('flydb2', 'SELECT count(*) FROM migrate_apply()'), '0',
		'flydb2: nothing pending after restore');
}

# --- 2. SCHEMA marker, history in schema "app" -----------------------------
$node->safe_psql('postgres', 'CREATE DATABASE schemadb');
$node->safe_psql('schemadb', 'CREATE EXTENSION pg_migrate');
$node->safe_psql('schemadb',
	"ALTER DATABASE schemadb SET pg_migrate.locations = 'filesystem:$root/tap_flyway_schema'");
$node->safe_psql('schemadb', "ALTER DATABASE schemadb SET pg_migrate.schema = 'app'");
$node->safe_psql(
	'schemadb',
	qq{CREATE SCHEMA "app";\n}
	  . flyway_ddl('app', 'flyway_schema_history')
	  . flyway_row('app', 'flyway_schema_history', 0, undef, '<< Flyway Schema Creation >>', 'SCHEMA', '"app"', undef)
	  . "CREATE TABLE app.a (id int);\n"
	  . flyway_row('app', 'flyway_schema_history', 1, '1', 'a', 'SQL', 'V1__a.sql', $flyway_checksum{'V1__a.sql'})
	  . "CREATE TABLE app.b (id int);\n"
	  . flyway_row('app', 'flyway_schema_history', 2, '2', 'b', 'SQL', 'V2__b.sql', $flyway_checksum{'V2__b.sql'}));
is( $node->safe_psql(
		'schemadb',
		q{SELECT string_agg(version || ':' || state, ',' ORDER BY version) FROM migrate_info() WHERE version IS NOT NULL}),
	'1:Success,2:Success,3:Pending',
	'schemadb: migrate_info() with a SCHEMA marker row');
is( $node->safe_psql('schemadb',
		q{SELECT string_agg(version || ':' || state, ',') FROM migrate_apply()}),
	'3:Success', 'schemadb: only V3 applied');
is( $node->safe_psql('schemadb', sprintf($q_hist, 'app.flyway_schema_history')),
	join("\n",
		'0||<< Flyway Schema Creation >>|SCHEMA|"app"||flyway_user|t',
		"1|1|a|SQL|V1__a.sql|$flyway_checksum{'V1__a.sql'}|flyway_user|t",
		"2|2|b|SQL|V2__b.sql|$flyway_checksum{'V2__b.sql'}|flyway_user|t",
		"3|3|c|SQL|V3__c.sql|$flyway_checksum{'V3__c.sql'}|postgres|t"),
	'schemadb: SCHEMA marker kept, V3 appended with rank 3');

# --- 3. legacy table name schema_version ----------------------------------
$node->safe_psql('postgres', 'CREATE DATABASE svdb');
$node->safe_psql('svdb', 'CREATE EXTENSION pg_migrate');
$node->safe_psql('svdb',
	"ALTER DATABASE svdb SET pg_migrate.locations = 'filesystem:$root/tap_flyway'");
$node->safe_psql('svdb', q{ALTER DATABASE svdb SET pg_migrate."table" = 'schema_version'});
$node->safe_psql(
	'svdb',
	flyway_ddl('public', 'schema_version')
	  . "CREATE TABLE orders (id int PRIMARY KEY, amount numeric);\n"
	  . flyway_row('public', 'schema_version', 1, '2', 'add orders', 'SQL', 'V2__add_orders.sql', $flyway_checksum{'V2__add_orders.sql'})
	  . "CREATE OR REPLACE VIEW order_totals AS SELECT count(*) AS n, sum(amount) AS total FROM orders;\n"
	  . flyway_row('public', 'schema_version', 2, undef, 'order totals', 'SQL', 'R__order_totals.sql', $flyway_checksum{'R__order_totals.sql'}));
is( $node->safe_psql('svdb',
		q{SELECT string_agg(coalesce(version, '-') || ':' || state, ',' ORDER BY coalesce(version, '~')) FROM migrate_info()}),
	'2:Success,3:Pending,-:Success',
	'svdb: schema_version adopted');
is( $node->safe_psql('svdb',
		q{SELECT string_agg(version || ':' || state, ',') FROM migrate_apply()}),
	'3:Success', 'svdb: only V3 applied');
is( $node->safe_psql('svdb',
		q{SELECT string_agg(installed_rank || ':' || coalesce(version, '-'), ',' ORDER BY installed_rank) FROM schema_version}),
	'1:2,2:-,3:3', 'svdb: appended to schema_version with rank 3');
is($node->safe_psql('svdb', q{SELECT to_regclass('flyway_schema_history') IS NULL}),
	't', 'svdb: no flyway_schema_history created');

$node->stop;
done_testing();
