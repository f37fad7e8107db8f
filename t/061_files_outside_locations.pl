# t/061_files_outside_locations.pl
#   Files outside a location stay outside (issue 9, item 3).  A deployer (a
#   login role with EXECUTE on the functions and CREATE on the schema) who
#   can write into a location must not read, through migrate_plan() or an
#   error message, a file the server can read and the deployer cannot:
#   a symbolic link leading outside (to a file or a folder) is refused, so
#   are FIFOs and devices, before they are opened; links inside the
#   location, and a location that is itself a link, work; a superuser-only
#   setting allows links leading outside.
#
#   A FIFO used to block the backend in open() for ever, beyond cancel and
#   terminate: every call here runs under a timer, and one that does not
#   return is killed, its FIFOs opened for writing to release the backend,
#   and counted as a failure.
use strict;
use warnings;
use Fcntl qw(O_WRONLY O_NONBLOCK);
use IPC::Run;
use POSIX qw(mkfifo);
use PostgreSQL::Test::Cluster;
use PostgreSQL::Test::Utils;
use Test::More;

my $tmp = PostgreSQL::Test::Utils::tempdir;
my $db = 'filesdb';

my $node = PostgreSQL::Test::Cluster->new('files');
$node->init;
$node->start;
$node->safe_psql('postgres', "CREATE DATABASE $db");
$node->safe_psql(
	$db, q{
CREATE EXTENSION pg_migrate;
CREATE ROLE deployer LOGIN NOSUPERUSER;
GRANT CREATE ON SCHEMA public TO deployer;
GRANT EXECUTE ON FUNCTION migrate_apply(text, jsonb, boolean, boolean),
	migrate_info(text, jsonb, boolean), migrate_plan(text, jsonb, boolean) TO deployer;
});

# Files only the server's operating-system user may read.
sub write_file
{
	my ($path, $content, $mode) = @_;
	open(my $fh, '>', $path) or die "$path: $!";
	print $fh $content;
	close($fh);
	chmod($mode // 0644, $path) or die "chmod $path: $!";
}
my $secret_sql = "$tmp/s.sql";
write_file($secret_sql, "SELECT 'TOPSECRET-script';\n", 0600);
my $secret_conf = "$tmp/s.conf";
write_file($secret_conf, "TOPSECRET_KEY=1\n", 0600);
mkdir("$tmp/outside") or die;
write_file("$tmp/outside/V5__out.sql", "SELECT 'TOPSECRET-folder';\n", 0600);

# A fresh location folder for one case.
sub location
{
	my ($name) = @_;
	my $dir = "$tmp/loc_$name";
	mkdir($dir) or die "$dir: $!";
	return $dir;
}

sub set_location
{
	my ($dir) = @_;
	$node->safe_psql($db,
		"ALTER ROLE deployer IN DATABASE $db SET pg_migrate.locations = 'filesystem:$dir'");
}

# Run SQL (one command, or a list run one after the other) as a role under a
# timer; returns (finished, stdout, stderr).
sub guarded
{
	my ($sql, %opt) = @_;
	my $user = $opt{user} // 'deployer';
	my ($out, $err) = ('', '');
	my $timeout = IPC::Run::timeout(60);
	local $ENV{PGOPTIONS} = '-c client_min_messages=warning';
	my $h = IPC::Run::start(
		[ 'psql', '-X', '-At', '-d', $node->connstr($db) . " user=$user",
			map { ('-c', $_) } ref($sql) ? @$sql : ($sql) ],
		'>', \$out, '2>', \$err, $timeout);
	my $finished = eval { $h->finish; 1 };
	if (!$finished)
	{
		$h->kill_kill;
		# a backend blocked opening a FIFO for reading returns once a writer opens it
		foreach my $fifo (@{ $opt{fifos} // [] })
		{
			my $w;
			close($w) if sysopen($w, $fifo, O_WRONLY | O_NONBLOCK);
		}
		diag("killed after 60 s: " . (ref($sql) ? join('; ', @$sql) : $sql));
	}
	chomp($out);
	return ($finished, $out, $err);
}

# The statements of the scripts migrate_plan() shows (not the engine's own).
my $plan = q{SELECT script || ': ' || statement FROM migrate_plan() WHERE line IS NOT NULL ORDER BY seq};

# A case that must be refused quickly with a message, showing no secret.
sub refused
{
	my ($case, $dir, $message, %opt) = @_;
	set_location($dir);
	my ($finished, $out, $err) =
	  guarded($opt{sql} // 'SELECT statement FROM migrate_plan()', %opt);
	ok($finished, "$case: the call returns at once");
	like($err, $message, "$case: refused with a clear error");
	like($err, $opt{detail}, "$case: the detail says why") if $opt{detail};
	like($err, qr/HINT:  /, "$case: with a hint");
	unlike("$out$err", qr/TOPSECRET/, "$case: nothing of the file is shown");
}

# --- links leading outside: a script, a .conf file (of a versioned and of a
# repeatable script), a folder, the root folder ------------------------------
{
	my $d = location('file');
	write_file("$d/V1__a.sql", "SELECT 1;\n");
	symlink($secret_sql, "$d/V2__secret.sql") or die;
	refused('link to a file outside', $d,
		qr/ERROR:  migration script ".*V2__secret\.sql" is a symbolic link that leads outside its location/,
		detail => qr/DETAIL:  It resolves to "\Q$secret_sql\E", which is not under the location's folder/);

	$d = location('conf');
	write_file("$d/V1__a.sql", "SELECT 1;\n");
	symlink($secret_conf, "$d/V1__a.sql.conf") or die;
	refused('link to a .conf file outside', $d,
		qr/ERROR:  script configuration file ".*V1__a\.sql\.conf" is a symbolic link that leads outside/);

	$d = location('rconf');
	write_file("$d/R__a.sql", "SELECT 1;\n");
	symlink($secret_conf, "$d/R__a.sql.conf") or die;
	refused('link to a repeatable\'s .conf file outside', $d,
		qr/ERROR:  script configuration file ".*R__a\.sql\.conf" is a symbolic link that leads outside/);

	$d = location('folder');
	write_file("$d/V1__a.sql", "SELECT 1;\n");
	symlink("$tmp/outside", "$d/ext") or die;
	refused('link to a folder outside', $d,
		qr/ERROR:  folder ".*ext" is a symbolic link that leads outside its location/);

	$d = location('slash');
	symlink('/', "$d/everything") or die;
	refused('link to /', $d,
		qr/ERROR:  folder ".*everything" is a symbolic link that leads outside its location/);

	$d = location('loop');
	mkdir("$d/sub") or die;
	write_file("$d/sub/V1__a.sql", "SELECT 1;\n");
	symlink('..', "$d/sub/up") or die;
	refused('a link looping back to a folder above it', $d,
		qr/ERROR:  folder ".*sub\/up" is a symbolic link that loops back/,
		detail => qr/DETAIL:  It resolves to ".*loc_loop", a folder that contains the link/);
}

# --- not regular files: FIFOs (a .conf file, a script), devices -----------------
{
	my $d = location('fifo_conf');
	write_file("$d/R__a.sql", "SELECT 1;\n");
	mkfifo("$d/R__a.sql.conf", 0600) or die;
	refused('a FIFO as a repeatable\'s .conf file', $d,
		qr/ERROR:  script configuration file ".*R__a\.sql\.conf" is not a regular file/,
		detail => qr/DETAIL:  It is a FIFO \(named pipe\)\./,
		fifos => ["$d/R__a.sql.conf"]);

	$d = location('fifo_script');
	mkfifo("$d/V1__x.sql", 0600) or die;
	refused('a FIFO as a script', $d,
		qr/ERROR:  migration script ".*V1__x\.sql" is not a regular file/,
		detail => qr/DETAIL:  It is a FIFO/,
		fifos => ["$d/V1__x.sql"]);

	$d = location('zero');
	symlink('/dev/zero', "$d/V1__z.sql") or die;
	refused('a link to /dev/zero as a script', $d,
		qr/ERROR:  migration script ".*V1__z\.sql" is not a regular file/,
		detail => qr/DETAIL:  It is a symbolic link to a character device\./);

	$d = location('zero_conf');
	write_file("$d/R__z.sql", "SELECT 1;\n");
	symlink('/dev/zero', "$d/R__z.sql.conf") or die;
	refused('a link to /dev/zero as a .conf file', $d,
		qr/ERROR:  script configuration file ".*R__z\.sql\.conf" is not a regular file/);

	# other names are not read, and stay ignored
	$d = location('fifo_other');
	write_file("$d/V1__a.sql", "SELECT 1;\n");
	mkfifo("$d/README", 0600) or die;
	symlink($secret_sql, "$d/notes.txt") or die;
	set_location($d);
	my ($finished, $out, $err) = guarded($plan, fifos => ["$d/README"]);
	ok($finished && $err eq '', 'a FIFO or a link outside that is no script is ignored')
	  or diag($err);
	is($out, "V1__a.sql: SELECT 1", '... and the scripts are planned');
}

# --- links inside the location, and a location that is itself a link ---------
{
	my $d = location('inside');
	write_file("$d/V1__a.sql", "SELECT 'one';\n");
	mkdir("$d/.shared") or die;
	write_file("$d/.shared/V2__x.sql", "SELECT 'two';\n");
	symlink('.shared/V2__x.sql', "$d/V2__x.sql") or die;
	write_file("$d/.shared/V2__x.conf", "executeInTransaction=true\n");
	symlink('.shared/V2__x.conf', "$d/V2__x.sql.conf") or die;
	mkdir("$d/.more") or die;
	write_file("$d/.more/V3__y.sql", "SELECT 'three';\n");
	symlink('.more', "$d/more") or die;
	set_location($d);
	my ($finished, $out, $err) = guarded($plan);
	ok($finished && $err eq '', 'links to a file, a .conf file and a folder inside are followed')
	  or diag($err);
	is($out, "V1__a.sql: SELECT 'one'\nV2__x.sql: SELECT 'two'\nmore/V3__y.sql: SELECT 'three'",
		'... and their scripts planned');

	mkdir("$tmp/releases") or die;
	mkdir("$tmp/releases/42") or die;
	write_file("$tmp/releases/42/V1__a.sql", "CREATE TABLE via_link_1 (id int);\n");
	mkdir("$tmp/releases/42/.lib") or die;
	write_file("$tmp/releases/42/.lib/b.sql", "CREATE TABLE via_link_2 (id int);\n");
	symlink('.lib/b.sql', "$tmp/releases/42/V2__b.sql") or die;
	symlink('releases/42', "$tmp/current") or die;
	set_location("$tmp/current");
	($finished, $out, $err) =
	  guarded(q{SELECT string_agg(version || ':' || state, ',') FROM migrate_apply()});
	ok($finished && $err eq '', 'a location that is a link to a folder works') or diag($err);
	is($out, '1:Success,2:Success', '... and its scripts, one through a link inside, are applied');
	is( $node->safe_psql($db,
			q{SELECT count(*) FROM pg_class WHERE relname IN ('via_link_1', 'via_link_2')}),
		'2', '... both tables created');
	# old enough to be cached by the next apply: the plain file is, the link
	# is not (it is read and checked every time, so an entry would be dead)
	utime(time - 60, time - 60, "$tmp/releases/42/V1__a.sql", "$tmp/releases/42/.lib/b.sql")
	  or die;
	# read again after planning (locations_script_text): still inside
	write_file("$tmp/releases/42/.lib/c.sql", "CREATE TABLE via_link_3 (id int);\n");
	symlink('.lib/c.sql', "$tmp/releases/42/V3__c.sql") or die;
	($finished, $out, $err) =
	  guarded(q{SELECT string_agg(version || ':' || state, ',') FROM migrate_apply()});
	is($out, '3:Success', 'a script linked inside a linked location is applied later too')
	  or diag($err);
	is( $node->safe_psql($db,
			q{SELECT string_agg(regexp_replace(path, '^.*/', ''), ',' ORDER BY path)
			  FROM pg_migrate_checksums WHERE path LIKE '%/current/%'}),
		'V1__a.sql', '... and the checksum cache keeps the plain file, not the links');
	# the other cases plan against an empty history
	$node->safe_psql($db, 'DROP TABLE flyway_schema_history, via_link_1, via_link_2, via_link_3');
}

# --- the superuser-only setting ----------------------------------------------
{
	# A SET before the library is loaded is checked when it loads: refused then.
	set_location("$tmp/loc_file");
	my ($finished, $out, $err) = guarded(
		[ 'SET pg_migrate.allow_symlinks_outside_locations = on',
		  'SET pg_migrate.sync_redirect_hosts = \'evil.example\'', $plan ]);
	like($err, qr/permission denied to set parameter "pg_migrate\.allow_symlinks_outside_locations"/,
		'the deployer cannot allow links leading outside');
	like($err, qr/permission denied to set parameter "pg_migrate\.sync_redirect_hosts"/,
		'nor redirects to other hosts');
	like($err, qr/leads outside its location/, '... the link is still refused');
	unlike("$out$err", qr/TOPSECRET/, '... and nothing of the file is shown');
	($finished, $out, $err) =
	  guarded([ $plan, 'SET pg_migrate.allow_symlinks_outside_locations = on', $plan ]);
	like($err, qr/permission denied to set parameter "pg_migrate\.allow_symlinks_outside_locations"/,
		'... nor after the library is loaded');
	unlike("$out$err", qr/TOPSECRET/, '... and nothing of the file is shown');

	$node->safe_psql($db,
		"ALTER ROLE deployer IN DATABASE $db SET pg_migrate.allow_symlinks_outside_locations = on");
	($finished, $out, $err) = guarded($plan);
	is($out, "V1__a.sql: SELECT 1\nV2__secret.sql: SELECT 'TOPSECRET-script'",
		'a superuser can allow links leading outside: the file is read') or diag($err);
	set_location("$tmp/loc_folder");
	($finished, $out, $err) = guarded($plan);
	is($out, "V1__a.sql: SELECT 1\next/V5__out.sql: SELECT 'TOPSECRET-folder'",
		'... and so is a folder outside') or diag($err);
	# still: no FIFO, no device, no loop
	set_location("$tmp/loc_zero");
	($finished, $out, $err) = guarded('SELECT statement FROM migrate_plan()');
	like($err, qr/is not a regular file/, '... but a device is still refused');
	set_location("$tmp/loc_loop");
	($finished, $out, $err) = guarded('SELECT statement FROM migrate_plan()');
	like($err, qr/loops back/, '... and a loop too');
	$node->safe_psql($db,
		"ALTER ROLE deployer IN DATABASE $db RESET pg_migrate.allow_symlinks_outside_locations");
}

# --- files the server reads for remote locations: the S3 credentials file ----
{
	my $fifo = "$tmp/credentials.fifo";
	mkfifo($fifo, 0600) or die;
	my ($finished, $out, $err) = guarded(
		[ "SET pg_migrate.locations = 's3://bucket/prefix/'",
		  "SET pg_migrate.s3_credentials_file = '$fifo'",
		  "SELECT status || ': ' || coalesce(error, '') FROM migrate_sync()" ],
		user => scalar(getpwuid($<)),
		fifos => [$fifo]);
	ok($finished, 'a FIFO as the S3 credentials file: the sync returns at once');
	like("$out$err", qr/S3 credentials file "\Q$fifo\E" is not a regular file/,
		'... refused as not a regular file');
}

$node->stop;
done_testing();
