# t/071_sync_large_manifest.pl
#   A re-sync of a release of 100,000 files fetches exactly the files whose
#   SHA-256 changed, adds and removes the right ones, and keeps the rest:
#   the check of the rewrite that matches the new manifest with the kept
#   files by binary search instead of pair by pair (its time is measured by
#   bench/sync_bench.sh, not asserted here).  The kept release is written
#   straight into the extension's tables; only the manifests and the changed
#   files are served.
use strict;
use warnings;
use Digest::SHA qw(sha256_hex);
use File::Basename qw(dirname);
use File::Path qw(make_path);
use FindBin;
use lib $FindBin::RealBin;
use PostgreSQL::Test::Cluster;
use PostgreSQL::Test::Utils;
use Test::More;
use SyncHelper;

my $nfiles = 100_000;
my $srv = start_servers();
my $loc = "https://127.0.0.1:$srv->{ports}{https}/big/";

my $node = PostgreSQL::Test::Cluster->new('sync_large');
$node->init;
$node->append_conf('postgresql.conf',
	sync_conf($srv, 'pg_migrate.http_timeout' => 60) . "pg_migrate.locations = '$loc'\n");
$node->start;
$node->safe_psql('postgres', 'CREATE EXTENSION pg_migrate');

sub path_of { return sprintf('files/f%06d.txt', $_[0]); }
sub content_of { return "content of file $_[0]\n"; }

# Release big-1, as a sync would have kept it: file i holds content_of(i).
$node->safe_psql(
	'postgres', qq{
INSERT INTO pg_migrate_fetched_scripts
	(location, path, content, checksum, sha256, size, etag, fetched_at, release)
SELECT '$loc', pg_catalog.format('files/f%s.txt', pg_catalog.lpad(i::text, 6, '0')), c, 0,
	pg_catalog.encode(pg_catalog.sha256(c), 'hex'), pg_catalog.length(c), NULL, pg_catalog.now(), 'big-1'
  FROM pg_catalog.generate_series(1, $nfiles) AS i,
	LATERAL (SELECT pg_catalog.convert_to('content of file ' || i || E'\\n', 'UTF8') AS c) AS x;
INSERT INTO pg_migrate_sync_status (location, release, files, last_attempt, last_success, last_change)
VALUES ('$loc', 'big-1', $nfiles, pg_catalog.now(), pg_catalog.now(), pg_catalog.now());});
is( $node->safe_psql('postgres',
		"SELECT count(*) FROM pg_migrate_fetched_scripts WHERE sha256 = '" . sha256_hex(content_of(7)) . "'"),
	'1', 'the kept release has the SHA-256 Perl computes');

# Publish a manifest of { path => content }, writing only the listed files
# whose content differs from content_of() (the others are never fetched).
sub publish_big
{
	my ($release, $files) = @_;
	my $base = "$srv->{root}/big";
	my @entries;
	for my $path (sort keys %$files)
	{
		my $content = $files->{$path};
		my ($n) = $path =~ /^files\/f(\d+)\.txt$/;
		if (!defined $n || $content ne content_of($n + 0))
		{
			make_path(dirname("$base/$path"));
			open(my $fh, '>:raw', "$base/$path") or die "$base/$path: $!";
			print $fh $content;
			close $fh;
		}
		push @entries, sprintf('{"path": "%s", "size": %d, "sha256": "%s"}',
			$path, length($content), sha256_hex($content));
	}
	make_path($base);
	open(my $fh, '>', "$base/pg_migrate.json.tmp") or die;
	print $fh qq({"release": "$release", "files": [\n), join(",\n", @entries), "\n]}\n";
	close $fh;
	rename("$base/pg_migrate.json.tmp", "$base/pg_migrate.json") or die;
	return;
}

sub sync_row
{
	return $node->safe_psql('postgres',
		"SELECT status, release, added, changed, removed, downloaded, coalesce(error, '') FROM migrate_sync()");
}

# Paths fetched since the last reset, but the manifest.
sub fetched_files
{
	my $by_path = server_stats($srv)->{by_path};
	return join(',', sort grep { $_ ne 'big/pg_migrate.json' } keys %$by_path);
}

my %files = map { (path_of($_) => content_of($_)) } 1 .. $nfiles;

# --- one file of 100,000 changed ------------------------------------------------
$files{ path_of(50_000) } = "changed\n";
publish_big('big-2', \%files);
reset_stats($srv);
is(sync_row(), 'updated|big-2|0|1|0|2|', "one changed file of $nfiles: changed 1, downloaded the manifest and it");
is(fetched_files(), 'big/files/f050000.txt', 'only that file was fetched');
is( $node->safe_psql(
		'postgres', qq{
SELECT count(*), count(*) FILTER (WHERE release = 'big-2'),
	pg_catalog.string_agg(pg_catalog.convert_from(content, 'UTF8'), '' ORDER BY path)
	  FILTER (WHERE path IN ('files/f049999.txt', 'files/f050000.txt', 'files/f050001.txt'))
  FROM pg_migrate_fetched_scripts WHERE location = '$loc'}),
	"$nfiles|$nfiles|content of file 49999\nchanged\ncontent of file 50001\n",
	'all files kept, in release big-2; the changed one has its new content');
is( $node->safe_psql('postgres', "SELECT release, files FROM migrate_sync_status() WHERE location = '$loc'"),
	"big-2|$nfiles", 'status: release big-2');

# --- at both ends of the order: one removed, two added, one changed ---------------
delete $files{ path_of(1) };
$files{'files/a_first.txt'} = "sorts before every kept path\n";
$files{ path_of($nfiles + 1) } = "sorts after every kept path\n";
$files{ path_of($nfiles) } = "the last one changed\n";
publish_big('big-3', \%files);
reset_stats($srv);
is(sync_row(), 'updated|big-3|2|1|1|4|', 'added 2, changed 1, removed 1');
is( fetched_files(),
	'big/files/a_first.txt,big/files/f100000.txt,big/files/f100001.txt',
	'only the added and the changed files were fetched');
is( $node->safe_psql(
		'postgres', qq{
SELECT count(*), count(*) FILTER (WHERE release = 'big-3'),
	count(*) FILTER (WHERE path = 'files/f000001.txt'),
	pg_catalog.string_agg(pg_catalog.convert_from(content, 'UTF8'), '' ORDER BY path COLLATE "C")
	  FILTER (WHERE path IN ('files/a_first.txt', 'files/f000002.txt', 'files/f100000.txt', 'files/f100001.txt'))
  FROM pg_migrate_fetched_scripts WHERE location = '$loc'}),
	($nfiles + 1) . '|' . ($nfiles + 1) . "|0|sorts before every kept path\ncontent of file 2\n"
	  . "the last one changed\nsorts after every kept path\n",
	'kept: the removed one gone, the added ones there, the rest unchanged');

# --- unchanged manifest content under a new release id: nothing fetched ---------
publish_big('big-4', \%files);
reset_stats($srv);
is(sync_row(), 'updated|big-4|0|0|0|1|', 'a new release id with the same files fetches no file');
is(fetched_files(), '', 'no file fetched');

$node->stop;
done_testing();
