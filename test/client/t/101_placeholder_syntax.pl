# The pg_migrate command's placeholder syntax, by Flyway's keys (flags,
# FLYWAY_* variables, flyway.conf): placeholderPrefix, placeholderSuffix,
# placeholderSeparator; and workingDirectory, which relative locations and
# ./flyway.conf are read under and which ${flyway:workingDirectory} gives.
# The same engine as the extension (sql/30_placeholder_syntax.sql there).
use strict;
use warnings;
use FindBin;
use lib $FindBin::RealBin;
use Compress::Zlib qw(crc32);
use Test::More;
use CommandTest;

built_command();
my $node = start_node('placeholder_syntax');
my $work = work_dir();
my @db = connection_flags('postgres');

# Run the command in $dir with only the environment given (and PATH, HOME).
sub pgm
{
	my ($dir, $env, @args) = @_;
	return run_pg_migrate({ dir => $dir, home => $work, env => $env }, @db, @args);
}

# Flyway's checksum: CRC-32 of the text without line breaks, as a signed int4.
sub flyway_checksum
{
	my ($text) = @_;
	$text =~ s/[\r\n]//g;
	my $crc = crc32($text);
	return $crc >= 2**31 ? $crc - 2**32 : $crc;
}

my $proj = "$work/proj";
write_file("$proj/sql/V1__values.sql", <<'SQL');
CREATE TABLE ps_values (n serial, name text, value text);
INSERT INTO ps_values (name, value) VALUES
  ('owner', '#[owner]'),
  ('user', '#[flyway_user]'),
  ('filename', '#[FLYWAY_filename]'),
  ('workingDirectory', '#[flyway_workingDirectory]'),
  ('default syntax', '${owner} ${flyway:user}'),
  ('quirk', '##[owner]');
SQL
write_file("$proj/sql/R__repeat.sql", "SELECT '#[owner]';\n");
my @custom = ('-placeholderPrefix=#[', '-placeholderSuffix=]', '-placeholderSeparator=_');

# --- refused before anything runs -------------------------------------------
my ($rc, $out, $err) = pgm($proj, {}, '-placeholderPrefix=', 'migrate');
is($rc, 2, 'an empty -placeholderPrefix is a usage error');
like($err, qr/placeholderPrefix \(-placeholderPrefix\) cannot be empty/, 'naming the flag');
($rc, $out, $err) = pgm($proj, { FLYWAY_PLACEHOLDER_SUFFIX => '' }, 'migrate');
is($rc, 2, 'an empty FLYWAY_PLACEHOLDER_SUFFIX is a usage error');
like($err, qr/placeholderSuffix \(FLYWAY_PLACEHOLDER_SUFFIX\) cannot be empty/, 'naming the variable');
($rc, $out, $err) = pgm($proj, {}, '-placeholderSeparator=}', 'migrate');
is($rc, 1, 'a separator that holds the suffix fails');
like($err, qr/^ERROR: invalid placeholder syntax \(SQLSTATE 22023\)$/m, 'as an invalid syntax');
like($err, qr/placeholderSuffix "\}" occurs in "flyway\}"/, 'saying why');
($rc, $out, $err) = pgm($proj, {}, @custom, '-placeholders.Flyway_x=1', 'migrate');
is($rc, 1, 'a placeholder in the built-ins\' namespace fails');
like($err, qr/placeholder "flyway_x" cannot be set/, 'naming it');
is(sql("SELECT to_regclass('flyway_schema_history') IS NULL"), 't', 'nothing was created');

# an undefined name is written in the configured syntax
($rc, $out, $err) = pgm($proj, {}, @custom, 'migrate');
is($rc, 1, 'an undefined placeholder fails');
like($err, qr/no value provided for placeholder #\[owner\] in "R__repeat\.sql" line 1/,
	'written as the syntax writes it');
is(sql("SELECT to_regclass('ps_values') IS NULL"), 't', 'nothing ran');

# --- flags: #[name], the separator _, workingDirectory = the current one ------
($rc, $out, $err) = pgm($proj, {}, @custom, '-placeholders.owner=alice', 'migrate');
is($rc, 0, 'migrate with -placeholderPrefix, -placeholderSuffix, -placeholderSeparator') or diag($err);
is(sql("SELECT string_agg(name || '=' || value, '|' ORDER BY n) FROM ps_values"),
	"owner=alice|user=" . sql('SELECT current_user') . "|filename=V1__values.sql|workingDirectory=$proj"
	  . '|default syntax=${owner} ${flyway:user}|quirk=##[owner]',
	'replaced in the configured syntax, Flyway\'s quirk kept, the default syntax left as text');
is(sql("SELECT checksum FROM flyway_schema_history WHERE version IS NULL"),
	flyway_checksum("SELECT 'alice';\n"), 'a repeatable\'s checksum is its text replaced in this syntax');
($rc, $out, $err) = pgm($proj, {}, @custom, '-placeholders.owner=bob', 'info');
like($out, qr/Repeatable.*repeat.*Outdated/, 'a new value makes the repeatable outdated');

# --- workingDirectory: relative locations and ./flyway.conf under it ----------
# (the environment and flyway.conf give the syntax this time)
write_file("$proj/flyway.conf",
	"flyway.placeholderSuffix=]\nflyway.schemas=wd\nflyway.placeholders.owner=carol\n");
($rc, $out, $err) = pgm($work, { FLYWAY_PLACEHOLDER_PREFIX => '#[', FLYWAY_PLACEHOLDER_SEPARATOR => '_' },
	"-workingDirectory=$proj", 'migrate');
is($rc, 0, 'migrate -workingDirectory from another folder') or diag($err);
is(sql("SELECT string_agg(value, '|' ORDER BY n) FROM wd.ps_values WHERE name IN ('owner', 'workingDirectory')"),
	"carol|$proj", 'its flyway.conf was read, its sql/ applied, and it is flyway_workingDirectory');
# relative: under the current directory
($rc, $out, $err) = pgm($work, {}, '-workingDirectory=proj', '-schemas=wd_rel', @custom, 'migrate');
is($rc, 0, 'a relative -workingDirectory') or diag($err);
is(sql("SELECT value FROM wd_rel.ps_values WHERE name = 'workingDirectory'"), $proj,
	'is made absolute');
# a relative location Flyway would look for under it is missing there
($rc, $out, $err) = pgm($proj, {}, "-workingDirectory=$work", '-failOnMissingLocations=true', 'info');
isnt($rc, 0, 'relative locations are not read from the current directory then');
like($err, qr/is not a readable folder/, 'sql/ is looked for under the working directory');
unlink("$proj/flyway.conf");

$node->stop;
done_testing();
