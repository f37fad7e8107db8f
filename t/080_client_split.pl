# The client's splitter (client/script_split.c, libpg_query) splits and
# classifies every script as the extension does: for each location under
# test/migrations/, the statements migrate_plan() lists (line and text, a
# COPY FROM STDIN with its data) and whether the script runs in a
# transaction block (its BEGIN row) must equal what test/client/split_script
# prints; a script the extension rejects with a syntax error must be
# rejected by the client at the same line, or split with the statements'
# kinds unknown and that line given.  It also runs test/client's unit tests.
# Callbacks are compared too: the first time the plan runs each one.
use strict;
use warnings;
use File::Basename qw(dirname basename);
use File::Find;
use Cwd qw(abs_path);
use Encode ();
use IPC::Run;
use PostgreSQL::Test::Cluster;
use PostgreSQL::Test::Utils;
use Test::More;

my $top = abs_path(dirname(__FILE__) . '/..');
my $driver = "$top/test/client/split_script";
my ($build_out, $build_err) = ('', '');
my $built = IPC::Run::run([ 'make', '-s', '-C', "$top/test/client" ], '>', \$build_out, '2>', \$build_err);
ok($built && -x $driver, 'test/client/split_script builds') or BAIL_OUT("cannot build $driver: $build_err");

# the splitter's own unit tests: the scanner fallback and the errors
my $unit = `"$top/test/client/test_script_split" 2>&1`;
like($unit, qr/^script_split: [1-9][0-9]* passed, 0 failed$/m, 'test/client/test_script_split passes')
  or diag($unit);

my $node = PostgreSQL::Test::Cluster->new('split');
$node->init;
$node->start;
$node->safe_psql('postgres', 'CREATE EXTENSION pg_migrate');

# The plan as the extension reads the scripts: placeholders left alone (the
# splitter sees the file), mixed scripts allowed (the rule is compared, not
# the refusal).
sub plan_of
{
	my ($dir) = @_;
	my $sql = qq{SET pg_migrate.locations = 'filesystem:$dir';
SET pg_migrate.placeholder_replacement = off;
SET pg_migrate.mixed = on;
SET client_min_messages = error;
SELECT script, coalesce(line, 0), replace(replace(replace(replace(statement, E'\\\\', E'\\\\\\\\'), E'\\t', E'\\\\t'), E'\\r', E'\\\\r'), E'\\n', E'\\\\n')
FROM migrate_plan() WHERE script IS NOT NULL ORDER BY seq};
	my ($ret, $out, $err) = $node->psql('postgres', $sql);
	return ($ret, $out, $err);
}

# What split_script prints for the plan's rows of one script.
sub expected_from_plan
{
	my (@rows) = @_;
	my $transactional = (@rows && $rows[0][1] == 0 && $rows[0][2] eq 'BEGIN') ? 't' : 'f';
	my $out = "transactional $transactional\n";
	$out .= "$_->[1]\t$_->[2]\n" foreach grep { $_->[1] > 0 } @rows;
	return $out;
}

# What split_script prints for a script file.  The splitter reads UTF-8, as
# the engine hands it every script: one whose .conf names another encoding
# is decoded first (Perl's Encode knows Flyway's names).
my $decoded_dir = PostgreSQL::Test::Utils::tempdir;
sub split_of
{
	my ($file) = @_;
	my $encoding;
	if (open(my $conf, '<', "$file.conf"))
	{
		while (<$conf>) { $encoding = $1 if /^\s*encoding\s*[=:]\s*(\S+)/; }
		close($conf);
	}
	return `"$driver" "$file"` unless defined $encoding;
	open(my $in, '<:raw', $file) or die "$file: $!";
	my $bytes = do { local $/; <$in> };
	close($in);
	my $utf8 = "$decoded_dir/" . basename($file);
	open(my $out, '>:raw', $utf8) or die "$utf8: $!";
	print $out Encode::encode('UTF-8', Encode::decode($encoding, $bytes, Encode::FB_CROAK));
	close($out);
	return `"$driver" "$utf8"`;
}

my ($compared, $errors_compared) = (0, 0);
opendir(my $dh, "$top/test/migrations") or die $!;
foreach my $location (sort grep { !/^\./ && -d "$top/test/migrations/$_" } readdir($dh))
{
	my $dir = "$top/test/migrations/$location";
	my %file_of;
	find(sub { $file_of{$_} //= $File::Find::name if -f $_ && /\.sql$/ }, $dir);
	my ($ret, $out, $err) = plan_of($dir);
	if ($ret != 0)
	{
		# a syntax error: the client finds it at the same line, and rejects
		# the script or (when its scanner still splits it, as for syntax
		# newer than its grammar) leaves the statements' kinds unknown
		next unless $err =~ /migration (\S+) failed at line (\d+): syntax error/
		  || $err =~ /migration (\S+) failed at line (\d+): unterminated/;
		my ($script, $line) = ($1, $2);
		next unless $file_of{ basename($script) };
		my $got = split_of($file_of{ basename($script) });
		like(
			$got,
			qr/^(error at line $line: |transactional t\nkinds unknown \(line $line: )/,
			"$location/$script: the same syntax error line ($line)");
		$errors_compared++;
		next;
	}
	# a callback runs at every point of its event: its first run is compared
	# (a script's statements come in one run; another script's rows end it,
	# but not a statement callback's, which run between its statements)
	my (@order, %rows, %done, %has_statements);
	my $previous = '';
	foreach my $row (split /\n/, $out)
	{
		my ($script, $line, $statement) = split /\|/, $row, 3;
		$done{$script} = 1 if $has_statements{$script} && $previous ne $script;
		$previous = $script unless basename($script) =~ /^(before|after)Each(Migrate|Undo)Statement/;
		next if $done{$script};
		$has_statements{$script} = 1 if $line > 0;
		push @order, $script unless $rows{$script};
		push @{ $rows{$script} }, [ $script, $line, $statement ];
	}
	foreach my $script (@order)
	{
		my $file = $file_of{ basename($script) };
		next unless $file;
		my $want = expected_from_plan(@{ $rows{$script} });
		# a .conf file's executeInTransaction decides instead of the statements;
		# a beforeEach/afterEach callback runs in the migration's transaction
		if (-f "$file.conf" || basename($script) =~ /^(before|after)Each/)
		{
			my $got = split_of($file);
			$got =~ s/^transactional .\n//;
			$want =~ s/^transactional .\n//;
			is($got, $want, "$location/$script: the same statements");
		}
		else
		{
			is(split_of($file), $want, "$location/$script: the same statements and transaction");
		}
		$compared++;
	}
}
closedir($dh);
ok($compared >= 100, "scripts compared: $compared");
ok($errors_compared >= 1, "syntax errors compared: $errors_compared");

$node->stop;
done_testing();
