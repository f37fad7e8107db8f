# Flyway's encoding setting in the pg_migrate command: scripts in
# ISO-8859-1, windows-1252 or UTF-16 decoded to UTF-8 (PostgreSQL's
# encodings by the server, over the connection), so they checksum like
# their UTF-8 twins and like the extension (sql/29_encoding.sql).  Run as a
# role that is not a superuser, on a cluster without the extension.
use strict;
use warnings;
use FindBin;
use lib $FindBin::RealBin;
use Encode qw(encode);
use Test::More;
use CommandTest;

built_command();
my $node = start_node('encoding', initdb => [ '--encoding=UTF8', '--locale=C' ], database => 'enc');
create_owner_role('enc_user', databases => ['enc'], public_schema => 0);
my $work = work_dir();
my @db = connection_flags('enc', 'enc_user');

# Run the command in $work with only the environment given (and PATH, HOME).
sub pgm
{
	my ($env, @args) = @_;
	return run_pg_migrate({ dir => $work, home => $work, env => $env }, @db, @args);
}

is(sql("SELECT rolsuper FROM pg_roles WHERE rolname = 'enc_user'"), 'f', 'the command runs as a role that is not a superuser');
is($node->safe_psql('enc', "SELECT count(*) FROM pg_available_extensions WHERE name = 'pg_migrate' AND installed_version IS NOT NULL"),
	'0', 'the extension is not installed in the database');

my $v1 = "CREATE TABLE words (id int PRIMARY KEY, word text);\nINSERT INTO words VALUES (1, 'caf\x{e9}'), (2, 'Gr\x{fc}\x{df}e');\n";
my $v2 = "-- UTF-16 from a Windows editor\r\nINSERT INTO words VALUES (3, 'na\x{ef}ve'), (4, '\x{395}\x{3bb}\x{3bb}\x{3ac}\x{3b4}\x{3b1}'), (5, '\x{1F600}');\r\n";
my $v3 = "INSERT INTO words VALUES (6, '\x{20ac} and \x{2019} are windows-1252, not ISO-8859-1');\n";

# the same checksums as Flyway's, and as the extension's test
write_file("$work/conf/V1__words.sql", encode('iso-8859-1', $v1));
write_file("$work/conf/V1__words.sql.conf", "encoding=ISO-8859-1\n");
write_file("$work/conf/V2__more_words.sql", "\xff\xfe" . encode('UTF-16LE', $v2));
write_file("$work/conf/V2__more_words.sql.conf", "encoding=UTF-16\n");
my ($rc, $out, $err) = pgm({}, '-locations=filesystem:conf', 'migrate');
is($rc, 0, 'migrate ISO-8859-1 and UTF-16 scripts named in their .conf') or diag($err);
is(sql("SELECT string_agg(version || '=' || checksum, ',' ORDER BY installed_rank) FROM flyway_schema_history"),
	'1=-882095175,2=1605309158', 'their checksums are their UTF-8 twins\'');
is(sql("SELECT encode(convert_to(string_agg(word, '|' ORDER BY id), 'UTF8'), 'hex') FROM words"),
	unpack('H*', encode('UTF-8',
		"caf\x{e9}|Gr\x{fc}\x{df}e|na\x{ef}ve|\x{395}\x{3bb}\x{3bb}\x{3ac}\x{3b4}\x{3b1}|\x{1F600}")),
	'the rows hold the characters written');

# the setting (flag, FLYWAY_ENCODING, flyway.conf) for scripts without a .conf
write_file("$work/win/V3__euro.sql", encode('cp1252', $v3));
($rc, $out, $err) = pgm({}, '-locations=filesystem:conf,filesystem:win', 'validate');
isnt($rc, 0, 'read as UTF-8, the windows-1252 script is refused');
like($err, qr/migration script "[^"]*V3__euro\.sql" is not valid UTF-8/, 'naming the file');
like($err, qr/in "V3__euro\.sql\.conf", or -encoding for every script/, 'the hint names the .conf and the flag');
($rc, $out, $err) = pgm({ FLYWAY_ENCODING => 'windows-1252' }, '-locations=filesystem:conf,filesystem:win', 'migrate');
is($rc, 0, 'FLYWAY_ENCODING=windows-1252') or diag($err);
is(sql("SELECT checksum FROM flyway_schema_history WHERE version = '3'"), '-1438230787',
	'checksummed as its UTF-8 twin');
is(sql("SELECT word = U&'\\20AC and \\2019 are windows-1252, not ISO-8859-1' FROM words WHERE id = 6"), 't',
	'the euro sign and the quote are windows-1252\'s');
write_file("$work/flyway.conf", "flyway.encoding=ISO-8859-1\n");
($rc, $out, $err) = pgm({}, '-locations=filesystem:conf,filesystem:win', 'validate');
isnt($rc, 0, 'read as ISO-8859-1 (flyway.conf) the script is another: validate fails');
like($err, qr/Migration checksum mismatch for migration version 3 \(V3__euro\.sql\)/, 'a checksum mismatch');
unlink("$work/flyway.conf");

# an unknown name is refused before anything is read or asked
($rc, $out, $err) = pgm({}, '-encoding=EBCDIC', '-locations=filesystem:conf', 'info');
isnt($rc, 0, 'an unknown -encoding fails');
like($err, qr/encoding \(-encoding\) names no encoding a script can be in/, 'naming the flag');

# bytes the encoding does not allow: the line, the server's words; nothing runs
write_file("$work/bad/V1__bad.sql", "SELECT 1;\nSELECT 2;\nSELECT 'x\x81y';\nSELECT 4;\n");
write_file("$work/bad/V1__bad.sql.conf", "encoding=Cp1252\n");
($rc, $out, $err) = pgm({}, '-locations=filesystem:bad', '-table=bad_history', 'migrate');
isnt($rc, 0, 'an untranslatable byte fails');
like($err, qr/ERROR: migration script "[^"]*V1__bad\.sql" has a character of WIN1252 with no Unicode equivalent/,
	'the message names the file');
like($err, qr/Line 3: character with byte sequence 0x81 in encoding "WIN1252" has no equivalent in encoding "UTF8"/,
	'the detail names the line, in the server\'s words');
write_file("$work/bad16/V1__odd.sql", "\xff\xfe" . encode('UTF-16LE', "SELECT 1;\n") . "x");
write_file("$work/bad16/V1__odd.sql.conf", "encoding=UTF-16\n");
($rc, $out, $err) = pgm({}, '-locations=filesystem:bad16', '-table=bad_history', 'plan');
isnt($rc, 0, 'a cut UTF-16 character fails the plan too');
like($err, qr/is not valid UTF-16.*Line 2: an odd number of bytes/s, 'with its line');
is(sql("SELECT to_regclass('bad_history') IS NULL"), 't', 'nothing was created');

# inside -group=true's transaction a conversion is kept from aborting it
($rc, $out, $err) = pgm({ FLYWAY_ENCODING => 'windows-1252' }, '-locations=filesystem:conf,filesystem:win',
	'-group=true', '-schemas=grp', 'migrate');
is($rc, 0, 'group: the scripts are converted inside its transaction') or diag($err);
is(sql("SELECT count(*) FROM grp.words"), '6', 'every migration ran');

done_testing();
