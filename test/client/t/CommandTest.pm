# test/client/t/CommandTest.pm
#   Shared by the pg_migrate command's TAP tests (test/client/t/*.pl): the
#   check that client/pg_migrate is built, a test cluster with an optional
#   role that owns its databases (as Amazon RDS's master user does), fresh
#   folders and files for scripts, and runs of the command, each returning
#   its exit status, stdout and stderr; and Flyway's lock key.  A file
#   loads it with
#       use FindBin;
#       use lib $FindBin::RealBin;
#       use CommandTest;
#   as t/*.pl load t/SyncHelper.pm.
package CommandTest;

use strict;
use warnings;
use Cwd qw(abs_path);
use File::Basename qw(dirname);
use File::Path qw(make_path);
use IPC::Run;
use PostgreSQL::Test::Cluster;
use PostgreSQL::Test::Utils;
use Test::More;

use Exporter 'import';
our @EXPORT = qw(top_folder built_command start_node create_owner_role sql work_dir write_file
  conninfo connection_flags run_pg_migrate start_pg_migrate flyway_lock_key);

my $top = abs_path(dirname(__FILE__) . '/../../..');
my $command = "$top/client/pg_migrate";

# The node start_node() started last, and the database sql() uses by default.
my ($node, $default_database);

# The checkout's top folder.
sub top_folder
{
	return $top;
}

# One test: client/pg_migrate is built (the whole file stops if not).
# Returns its path.
sub built_command
{
	ok(-x $command, 'client/pg_migrate is built') or BAIL_OUT("no $command: run make first");
	return $command;
}

# A cluster initialised and started; the node sql() and create_owner_role()
# then use.  Options:
#   initdb => [...]    initdb's extra arguments
#   conf => TEXT       appended to postgresql.conf
#   hba => TEXT        lines put before pg_hba.conf's own (they win)
#   database => NAME   the database sql($query) runs in ('postgres')
sub start_node
{
	my ($name, %opt) = @_;
	$node = PostgreSQL::Test::Cluster->new($name);
	$node->init($opt{initdb} ? (extra => $opt{initdb}) : ());
	$node->append_conf('postgresql.conf', $opt{conf}) if defined $opt{conf};
	if (defined $opt{hba})
	{
		my $file = $node->data_dir . '/pg_hba.conf';
		my $hba = slurp_file($file);
		write_file($file, $opt{hba} . $hba);
	}
	$node->start;
	$default_database = $opt{database} // 'postgres';
	return $node;
}

# A role that logs in (with a password if one is given), is no superuser
# and owns each database it names, created for it; and, unless
# public_schema => 0, their schema public, as Amazon RDS's master user owns
# it.  Options: password => TEXT, databases => [...], public_schema => 0|1.
sub create_owner_role
{
	my ($role, %opt) = @_;
	my $password = defined $opt{password} ? " PASSWORD '$opt{password}'" : '';
	my @databases = @{ $opt{databases} || [] };
	$node->safe_psql('postgres',
		join('', "CREATE ROLE $role LOGIN$password NOSUPERUSER NOCREATEDB NOCREATEROLE;\n",
			map { "CREATE DATABASE $_ OWNER $role;\n" } @databases));
	return if defined $opt{public_schema} && !$opt{public_schema};
	$node->safe_psql($_, "ALTER SCHEMA public OWNER TO $role") foreach @databases;
	return;
}

# sql($query) in start_node()'s database, or sql($database, $query): the
# result of safe_psql as the cluster's superuser.
sub sql
{
	my $query = pop;
	my $database = shift // $default_database;
	return $node->safe_psql($database, $query);
}

# A fresh folder below the test's tmp_check, by its absolute path, that
# anyone may read (the server reads scripts there too).
sub work_dir
{
	my $dir = abs_path(PostgreSQL::Test::Utils::tempdir());
	chmod 0755, $dir;
	return $dir;
}

# Writes $text (bytes, as they are) to $path, making its folders.
sub write_file
{
	my ($path, $text) = @_;
	make_path(dirname($path));
	open(my $out, '>:raw', $path) or die "$path: $!";
	print $out $text;
	close($out);
	return;
}

# "host=... port=... dbname=$database": a libpq connection string for the
# command's -url.
sub conninfo
{
	my ($database) = @_;
	return 'host=' . $node->host . ' port=' . $node->port . " dbname=$database";
}

# The command's flags to connect to $database as $user (by default the
# operating system's user, the cluster's superuser), with -password if one
# is given.
sub connection_flags
{
	my ($database, $user, $password) = @_;
	$user //= $ENV{USER} // getpwuid($<);
	return ('-url=' . conninfo($database), "-user=$user", defined $password ? ("-password=$password") : ());
}

# The environment run_pg_migrate() gives the command, as its %$how says.
sub command_environment
{
	my ($how) = @_;
	my %env = %ENV;
	if ($how->{env})
	{
		%env = (PATH => $ENV{PATH}, (defined $how->{home} ? (HOME => $how->{home}) : ()), %{ $how->{env} });
	}
	elsif (defined $how->{home})
	{
		$env{HOME} = $how->{home};
		delete $env{$_} foreach grep { /^FLYWAY_/ } keys %env;
	}
	return %env;
}

# Runs client/pg_migrate with @args and no input; returns its exit status,
# stdout and stderr.  %$how says where and with what:
#   dir => FOLDER    where it runs (by default in the test's current folder)
#   home => FOLDER   its HOME (~/flyway.conf, ~/flyway.toml are read there)
#   env => {...}     its whole environment besides PATH and HOME: nothing of
#                    the test's (a FLYWAY_* variable, PGHOST) reaches it
# With home but no env it gets the test's environment without the FLYWAY_*
# variables; with neither, the test's environment as it is.
sub run_pg_migrate
{
	my ($how, @args) = @_;
	my ($out, $err) = ('', '');
	local %ENV = command_environment($how);
	my $dir = $how->{dir};
	IPC::Run::run([ $command, @args ], (defined $dir ? (init => sub { chdir $dir or die "$dir: $!" }) : ()),
		'<', \undef, '>', \$out, '2>', \$err, IPC::Run::timeout($PostgreSQL::Test::Utils::timeout_default));
	return ($? >> 8, $out, $err);
}

# Starts client/pg_migrate with @args in the background, in the test's
# environment; returns { h => the IPC::Run harness, out => its stdout so
# far, err => its stderr so far }.
sub start_pg_migrate
{
	my (@args) = @_;
	my %run = (out => '', err => '');
	$run{h} = IPC::Run::start([ $command, @args ], '<', \undef, '>', \$run{out}, '2>', \$run{err},
		IPC::Run::timeout($PostgreSQL::Test::Utils::timeout_default));
	return \%run;
}

# Flyway's advisory lock key of a history table ('"schema"."table"'):
# 77431708279161 + Java's hashCode of the quoted name.
sub flyway_lock_key
{
	my ($qualified) = @_;
	my $h = 0;
	$h = (31 * $h + ord($_)) % 4294967296 foreach split //, $qualified;
	$h -= 4294967296 if $h >= 2147483648;
	return 77431708279161 + $h;
}

1;
