# Makefile for pg_migrate (PGXS)
#
#   make && make install      build and install the extension, and the
#                             pg_migrate command (client/) into
#                             `pg_config --bindir`
#   make installcheck         pg_regress + isolation + TAP tests against a
#                             running server
#   make test                 every test suite (test/run_all.sh): unit, the
#                             above on a throwaway cluster, lambda, fetch,
#                             PGXN, the command's image, packages; installs
#                             what is missing (root)
#   make dist                 pg_migrate-$(DISTVERSION).zip for PGXN

EXTENSION = pg_migrate
EXTVERSION = 1.2
# The release (semantic versioning, as PGXN needs): META.json and
# debian/changelog carry it, and the extension version is its first two
# parts (test/pgxn/run.sh checks all of them agree).
DISTVERSION = 1.2.0
MODULE_big = pg_migrate
# pg_migrate.c: the entry points and settings; src/core/: pure logic (also
# built with -DFRONTEND by the unit tests); src/backend/: the server side;
# src/remote/: fetching releases (README.md, "Layout")
OBJS = pg_migrate.o
OBJS += $(addprefix src/core/,names.o checksum.o placeholders.o plan.o properties.o \
	script_conf.o manifest.o statement_kind.o migrate_error.o history_sql.o script_text.o \
	session_settings.o file_kind.o clean_sql.o script_encoding.o)
OBJS += $(addprefix src/backend/,apply_worker.o commands.o history.o locations.o \
	location_files.o script.o extension_owner.o settings.o migrate_error_report.o)
# what a migration must not do to its run (re-entry, the run's lock), and
# the session state every script starts from
OBJS += $(addprefix src/backend/,reentry.o session_state.o)
# the run, written once (src/engine/), and the server's executors for it
OBJS += $(addprefix src/engine/,common.o prepare.o run.o statements.o callbacks.o admin.o recording.o clean.o)
OBJS += src/backend/executor_server.o
# remote locations: fetching releases (sync.c), its workers, libcurl and S3
OBJS += $(addprefix src/backend/,sync.o sync_worker.o)
OBJS += $(addprefix src/remote/,fetch.o s3.o curl_api.o aws_credentials.o remote_location.o)
# The full script of each version CREATE EXTENSION can install, and the
# update scripts between them.  A new install runs the one full script of
# its version (rather than 1.0 and then every update, as extensions that
# keep one base script do), so pg_migrate--$(EXTVERSION).sql reads as what
# gets installed.  ALTER EXTENSION ... UPDATE runs pg_migrate--1.0--1.1.sql
# and pg_migrate--1.1--1.2.sql; the released versions' full scripts are kept
# so that "CREATE EXTENSION pg_migrate VERSION '1.0'" (or '1.1') works.  A
# change in 1.2 goes into both 1.2 scripts: t/099_upgrade.pl fails when
# 1.0 + UPDATE, 1.1 + UPDATE and a new install do not give the same objects.
DATA = pg_migrate--1.0.sql pg_migrate--1.1.sql pg_migrate--1.2.sql \
	pg_migrate--1.0--1.1.sql pg_migrate--1.1--1.2.sql
PGFILEDESC = "pg_migrate - Flyway-compatible migrations inside PostgreSQL"

REGRESS = $(patsubst sql/%.sql,%,$(sort $(wildcard sql/*.sql)))
REGRESS_OPTS = --inputdir=. --load-extension=pg_migrate
ISOLATION = $(patsubst specs/%.spec,%,$(sort $(wildcard specs/*.spec)))
ISOLATION_OPTS = --load-extension=pg_migrate
TAP_TESTS = 1
# the extension's TAP tests, and the pg_migrate command's (test/client/t/)
PROVE_TESTS ?= t/*.pl test/client/t/*.pl

PG_CPPFLAGS = -DEXTVERSION=\"$(EXTVERSION)\"
PG_CPPFLAGS += -I$(srcdir)/src/core -I$(srcdir)/src/engine -I$(srcdir)/src/backend -I$(srcdir)/src/remote
PG_CFLAGS = -Wall -Wextra -Wno-unused-parameter -Wno-missing-field-initializers \
	-Wno-sign-compare $(EXTRA_CFLAGS)
# libcurl is not linked: curl_api.c opens it when a process first fetches
SHLIB_LINK = -lz -lcjson -lcrypto

PG_CONFIG ?= pg_config
PGXS := $(shell $(PG_CONFIG) --pgxs)
include $(PGXS)

# PGXS does not track header dependencies; every object depends on all ours.
$(OBJS): $(wildcard $(srcdir)/src/*/*.h)

# The pg_migrate command (client/Makefile, a PGXS PROGRAM) is built,
# installed and cleaned with the extension, as pg_repack builds its own.
# WITH_CLIENT=no leaves it out: debian/rules builds the extension once per
# PostgreSQL version but the command once, for its own package (pg-migrate).
WITH_CLIENT ?= yes
.PHONY: client-all client-install client-uninstall client-clean
ifeq ($(WITH_CLIENT),yes)
all: client-all
install: client-install
uninstall: client-uninstall
clean: client-clean
endif
client-all client-install client-uninstall client-clean: client-%:
	$(MAKE) -C $(srcdir)/client PG_CONFIG=$(PG_CONFIG) $*

# A VPATH build writes the objects into the build folder's own src/*/.
ifneq ($(abspath $(srcdir)),$(CURDIR))
$(shell mkdir -p $(sort $(dir $(OBJS))))
endif

# Regression tests read scripts from fixed paths, so expected output never
# contains the checkout's location: copy the fixtures there first.
REGRESS_FIXTURES = /tmp/pg_migrate_regress
.PHONY: regress-fixtures
regress-fixtures:
	rm -rf $(REGRESS_FIXTURES)
	mkdir -p $(REGRESS_FIXTURES)
	cp -R test/migrations/. $(REGRESS_FIXTURES)/
	chmod -R a+rwX $(REGRESS_FIXTURES)

installcheck: regress-fixtures

# A folder named "test" would otherwise make "make test" a no-op.
.PHONY: test
test:
	test/run_all.sh

# PGXN's archive: what git tracks at HEAD, under $(DISTNAME)/.
DISTNAME = $(EXTENSION)-$(DISTVERSION)
.PHONY: dist
dist:
	@git diff --quiet HEAD -- || echo "make dist: uncommitted changes are not in $(DISTNAME).zip" >&2
	git archive --format=zip --prefix=$(DISTNAME)/ -o $(DISTNAME).zip HEAD
