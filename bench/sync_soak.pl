#!/usr/bin/perl
# bench/sync_soak.pl [CYCLES]
#   Soak test of the sync launcher (not part of CI: a cycle takes at least
#   pg_migrate.sync_interval = 1 s). Runs CYCLES sync cycles (default 1000)
#   against the loopback HTTPS double and prints the launcher's memory (its
#   memory contexts' grand total and its RSS) as cycles go by, and how many
#   syncs the status table counted. The launcher is the one long-lived sync
#   process; the per-database workers exit after every cycle.
#
#   Run as a non-root user from the top of the tree, after make install:
#     runuser -u postgres -- perl -I t -I $(pg_config --pkglibdir)/pgxs/src/test/perl bench/sync_soak.pl 1000
use strict;
use warnings;
use PostgreSQL::Test::Cluster;
use PostgreSQL::Test::Utils;
use Time::HiRes qw(usleep time);
use Test::More;
use SyncHelper;

$| = 1;
my $cycles = shift // 1000;
my $srv = start_servers();
my $loc = "https://127.0.0.1:$srv->{ports}{https}/soak/";
publish($srv, 'soak', 'r1', { 'V1__one.sql' => "CREATE TABLE one (id int);\n" });

my $node = PostgreSQL::Test::Cluster->new('soak');
$node->init;
$node->append_conf('postgresql.conf', sync_conf($srv,
	shared_preload_libraries => "'pg_migrate'",
	'pg_migrate.databases' => "'postgres'",
	'pg_migrate.sync_interval' => 1) . "pg_migrate.locations = '$loc'\n");
$node->start;
$node->safe_psql('postgres', 'CREATE EXTENSION pg_migrate');

my $pid;
for (1 .. 100)
{
	$pid = $node->safe_psql('postgres',
		"SELECT coalesce(max(pid), 0) FROM pg_stat_activity WHERE backend_type = 'pg_migrate launcher'");
	last if $pid;
	usleep(100_000);
}
die "no launcher" unless $pid;

sub launcher_memory
{
	my $before = length(slurp_file($node->logfile));
	$node->safe_psql('postgres', "SELECT pg_log_backend_memory_contexts($pid)");
	for (1 .. 50)
	{
		my $tail = substr(slurp_file($node->logfile), $before);
		return $1 if $tail =~ /\[$pid\] LOG:  Grand total: (\d+) bytes/;
		usleep(100_000);
	}
	return -1;
}

sub rss_kb
{
	my ($kb) = slurp_file("/proc/$pid/status") =~ /VmRSS:\s+(\d+) kB/;
	return $kb;
}

my $t0 = time;
my @samples;
my $last_report = 0;
while (1)
{
	my $done = int(time - $t0);
	if ($done >= $last_report)
	{
		push @samples, [ $done, launcher_memory(), rss_kb() ];
		printf "cycle %5d: launcher contexts %d bytes, RSS %d kB\n", @{ $samples[-1] };
		$last_report = $last_report < 10 ? 10 : $last_report * 2 > $cycles ? $cycles : $last_report * 2;
	}
	last if $done >= $cycles;
	sleep 1;
}
my $attempts = $node->safe_psql('postgres', 'SELECT last_attempt > last_success - interval \'2 s\' FROM migrate_sync_status()');
ok($samples[-1][1] <= $samples[1][1], "launcher memory did not grow from cycle $samples[1][0] to $samples[-1][0]");
ok($node->safe_psql('postgres', 'SELECT pid FROM pg_stat_activity WHERE backend_type = \'pg_migrate launcher\'') == $pid,
	'the same launcher ran throughout');
$node->stop;
done_testing();
