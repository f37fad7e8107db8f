# The extension and the command are one engine with two executors.  For
# every script set under test/migrations/, each goes through both: the
# extension (migrate_plan(), migrate_apply(), migrate_info() in a cluster
# where it is installed) and the command (pg_migrate plan, migrate, info
# over libpq, in a second cluster where it is not).  The two must give the
# same dry run (statements, scripts, lines), the same success or failure
# (SQLSTATE, message, detail), the same info, the same history rows and
# the same pg_dump --schema-only.
#
# The two clusters are twins: the same superuser, and for each set a
# database of the same name, so ${flyway:database}, ${flyway:user} and
# installed_by are equal by construction and need no normalising.  Both
# run as the superuser, as the regression tests that own these script sets
# do, so that every script gets as far as it can; the command as an
# ordinary role is 090_command.pl's subject.
use strict;
use warnings;
use FindBin;
use lib $FindBin::RealBin;
use File::Basename qw(basename);
use IPC::Run;
use JSON::PP;
use Test::More;
use CommandTest;

my $corpus = top_folder() . '/test/migrations';
built_command();

# What some sets need to get past their first statement, given to both
# sides alike (the regression test that owns the set gives the same):
# placeholders, or a session setting of the database.
my %options = (
	callbacks => { mixed => 1 },
	errors_secret => { placeholders => { db_password => 'hunter2' } },
	errors_secret_conf => { placeholders => { db_password => 'hunter2', api_token => 'true' } },
	errors_secret_syntax => { placeholders => { db_password => 'hunter2' } },
	placeholders => { placeholders => { owner => 'alice', 'my-name' => 'dash value', 'my.name' => 'dot value' } },
	tap_crash => { placeholders => { sleep => '0' } },
	tap_errors_secret => { placeholders => { db_password => 'hunter2', api_token => 't0ken' } },
	split_edge => { mixed => 1 },
	# Flyway's schemas: created with the history table, one SCHEMA marker
	schemas_list => { schemas => 'sl_app, sl_audit' },
	# #[name] and flyway_user: placeholderPrefix, placeholderSuffix, placeholderSeparator
	placeholder_syntax => { placeholders => { owner => 'alice' },
		syntax => { prefix => '#[', suffix => ']', separator => '_' } },
	placeholder_syntax_undefined => { syntax => { prefix => '#[', suffix => ']', separator => '_' } },
	# A script that sleeps longer than statement_timeout: both stop it and
	# keep nothing of it.  The extension's call is itself one statement,
	# so its whole run is what times out there (the apply worker then rolls
	# back), where the command's own statement is cancelled: the messages
	# say so differently, only the SQLSTATE is the same.
	tap_timeout => { database_settings => 'statement_timeout = 1000', compare => 'sqlstate' },
	tap_progress => { database_settings => 'statement_timeout = 1000', compare => 'sqlstate' },
	# These call pg_migrate's SQL functions from a migration, which exist
	# only where the extension is installed: only their dry runs compare.
	reentry_callback => { compare => 'plan' },
	reentry_calls => { compare => 'plan' },
	reentry_indirect => { compare => 'plan' },
	reentry_nontx => { compare => 'plan' },);

my $ext = start_node('extension', conf => "lc_messages = 'C'\n");
my $cmd = start_node('command', conf => "lc_messages = 'C'\n");
# Each set's database on the extension's side is a copy of this one.
$ext->safe_psql('postgres', 'CREATE DATABASE conformance_template');
$ext->safe_psql('conformance_template', 'CREATE EXTENSION pg_migrate');
is($cmd->safe_psql('postgres', q{SELECT count(*) FROM pg_available_extensions WHERE installed_version IS NOT NULL AND name = 'pg_migrate'}),
	'0', 'the command\'s cluster has no pg_migrate extension');

# JSON as bytes, as psql's output is: both sides' texts compare byte for byte.
my $bytes_json = JSON::PP->new;

sub sql_literal
{
	my ($text) = @_;
	$text =~ s/'/''/g;
	return "'$text'";
}

# The extension's arguments and the command's flags for a set's options.
sub extension_args
{
	my ($opt) = @_;
	return $opt->{placeholders} ? 'placeholders => ' . sql_literal(encode_json($opt->{placeholders})) : '';
}

sub extension_settings
{
	my ($dir, $opt) = @_;
	my $set = 'SET pg_migrate.locations = ' . sql_literal("filesystem:$dir") . ";\n";
	$set .= "SET pg_migrate.mixed = on;\n" if $opt->{mixed};
	$set .= 'SET pg_migrate.schemas = ' . sql_literal($opt->{schemas}) . ";\n" if $opt->{schemas};
	$set .= "SET pg_migrate.placeholder_$_ = " . sql_literal($opt->{syntax}{$_}) . ";\n"
	  foreach sort keys %{ $opt->{syntax} || {} };
	return $set;
}

sub command_flags
{
	my ($dir, $opt) = @_;
	my @flags = ("-locations=filesystem:$dir");
	push @flags, '-mixed=true' if $opt->{mixed};
	push @flags, "-schemas=$opt->{schemas}" if $opt->{schemas};
	push @flags, map { "-placeholders.$_=$opt->{placeholders}{$_}" } sort keys %{ $opt->{placeholders} || {} };
	push @flags, map { '-placeholder' . ucfirst($_) . "=$opt->{syntax}{$_}" } sort keys %{ $opt->{syntax} || {} };
	return @flags;
}

# An error as { sqlstate, message, detail, hint } from what psql prints
# with VERBOSITY verbose ("ERROR:  42P01: message", "DETAIL:  ...").
sub psql_error
{
	my ($stderr) = @_;
	return { message => "no error in: $stderr" } unless $stderr =~ /ERROR:  ([0-9A-Z]{5}): (.*)\z/s;
	my ($sqlstate, $rest) = ($1, $2);
	my @parts = split /^(DETAIL|HINT|CONTEXT|LOCATION|QUERY|STATEMENT):  /m, $rest;
	my %error = (sqlstate => $sqlstate, message => shift @parts);
	while (@parts)
	{
		my ($field, $text) = splice(@parts, 0, 2);
		$error{ lc $field } = $text;
	}
	s/\n+\z// foreach values %error;
	return \%error;
}

# The same from the command's JSON error object.
sub command_error
{
	my ($stdout, $stderr) = @_;
	my $json = eval { $bytes_json->decode($stdout) };
	return { message => "no JSON error in: $stdout$stderr" } unless $json && $json->{error};
	my $e = $json->{error};
	return { sqlstate => $e->{sqlState}, message => $e->{message}, detail => $e->{detail},
		hint => $e->{hint} };
}

# What both sides must agree on in an error.  The hint names what to run
# next, and each names its own way ("migrate_apply()" or "pg_migrate
# migrate", a setting or a flag), so only whether there is one is compared.
sub comparable_error
{
	my ($e, $opt) = @_;
	return 'SQLSTATE ' . ($e->{sqlstate} // '') if $opt && ($opt->{compare} // '') eq 'sqlstate';
	return join("\n", 'SQLSTATE ' . ($e->{sqlstate} // ''), 'message ' . ($e->{message} // ''),
		'detail ' . ($e->{detail} // ''), 'hint ' . ($e->{hint} ? 'yes' : 'no'));
}

sub via_extension
{
	my ($db, $dir, $opt, $query) = @_;
	my ($ret, $out, $err) = $ext->psql($db,
		"\\set VERBOSITY verbose\nSET client_min_messages = error;\n" . extension_settings($dir, $opt) . $query,
		extra_params => [ '-v', 'ON_ERROR_STOP=1' ]);
	return $ret == 0 ? (1, $out) : (0, psql_error($err));
}

sub via_command
{
	my ($db, $dir, $opt, $what) = @_;
	my ($rc, $out, $err) = run_pg_migrate({ dir => $dir, home => $dir },
		'-url=' . $cmd->connstr($db), command_flags($dir, $opt), '-outputType=json', $what);
	return $rc == 0 ? (1, $bytes_json->decode($out)) : (0, command_error($out, $err));
}

# The dry run as "seq|script|line|statement" lines.
sub statement_lines
{
	my ($list) = @_;
	return join("\n", map { join('|', $_->{seq}, $_->{script} // '', $_->{line} // 0, $_->{statement}) } @$list);
}

sub extension_plan
{
	my ($db, $dir, $opt) = @_;
	my ($ok, $result) = via_extension($db, $dir, $opt,
		'SELECT pg_catalog.json_agg(p ORDER BY seq) FROM migrate_plan(' . extension_args($opt) . ') p');
	return ($ok, $ok ? statement_lines($bytes_json->decode($result || '[]')) : $result);
}

sub command_plan
{
	my ($db, $dir, $opt) = @_;
	my ($ok, $result) = via_command($db, $dir, $opt, 'plan');
	return ($ok, $ok ? statement_lines($result->{statements}) : $result);
}

# info as "category|version|description|type|script|state" lines.
sub extension_info
{
	my ($db, $dir, $opt) = @_;
	# an applied migration's undo script, Available, is a row of migrate_info()
	# (Flyway Teams' info API); Flyway's info table and JSON, which the
	# command prints, leave it out (its Undoable column says Yes)
	my ($ok, $result) = via_extension($db, $dir, $opt,
		# a SCHEMA marker row has no category and no file (Flyway's JSON: no filepath)
		q{SELECT pg_catalog.concat_ws('|', NULLIF(category, ''), version, description, type,
		   CASE WHEN type = 'SCHEMA' THEN NULL ELSE script END, state) FROM migrate_info(}
		  . extension_args($opt) . q{) WHERE state OPERATOR(pg_catalog.<>) 'Available'});
	return ($ok, $result);
}

sub command_info
{
	my ($db, $dir, $opt) = @_;
	my ($ok, $result) = via_command($db, $dir, $opt, 'info');
	return ($ok, $result) unless $ok;
	# filepath is the file's path on disk; the extension shows it relative to its location
	my @rows = map {
		(my $script = $_->{filepath} // '') =~ s{^\Q$dir\E/}{};
		join('|', grep { defined && $_ ne '' } $_->{category}, $_->{version}, $_->{description}, $_->{type},
			$script, $_->{state})
	} @{ $result->{migrations} };
	return (1, join("\n", @rows));
}

# The history rows, from the schema that holds them (the first of the set's schemas).
sub history_of
{
	my ($node, $db, $opt) = @_;
	my ($schema) = split /\s*,\s*/, ($opt->{schemas} || 'public');
	return 'no history table'
	  if $node->safe_psql($db, qq{SELECT pg_catalog.to_regclass('$schema.flyway_schema_history') IS NULL}) eq 't';
	return $node->safe_psql($db, qq{
SELECT pg_catalog.string_agg(pg_catalog.concat_ws('|', installed_rank, version, description, type, script,
   checksum, installed_by, success), E'\n' ORDER BY installed_rank) FROM $schema.flyway_schema_history});
}

sub schema_of
{
	my ($node, $db) = @_;
	my ($dump, $err) = ('', '');
	IPC::Run::run([ 'pg_dump', '--schema-only', '-d', $node->connstr($db) ], '>', \$dump, '2>', \$err)
	  or return "pg_dump failed: $err";
	# Comments and blank lines are not the schema, nor pg_dump's random
	# \restrict key; the extension is installed on one side only (its
	# objects are its members, which pg_dump leaves out).
	return join("\n",
		grep { !/^--/ && /\S/ && !/^\\(un)?restrict / && !/^(CREATE|COMMENT ON) EXTENSION .*pg_migrate\b/ }
		  split /\n/, $dump);
}

# One result as text, so that is() shows where two differ.
sub show
{
	my ($ok, $result, $opt) = @_;
	return $ok ? "ok\n$result" : "failed\n" . comparable_error($result, $opt);
}

my @sets = sort grep { -d "$corpus/$_" } map { basename($_) } glob("$corpus/*");
ok(@sets >= 70, 'the corpus has its script sets: ' . scalar(@sets));
foreach my $set (@sets)
{
	my $dir = "$corpus/$set";
	my $opt = $options{$set} || {};
	(my $db = "conformance_$set") =~ s/[^a-z0-9_]/_/g;
	$ext->safe_psql('postgres', qq{CREATE DATABASE "$db" TEMPLATE conformance_template});
	$cmd->safe_psql('postgres', qq{CREATE DATABASE "$db"});
	if ($opt->{database_settings})
	{
		$_->safe_psql('postgres', qq{ALTER DATABASE "$db" SET $opt->{database_settings}}) foreach ($ext, $cmd);
	}

	# ${flyway:timestamp} is the second each dry run starts in: the two runs
	# may fall on either side of a second's boundary.  ${flyway:workingDirectory}
	# is the command's current directory ($dir) and the server's data directory.
	my $data_dir = $ext->data_dir;
	my @plans = map {
		(my $p = $_) =~ s/\b\d{4}-\d\d-\d\d \d\d:\d\d:\d\d\b/<timestamp>/g;
		$p =~ s/\Q$dir\E|\Q$data_dir\E/<working directory>/g;
		$p
	} (show(command_plan($db, $dir, $opt)), show(extension_plan($db, $dir, $opt)));
	is($plans[0], $plans[1], "$set: the dry runs agree");
	next if ($opt->{compare} // '') eq 'plan';
	my @e = via_extension($db, $dir, $opt, 'SELECT count(*) FROM migrate_apply(' . extension_args($opt) . ')');
	my @c = via_command($db, $dir, $opt, 'migrate');
	is(show($c[0], $c[0] ? 'migrated' : $c[1], $opt), show($e[0], $e[0] ? 'migrated' : $e[1], $opt),
		"$set: migrate succeeds or fails alike");
	is(history_of($cmd, $db, $opt), history_of($ext, $db, $opt), "$set: the same history rows");
	is(schema_of($cmd, $db), schema_of($ext, $db), "$set: the same schema (pg_dump --schema-only)");
	is(show(command_info($db, $dir, $opt)), show(extension_info($db, $dir, $opt)), "$set: info agrees");
}

done_testing();
