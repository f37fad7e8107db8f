# t/053_sync_callbacks_conf.pl
#   SQL callbacks and "<script>.sql.conf" files published in a remote
#   (https://) release behave as they do in a filesystem location.
use strict;
use warnings;
use FindBin;
use lib $FindBin::RealBin;
use PostgreSQL::Test::Cluster;
use PostgreSQL::Test::Utils;
use Test::More;
use Compress::Zlib qw(crc32);
use Encode qw(encode);
use SyncHelper;

my $srv = start_servers();
my $loc = "https://127.0.0.1:$srv->{ports}{https}/cbapp/";

my $node = PostgreSQL::Test::Cluster->new('sync_cb');
$node->init;
$node->append_conf('postgresql.conf', sync_conf($srv) . "pg_migrate.locations = '$loc'\n");
$node->start;
$node->safe_psql('postgres', 'CREATE EXTENSION pg_migrate');

publish($srv, 'cbapp', 'r1', {
	'beforeValidate.sql' => "CREATE TABLE IF NOT EXISTS cb_log (n serial, event text);\n",
	'beforeMigrate.sql' => "INSERT INTO cb_log (event) VALUES ('beforeMigrate');\n",
	'callbacks/afterEachMigrate__audit.sql' =>
	  "INSERT INTO cb_log (event) VALUES ('after ' || '\${flyway:filename}');\n",
	'V1__one.sql' => "CREATE TABLE one (id int);\n",
	'V2__index.sql' => "CREATE TABLE two (id int);\nCREATE INDEX CONCURRENTLY two_idx ON two (id);\n",
	'V2__index.sql.conf' => "executeInTransaction=false\n",
	'R__tmpl.sql' => "CREATE OR REPLACE VIEW tmpl AS SELECT '\${kept_as_is}'::text AS t;\n",
	'R__tmpl.sql.conf' => "placeholderReplacement=false\n" });

my ($ret, $out, $err) = $node->psql('postgres',
	q{SET client_min_messages = warning; SELECT string_agg(coalesce(version, 'R') || ':' || state, ',') FROM migrate_apply()});
is($ret, 0, 'apply from the remote release succeeds') or diag($err);
is($out, '1:Success,2:Success,R:Success', 'V1, V2 (non-transactional by its .conf) and the repeatable applied');
is($node->safe_psql('postgres', q{SELECT string_agg(event, ',' ORDER BY n) FROM cb_log}),
	'beforeMigrate,after afterEachMigrate__audit.sql,after afterEachMigrate__audit.sql,after afterEachMigrate__audit.sql',
	'the release\'s callbacks ran where Flyway runs them');
is($node->safe_psql('postgres', q{SELECT indisvalid FROM pg_index WHERE indexrelid = 'two_idx'::regclass}),
	't', 'CREATE INDEX CONCURRENTLY ran outside a transaction, as the .conf says');
is($node->safe_psql('postgres', q{SELECT t FROM tmpl}), '${kept_as_is}',
	'placeholder replacement switched off by the .conf');
is($node->safe_psql('postgres', q{SELECT count(*) FROM flyway_schema_history}), '3',
	'callbacks are not recorded in the history');

# a bad .conf in a new release: named, nothing runs
publish($srv, 'cbapp', 'r2', {
	'beforeValidate.sql' => "CREATE TABLE IF NOT EXISTS cb_log (n serial, event text);\n",
	'V1__one.sql' => "CREATE TABLE one (id int);\n",
	'V2__index.sql' => "CREATE TABLE two (id int);\nCREATE INDEX CONCURRENTLY two_idx ON two (id);\n",
	'V2__index.sql.conf' => "executeInTransaction=false\n",
	'R__tmpl.sql' => "CREATE OR REPLACE VIEW tmpl AS SELECT '\${kept_as_is}'::text AS t;\n",
	'R__tmpl.sql.conf' => "placeholderReplacement=false\n",
	'V3__three.sql' => "CREATE TABLE three (id int);\n",
	'V3__three.sql.conf' => "# comment\nnoSuchKey=true\n" }, clean => 1);
($ret, $out, $err) = $node->psql('postgres', q{SELECT count(*) FROM migrate_apply()});
isnt($ret, 0, 'a bad .conf in the release stops the apply');
like($err, qr/invalid script configuration file "V3__three\.sql\.conf" line 2: unknown configuration property: noSuchKey/,
	'the error names the .conf file and line');
is($node->safe_psql('postgres', q{SELECT to_regclass('three') IS NULL}), 't', 'nothing of V3 ran');

# scripts in other encodings: kept as published, decoded by their .conf when read
my $v4 = "CREATE TABLE four (w text);\nINSERT INTO four VALUES ('caf\x{e9}');\n";
my $v5 = "INSERT INTO four VALUES ('na\x{ef}ve \x{20ac}');\r\n";
publish($srv, 'cbapp', 'r3', {
	'beforeValidate.sql' => "CREATE TABLE IF NOT EXISTS cb_log (n serial, event text);\n",
	'V1__one.sql' => "CREATE TABLE one (id int);\n",
	'V2__index.sql' => "CREATE TABLE two (id int);\nCREATE INDEX CONCURRENTLY two_idx ON two (id);\n",
	'V2__index.sql.conf' => "executeInTransaction=false\n",
	'R__tmpl.sql' => "CREATE OR REPLACE VIEW tmpl AS SELECT '\${kept_as_is}'::text AS t;\n",
	'R__tmpl.sql.conf' => "placeholderReplacement=false\n",
	'V3__three.sql' => "CREATE TABLE three (id int);\n",
	'V4__latin1.sql' => encode('iso-8859-1', $v4),
	'V4__latin1.sql.conf' => "encoding=ISO-8859-1\n",
	'V5__utf16.sql' => "\xff\xfe" . encode('UTF-16LE', $v5),
	'V5__utf16.sql.conf' => "encoding=UTF-16\n" }, clean => 1);
($ret, $out, $err) = $node->psql('postgres',
	q{SET client_min_messages = warning; SELECT string_agg(version || ':' || state, ',') FROM migrate_apply()});
is($ret, 0, 'ISO-8859-1 and UTF-16 scripts of a release apply') or diag($err);
is($out, '3:Success,4:Success,5:Success', 'V3, V4, V5 applied');
is($node->safe_psql('postgres', q{SELECT string_agg(encode(w::bytea, 'hex'), ',' ORDER BY w) FROM four}),
	join(',', map { unpack('H*', encode('UTF-8', $_)) } ("caf\x{e9}", "na\x{ef}ve \x{20ac}")),
	'their text is the characters written');

# Flyway's checksum of the UTF-8 twin: CRC-32 without line breaks, signed
sub flyway_checksum
{
	(my $text = encode('UTF-8', $_[0])) =~ s/[\r\n]//g;
	my $crc = crc32($text);
	return $crc >= 2**31 ? $crc - 2**32 : $crc;
}
is($node->safe_psql('postgres',
		q{SELECT string_agg(checksum::text, ',' ORDER BY installed_rank) FROM flyway_schema_history WHERE version IN ('4', '5')}),
	flyway_checksum($v4) . ',' . flyway_checksum($v5),
	'checksummed as their UTF-8 twins, as Flyway does');
is($node->safe_psql('postgres', q{SELECT migrate_validate()}), '6', 'and they validate when read again');

$node->stop;
done_testing();
