# Progress a DBA can watch while a long migration runs:
#  - pg_stat_activity of the applying worker names the script, the line and
#    the statement being run;
#  - migrate_info() answers from another session meanwhile, showing what is
#    applied so far (it takes no lock);
#  - the applying session gets a NOTICE per migration with its time.
use strict;
use warnings;
use File::Basename qw(dirname);
use Cwd qw(abs_path);
use IPC::Run;
use PostgreSQL::Test::Cluster;
use PostgreSQL::Test::Utils;
use Test::More;

my $dir = abs_path(dirname(__FILE__) . '/../test/migrations/tap_progress');
my $node = PostgreSQL::Test::Cluster->new('progress');
$node->init;
$node->start;
$node->safe_psql('postgres', 'CREATE EXTENSION pg_migrate');
$node->safe_psql('postgres', "ALTER DATABASE postgres SET pg_migrate.locations = 'filesystem:$dir'");

# apply in the background; psql prints the NOTICEs on stderr
my ($in, $out, $err) = ('', '', '');
my $apply = IPC::Run::start(
	[ 'psql', '-X', '-At', '-d', $node->connstr('postgres'), '-c',
		'SELECT version FROM migrate_apply()' ],
	'<', \$in, '>', \$out, '2>', \$err,
	IPC::Run::timeout($PostgreSQL::Test::Utils::timeout_default));

ok( $node->poll_query_until(
		'postgres',
		q{SELECT count(*) = 1 FROM pg_stat_activity
		   WHERE backend_type = 'pg_migrate apply'
		     AND query LIKE '/* pg_migrate: V2__slow.sql line 2 */ SELECT pg_sleep(3)%'}),
	'pg_stat_activity shows the script, line and statement being run');

is( $node->safe_psql('postgres',
		q{SELECT string_agg(version || ':' || state, ',' ORDER BY version) FROM migrate_info()}),
	'1:Success,2:Pending',
	'migrate_info() answers from another session during the migration');

$apply->finish;
is($apply->result(0), 0, 'the apply finished');
is($out, "1\n2\n", 'both migrations were applied');
like($err, qr/NOTICE:  applied V1__fast\.sql\nDETAIL:  Version 1 \(fast\) took \d+ ms\./,
	'a NOTICE with its time for V1');
like($err, qr/NOTICE:  applied V2__slow\.sql\nDETAIL:  Version 2 \(slow\) took (\d+) ms\./,
	'a NOTICE with its time for V2');
my ($ms) = $err =~ /Version 2 \(slow\) took (\d+) ms/;
ok(defined $ms && $ms >= 3000, 'V2 took its three seconds, as the NOTICE says');

$node->stop;
done_testing();
