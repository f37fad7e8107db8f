# Makefile for pg_migrate (PGXS)
#
#   make && make install      build and install the extension
#   make installcheck         pg_regress + isolation + TAP tests against a
#                             running server (see README: make test does it all)

EXTENSION = pg_migrate
EXTVERSION = 1.0
MODULE_big = pg_migrate
OBJS = pg_migrate.o apply_worker.o checksum.o commands.o history.o locations.o location_files.o \
	script_conf.o names.o placeholders.o plan.o script.o
# remote locations: fetching releases (sync.c), its workers, libcurl and S3
OBJS += sync.o sync_worker.o fetch.o curl_api.o manifest.o aws_credentials.o
DATA = pg_migrate--$(EXTVERSION).sql
PGFILEDESC = "pg_migrate - Flyway-compatible migrations inside PostgreSQL"

REGRESS = $(patsubst sql/%.sql,%,$(sort $(wildcard sql/*.sql)))
REGRESS_OPTS = --inputdir=. --load-extension=pg_migrate
ISOLATION = $(patsubst specs/%.spec,%,$(sort $(wildcard specs/*.spec)))
ISOLATION_OPTS = --load-extension=pg_migrate
TAP_TESTS = 1

PG_CPPFLAGS = -DEXTVERSION=\"$(EXTVERSION)\"
PG_CFLAGS = -Wall -Wextra -Wno-unused-parameter -Wno-missing-field-initializers \
	-Wno-sign-compare $(EXTRA_CFLAGS)
# libcurl is not linked: curl_api.c opens it when a process first fetches
SHLIB_LINK = -lz -lcjson -lcrypto

PG_CONFIG ?= pg_config
PGXS := $(shell $(PG_CONFIG) --pgxs)
include $(PGXS)

# PGXS does not track header dependencies; every object depends on all ours.
$(OBJS): $(wildcard *.h)

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
