# t/SyncHelper.pm
#   Shared by t/050_sync_*.pl: a test CA and certificates made with openssl,
#   the loopback servers of test/sync/server.py (HTTPS, a host-name mismatch
#   HTTPS, an S3 double checking SigV4, plain http, a closed port), and
#   releases published into the servers' folder with their manifest.
package SyncHelper;

use strict;
use warnings;
use Digest::SHA qw(sha256_hex);
use File::Basename qw(dirname);
use File::Path qw(make_path remove_tree);
use File::Spec;
use JSON::PP;
use PostgreSQL::Test::Utils;
use Test::More;
use Time::HiRes qw(usleep);

use Exporter 'import';
our @EXPORT = qw(start_servers publish set_faults server_stats reset_stats sync_conf wait_for);

my $server_pid;
my $top = File::Spec->rel2abs(dirname(__FILE__) . '/..');

# Certificates, then the servers; returns {dir, root, certs, ports => {...}}.
sub start_servers
{
	my $dir = PostgreSQL::Test::Utils::tempdir('sync');
	chmod 0755, $dir;
	my $certs = "$dir/certs";
	my $root = "$dir/root";
	make_path($certs, $root);
	my $ssl = sub { system("openssl @_ >/dev/null 2>&1") == 0 or BAIL_OUT("openssl @_ failed") };
	$ssl->("req -x509 -newkey rsa:2048 -nodes -keyout $certs/ca.key -out $certs/ca.crt -days 2 -subj '/CN=pg_migrate sync test CA'");
	for my $c (['server', '127.0.0.1', 'IP:127.0.0.1,DNS:localhost'], ['badhost', 'wrong.example', 'DNS:wrong.example'])
	{
		my ($n, $cn, $san) = @$c;
		$ssl->("req -new -newkey rsa:2048 -nodes -keyout $certs/$n.key -subj '/CN=$cn' -out $certs/$n.csr");
		open(my $fh, '>', "$certs/$n.ext") or die;
		print $fh "subjectAltName=$san\nbasicConstraints=CA:FALSE\nextendedKeyUsage=serverAuth\n";
		close $fh;
		$ssl->("x509 -req -in $certs/$n.csr -CA $certs/ca.crt -CAkey $certs/ca.key -CAcreateserial -days 2 -sha256 -extfile $certs/$n.ext -out $certs/$n.crt");
	}
	chmod 0644, glob("$certs/*");
	$server_pid = fork();
	if ($server_pid == 0)
	{
		exec('/usr/bin/python3', "$top/test/sync/server.py", '--certs', $certs, '--root', $root,
			'--ports', "$dir/ports", '--lifetime', '1200');
		exit 1;
	}
	for (1 .. 100)
	{
		last if -f "$dir/ports";
		usleep(100_000);
	}
	BAIL_OUT('test/sync/server.py did not start') unless -f "$dir/ports";
	my %ports;
	open(my $fh, '<', "$dir/ports") or die;
	while (<$fh>) { $ports{$1} = $2 if /^(\w+)=(\d+)$/; }
	close $fh;
	return { dir => $dir, root => $root, certs => $certs, ports => \%ports };
}

END
{
	if ($server_pid)
	{
		kill 'TERM', $server_pid;
		waitpid($server_pid, 0);
	}
}

# publish($srv, 'folder', 'release-id', { 'V1__a.sql' => 'text', ... }, %opt)
#   Writes the files, then the manifest (last, as a pipeline does).
#   $opt{manifest_only}: write only the manifest, computed from the files;
#   $opt{lie}: { path => 'sha256' | size } entries to falsify;
#   $opt{next}: write the manifest as pg_migrate.json.next instead.
sub publish
{
	my ($srv, $folder, $release, $files, %opt) = @_;
	my $base = "$srv->{root}/$folder";
	remove_tree($base) if $opt{clean};
	make_path($base);
	my @entries;
	for my $path (sort keys %$files)
	{
		my $content = $files->{$path};
		my $f = "$base/$path";
		make_path(dirname($f));
		open(my $fh, '>:raw', $f) or die "$f: $!";
		print $fh $content;
		close $fh;
		my %e = (path => $path, size => length($content), sha256 => sha256_hex($content));
		if (my $lie = $opt{lie}{$path})
		{
			$lie =~ /^\d+$/ ? ($e{size} = $lie + 0) : ($e{sha256} = $lie);
		}
		push @entries, \%e;
	}
	my $json = JSON::PP->new->canonical->encode({ release => $release, files => \@entries });
	my $name = $opt{next} ? 'pg_migrate.json.next' : 'pg_migrate.json';
	open(my $fh, '>', "$base/$name.tmp") or die;
	print $fh $json, "\n";
	close $fh;
	rename("$base/$name.tmp", "$base/$name") or die;
	return;
}

sub set_faults
{
	my ($srv, %faults) = @_;
	open(my $fh, '>', "$srv->{root}/faults.json.tmp") or die;
	print $fh encode_json(\%faults);
	close $fh;
	rename("$srv->{root}/faults.json.tmp", "$srv->{root}/faults.json") or die;
}

sub _get
{
	my ($srv, $path) = @_;
	my $out = `/usr/bin/python3 -c 'import ssl, sys, urllib.request; print(urllib.request.urlopen(sys.argv[1], context=ssl.create_default_context(cafile=sys.argv[2])).read().decode())' https://127.0.0.1:$srv->{ports}{https}/$path $srv->{certs}/ca.crt`;
	return $out;
}

sub server_stats { my ($srv) = @_; return decode_json(_get($srv, '__stats')); }
sub reset_stats { my ($srv) = @_; _get($srv, '__reset'); return; }

# Settings every test cluster gets.
sub sync_conf
{
	my ($srv, %extra) = @_;
	my $conf = "pg_migrate.ca_file = '$srv->{certs}/ca.crt'\n"
	  . "pg_migrate.http_timeout = 3\n"
	  . "pg_migrate.fetch_retries = 1\n"
	  . "pg_migrate.s3_endpoint = 'https://127.0.0.1:$srv->{ports}{s3}'\n"
	  . "pg_migrate.s3_region = 'eu-west-1'\n";
	$conf .= "$_ = $extra{$_}\n" for sort keys %extra;
	return $conf;
}

# Poll a query until it returns $expected (or time out); returns the last value.
sub wait_for
{
	my ($node, $db, $sql, $expected, $seconds) = @_;
	my $got;
	for (1 .. ($seconds || 30) * 10)
	{
		$got = $node->safe_psql($db, $sql);
		return $got if $got eq $expected;
		usleep(100_000);
	}
	return $got;
}

1;
