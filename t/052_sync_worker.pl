# t/052_sync_worker.pl
#   The sync worker (shared_preload_libraries = 'pg_migrate'): a launcher
#   plus short-lived per-database workers.  Extension not created, periodic
#   sync, SIGHUP, auto_apply as pg_migrate.apply_role, DROP DATABASE while
#   it runs and while it sleeps, SIGTERM, kill -9 and restart, bounded
#   memory, and a standby that never writes.
use strict;
use warnings;
use FindBin;
use lib $FindBin::RealBin;
use PostgreSQL::Test::Cluster;
use PostgreSQL::Test::Utils;
use Test::More;
use Time::HiRes qw(usleep);
use SyncHelper;

my $srv = start_servers();
my $loc = "https://127.0.0.1:$srv->{ports}{https}/app/";

my $node = PostgreSQL::Test::Cluster->new('sync_worker');
$node->init(allows_streaming => 1);
$node->append_conf('postgresql.conf', sync_conf($srv,
	shared_preload_libraries => "'pg_migrate'",
	'pg_migrate.databases' => "'app, other'",
	'pg_migrate.sync_interval' => '1',
	'pg_migrate.locations' => "'$loc'",
	max_worker_processes => 16,
	restart_after_crash => 'on'));
$node->start;

publish($srv, 'app', 'r1', { 'V1__init.sql' => "CREATE TABLE t1 (id int);\n" });

sub launcher_pid
{
	return $node->safe_psql('postgres',
		"SELECT coalesce(max(pid), 0) FROM pg_stat_activity WHERE backend_type = 'pg_migrate launcher'");
}

sub wait_launcher
{
	my ($not) = @_;
	for (1 .. 300)
	{
		my $pid = launcher_pid();
		return $pid if $pid && (!$not || $pid != $not);
		usleep(100_000);
	}
	return 0;
}

my $pid = wait_launcher();
ok($pid, 'the launcher runs');
is($node->safe_psql('postgres', "SELECT datname IS NULL FROM pg_stat_activity WHERE pid = $pid"), 't',
	'... connected to no database');

# --- databases without the extension (and one missing) ---------------------------------
$node->safe_psql('postgres', 'CREATE ROLE app_owner LOGIN; CREATE DATABASE app OWNER app_owner');
sleep 3;
my $log = slurp_file($node->logfile);
unlike($log, qr/ERROR|FATAL|terminated by signal/, 'extension not created: the workers stay quiet');
reset_stats($srv);
sleep 2;
is(server_stats($srv)->{requests}, 0, '... and fetch nothing');

# --- the extension appears: periodic sync -------------------------------------------------
$node->safe_psql('app', 'CREATE EXTENSION pg_migrate');
is(wait_for($node, 'app', "SELECT release, last_error IS NULL FROM migrate_sync_status()", 'r1|t'), 'r1|t',
	'the worker syncs release r1');
is($node->safe_psql('app', "SELECT count(*) FROM pg_class WHERE relname = 'flyway_schema_history'"), '0',
	'auto_apply off: nothing applied');
reset_stats($srv);
sleep 3;
my $st = server_stats($srv);
ok($st->{requests} >= 1 && $st->{requests} == ($st->{by_path}{'app/pg_migrate.json'} || 0),
	"unchanged release: the worker polls the manifest only ($st->{requests} requests in 3 s)");

# --- SIGHUP: sync_interval 0 stops polling, auto_apply applies as apply_role ----------------
$node->append_conf('postgresql.conf', "pg_migrate.sync_interval = 0\n");
$node->reload;
sleep 1;
reset_stats($srv);
sleep 3;
is(server_stats($srv)->{requests}, 0, 'SIGHUP: sync_interval = 0 stops the polls');
is(launcher_pid(), $pid, '... the launcher stays');

$node->append_conf('postgresql.conf',
	"pg_migrate.sync_interval = 1\npg_migrate.auto_apply = on\npg_migrate.apply_role = 'app_owner'\n");
$node->reload;
publish($srv, 'app', 'r2', { 'V1__init.sql' => "CREATE TABLE t1 (id int);\n", 'V2__two.sql' => "CREATE TABLE t2 (id int);\n" });
is(wait_for($node, 'app', "SELECT count(*) FROM pg_tables WHERE tablename = 't2'", '1'), '1',
	'auto_apply: the release that brought V2 is applied');
is($node->safe_psql('app', "SELECT string_agg(script || ':' || installed_by, ',' ORDER BY installed_rank) FROM flyway_schema_history"),
	'V1__init.sql:app_owner,V2__two.sql:app_owner', '... by the engine, as pg_migrate.apply_role');
is($node->safe_psql('app', "SELECT tableowner FROM pg_tables WHERE tablename = 't2'"), 'app_owner', '... which owns the new table');

# --- DROP DATABASE while the worker runs every second, and while it sleeps ----------------
$node->safe_psql('postgres', 'CREATE DATABASE other');
$node->safe_psql('other', 'CREATE EXTENSION pg_migrate');
wait_for($node, 'other', "SELECT release FROM migrate_sync_status()", 'r2');
my $t0 = time;
my ($ret, $out, $err) = $node->psql('postgres', 'DROP DATABASE other', timeout => 60);
is($ret, 0, 'DROP DATABASE of a served database succeeds') or diag($err);
ok(time - $t0 < 15, '... promptly (' . (time - $t0) . ' s)');

$node->append_conf('postgresql.conf', "pg_migrate.sync_interval = 3600\n");
$node->reload;
sleep 2;
$node->safe_psql('postgres', 'CREATE DATABASE other2');
$t0 = time;
($ret, $out, $err) = $node->psql('postgres', 'DROP DATABASE other2', timeout => 60);
is($ret, 0, 'DROP DATABASE while the launcher sleeps (ProcSignalBarrier absorbed)') or diag($err);
ok(time - $t0 < 5, '... without waiting (' . (time - $t0) . ' s)');
unlike(slurp_file($node->logfile), qr/still waiting for backend with PID \d+ to accept ProcSignalBarrier/,
	'no ProcSignalBarrier wait in the log');
$node->safe_psql('app', 'DROP EXTENSION pg_migrate');
ok(1, 'DROP EXTENSION proceeds');
$node->safe_psql('app', 'CREATE EXTENSION pg_migrate');

# --- memory: the launcher's contexts do not grow over cycles --------------------------------
$node->append_conf('postgresql.conf', "pg_migrate.sync_interval = 1\n");
$node->reload;
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
sleep 3;
my $m1 = launcher_memory();
sleep 8;
my $m2 = launcher_memory();
ok($m1 > 0 && $m2 <= $m1, "launcher memory stable over cycles ($m1 -> $m2 bytes)");

# --- SIGTERM: clean exit, restarted -----------------------------------------------------------
$node->safe_psql('postgres', "SELECT pg_terminate_backend($pid)");
my $pid2 = wait_launcher($pid);
ok($pid2 && $pid2 != $pid, "SIGTERM: the launcher exits and is restarted ($pid -> $pid2)");
like(slurp_file($node->logfile), qr/terminating background worker "pg_migrate launcher" due to administrator command/,
	'... after a clean exit');

# --- kill -9: crash restart, and it works again -----------------------------------------------
kill 'KILL', $pid2;
my $pid3;
for (1 .. 300)
{
	my ($r, $o) = $node->psql('postgres',
		"SELECT coalesce(max(pid), 0) FROM pg_stat_activity WHERE backend_type = 'pg_migrate launcher'");
	if ($r == 0 && $o && $o != $pid2) { $pid3 = $o; last; }
	usleep(100_000);
}
ok($pid3, "kill -9: the launcher is back after the crash restart ($pid3)");
publish($srv, 'app', 'r3', { 'V1__init.sql' => "CREATE TABLE t1 (id int);\n", 'V2__two.sql' => "CREATE TABLE t2 (id int);\n",
	'V3__three.sql' => "CREATE TABLE t3 (id int);\n" });
is(wait_for($node, 'app', "SELECT count(*) FROM pg_tables WHERE tablename = 't3'", '1'), '1',
	'... and syncs and applies the next release');

# --- standby: no launcher, no writes ------------------------------------------------------------
$node->backup('b');
my $standby = PostgreSQL::Test::Cluster->new('sync_standby');
$standby->init_from_backup($node, 'b', has_streaming => 1);
$standby->start;
$node->wait_for_catchup($standby);
sleep 3;
is($standby->safe_psql('postgres', "SELECT count(*) FROM pg_stat_activity WHERE backend_type LIKE 'pg_migrate%'"), '0',
	'standby: no sync worker');
($ret, $out, $err) = $standby->psql('app', 'SELECT * FROM migrate_sync()');
like($err, qr/cannot sync remote locations during recovery/, 'standby: migrate_sync() refuses');
is($standby->safe_psql('app', "SELECT count(*) FROM migrate_info() WHERE state = 'Success'"), '3',
	'standby: migrate_info() reads the replicated release without syncing');
unlike(slurp_file($standby->logfile), qr/ERROR:  (?!cannot sync)|FATAL/, 'standby log clean');

# --- shutdown ------------------------------------------------------------------------------------
$standby->stop;
$node->stop('fast');
# the postmaster's last line can reach the log a moment after pg_ctl returns on a loaded machine
ok($node->wait_for_log(qr/database system is shut down/), 'fast shutdown with the worker running');
done_testing();
