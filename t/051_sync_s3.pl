# t/051_sync_s3.pl
#   s3:// locations against an S3 double on loopback that verifies SigV4
#   signatures with botocore: credentials from superuser-only settings, the
#   server's environment, the ECS container endpoint and EC2 IMDSv2; a bad
#   signature keeps the previous release; secrets stay out of logs and status.
use strict;
use warnings;
use FindBin;
use lib $FindBin::RealBin;
use PostgreSQL::Test::Cluster;
use PostgreSQL::Test::Utils;
use Test::More;
use SyncHelper;

my $srv = start_servers();
my $loc = 's3://relbucket/app/';
my $secret = 'plainSecretKey/0123456789abcdefghijKLMN';

for my $v (grep { /^AWS_/ } keys %ENV) { delete $ENV{$v}; }
$ENV{AWS_EC2_METADATA_DISABLED} = 'true';

my $node = PostgreSQL::Test::Cluster->new('sync_s3');
$node->init;
$node->append_conf('postgresql.conf', sync_conf($srv) . "pg_migrate.locations = '$loc'\n");
my $conf = $node->data_dir . '/postgresql.conf';

# credentials in a file only the server's user reads (never in a setting)
my $creds = $node->data_dir . '/../aws-credentials';
sub write_credentials
{
	my ($key, $secret_key, $mode) = @_;
	open(my $fh, '>', $creds) or die;
	print $fh "# test credentials\n[default]\naws_access_key_id = $key\naws_secret_access_key = $secret_key\n\n[other]\naws_access_key_id = AKIDNOTTHISONE\n";
	close $fh;
	chmod($mode // 0600, $creds);
}
write_credentials('AKIDPLAINTEST000001', $secret);
$node->append_conf('postgresql.conf', "pg_migrate.s3_credentials_file = '$creds'\n");
$node->start;
$node->safe_psql('postgres', 'CREATE EXTENSION pg_migrate');

publish($srv, 'relbucket/app', 's3-r1', {
	'V1__init.sql' => "CREATE TABLE s1 (id int);\n",
	"sub dir/V2__caf\xc3\xa9+(1).sql" => "CREATE TABLE s2 (id int);\n" });

sub sync_row
{
	my ($ret, $out, $err) = $node->psql('postgres',
		"SELECT status, coalesce(release, '-'), added, coalesce(error, '') FROM migrate_sync()");
	return $out;
}

is(sync_row(), 'updated|s3-r1|2|', 'S3 sync signed with keys from the credentials file');
reset_stats($srv);
is(sync_row(), 'unchanged|s3-r1|0|', 'unchanged release');
is(server_stats($srv)->{requests}, 1, 'an unchanged S3 release costs one signed request');
is($node->safe_psql('postgres', "SELECT string_agg(script, ',' ORDER BY script) FROM migrate_apply()"),
	"V1__init.sql,sub dir/V2__caf\xc3\xa9+(1).sql", 'applied from S3, keys with spaces and non-ASCII characters');

# a wrong secret (the file is read at every sync: rotation needs no reload)
write_credentials('AKIDPLAINTEST000001', 'WrongSecretValue987');
publish($srv, 'relbucket/app', 's3-r2', { 'V1__init.sql' => "CREATE TABLE s1 (id int);\n", 'V3__x.sql' => "SELECT 3;\n" }, clean => 1);
like(sync_row(), qr/^failed\|s3-r1\|0\|could not fetch "s3:\/\/relbucket\/app\/pg_migrate.json".*403/, 'bad signature: failed, s3-r1 kept');
my $status = $node->safe_psql('postgres', "SELECT release, last_error FROM migrate_sync_status()");
like($status, qr/^s3-r1\|.*403/, 'status says why');
unlike($status, qr/WrongSecretValue987|plainSecret/, 'no secret in the status');

# a credentials file others can read is refused, and its contents are not shown
write_credentials('AKIDPLAINTEST000001', $secret, 0644);
like(sync_row(), qr/^failed\|s3-r1\|0\|.*readable by other users/, 'a world-readable credentials file is refused');
write_credentials('AKIDPLAINTEST000001', $secret);

# credentials from the server's environment
open(my $in, '<', $conf) or die;
my @lines = grep { !/pg_migrate\.s3_credentials_file/ } <$in>;
close $in;
open(my $o, '>', $conf) or die;
print $o @lines;
close $o;
$ENV{AWS_ACCESS_KEY_ID} = 'AKIDPLAINTEST000001';
$ENV{AWS_SECRET_ACCESS_KEY} = $secret;
$node->restart;
is(sync_row(), 'updated|s3-r2|1|', 'credentials from the environment');
delete $ENV{AWS_ACCESS_KEY_ID};
delete $ENV{AWS_SECRET_ACCESS_KEY};

# ECS container endpoint (temporary credentials with a session token)
$ENV{AWS_CONTAINER_CREDENTIALS_FULL_URI} = "http://127.0.0.1:$srv->{ports}{meta}/ecs/creds";
$ENV{AWS_CONTAINER_AUTHORIZATION_TOKEN} = 'EcsAuthorizationToken-0123456789';
$node->restart;
publish($srv, 'relbucket/app', 's3-r3', { 'V1__init.sql' => "CREATE TABLE s1 (id int);\n", 'V4__y.sql' => "SELECT 4;\n" }, clean => 1);
is(sync_row(), 'updated|s3-r3|1|', 'credentials from the ECS endpoint');
delete $ENV{AWS_CONTAINER_CREDENTIALS_FULL_URI};
delete $ENV{AWS_CONTAINER_AUTHORIZATION_TOKEN};

# EC2 instance metadata, IMDSv2
delete $ENV{AWS_EC2_METADATA_DISABLED};
$ENV{AWS_EC2_METADATA_SERVICE_ENDPOINT} = "http://127.0.0.1:$srv->{ports}{meta}";
$node->restart;
publish($srv, 'relbucket/app', 's3-r4', { 'V1__init.sql' => "CREATE TABLE s1 (id int);\n", 'V5__z.sql' => "SELECT 5;\n" }, clean => 1);
is(sync_row(), 'updated|s3-r4|1|', 'credentials from EC2 instance metadata (IMDSv2)');

# no credentials at all
$ENV{AWS_EC2_METADATA_DISABLED} = 'true';
delete $ENV{AWS_EC2_METADATA_SERVICE_ENDPOINT};
$node->restart;
publish($srv, 'relbucket/app', 's3-r5', { 'V1__init.sql' => "CREATE TABLE s1 (id int);\n" }, clean => 1);
like(sync_row(), qr/^failed\|s3-r4\|0\|no AWS credentials/, 'no credentials: failed, s3-r4 kept');

my $log = slurp_file($node->logfile);
unlike($log, qr/plainSecretKey|WrongSecretValue987|tokenSecretKey|SessionTokenValue|EcsAuthorizationToken|IMDSv2TokenValue/,
	'no secret, token or authorization in the server log');

$node->stop;
done_testing();
