#!/usr/bin/env python3
"""test/pgxn/check_meta.py TOP

Checks TOP/META.json against the PGXN Meta Spec 1.0.0 (https://pgxn.org/meta/spec.txt:
the required keys, each key's type and format, no unknown keys) and checks that
the versions agree: META.json's version and the extension's in "provides", the
Makefile's DISTVERSION and EXTVERSION, pg_migrate.control's default_version and
debian/changelog.  Prints one "ok: ..." or "FAILED: ..." line per check.
"""
import json
import os
import re
import sys

TOP = sys.argv[1] if len(sys.argv) > 1 else "."

# The spec's formats (Meta Spec 1.0.0, "Data Types")
SEMVER = re.compile(r"^(0|[1-9]\d*)\.(0|[1-9]\d*)\.(0|[1-9]\d*)"
                    r"(?:-((?:0|[1-9]\d*|\d*[a-zA-Z-][0-9a-zA-Z-]*)"
                    r"(?:\.(?:0|[1-9]\d*|\d*[a-zA-Z-][0-9a-zA-Z-]*))*))?"
                    r"(?:\+([0-9a-zA-Z-]+(?:\.[0-9a-zA-Z-]+)*))?$")
VERSION_RANGE_ONE = re.compile(r"^(?:(?:[=!]=|[<>]=?)\s*)?(\S+)$")
LICENSES = {
    "agpl_3", "apache_1_1", "apache_2_0", "artistic_1", "artistic_2", "bsd", "freebsd",
    "gfdl_1_2", "gfdl_1_3", "gpl_1", "gpl_2", "gpl_3", "lgpl_2_1", "lgpl_3_0", "mit",
    "mozilla_1_0", "mozilla_1_1", "openssl", "perl_5", "postgresql", "qpl_1_0", "ssleay",
    "sun", "zlib", "open_source", "restricted", "unrestricted", "unknown",
}
REQUIRED = ["name", "abstract", "version", "maintainer", "license", "provides", "meta-spec"]
OPTIONAL = ["description", "generated_by", "tags", "no_index", "prereqs", "release_status",
            "resources"]
PHASES = {"configure", "build", "test", "runtime", "develop"}
RELATIONS = {"requires", "recommends", "suggests", "conflicts"}

results = []


def check(name, ok, why=""):
    results.append(ok)
    print(("ok: " if ok else "FAILED: ") + name + ("" if ok or not why else " (%s)" % why))


def is_custom(key):
    return re.match(r"^[xX]_.", key) is not None


def is_term(v):
    """A Term: a string of two or more characters, no slash, backslash, space or control."""
    return isinstance(v, str) and re.match(r"^[^/\\\s\x00-\x1f\x7f]{2,}$", v) is not None


def is_tag(v):
    return (isinstance(v, str) and 2 <= len(v) <= 255
            and re.match(r"^[^/\\\x00-\x1f\x7f]+$", v) is not None)


def is_version_range(v):
    if v == 0:
        return True
    if not isinstance(v, str):
        return False
    for part in v.split(","):
        m = VERSION_RANGE_ONE.match(part.strip())
        if not m or not (m.group(1) == "0" or SEMVER.match(m.group(1))):
            return False
    return True


def is_path(v):
    """A relative Unix path to a file in the distribution."""
    return (isinstance(v, str) and len(v) >= 2 and not v.startswith("/") and "\\" not in v
            and ".." not in v.split("/") and os.path.isfile(os.path.join(TOP, v)))


def read(path):
    with open(os.path.join(TOP, path), encoding="utf-8") as f:
        return f.read()


def make_var(name):
    m = re.search(r"^%s\s*=\s*(\S+)\s*$" % name, read("Makefile"), re.M)
    return m.group(1) if m else None


try:
    meta = json.loads(read("META.json"))
    check("META.json is a JSON object", isinstance(meta, dict))
except (OSError, ValueError) as e:
    check("META.json is a JSON object", False, str(e))
    print("pgxn-meta: %d passed, %d failed" % (results.count(True), results.count(False)))
    sys.exit(1)

missing = [k for k in REQUIRED if k not in meta]
check("the required keys are there: " + ", ".join(REQUIRED), not missing, "missing " + ", ".join(missing))
unknown = [k for k in meta if k not in REQUIRED + OPTIONAL and not is_custom(k)]
check("no keys the spec does not define", not unknown, ", ".join(unknown))

check("name is a Term", is_term(meta.get("name")))
check("abstract is a non-empty string", isinstance(meta.get("abstract"), str) and meta["abstract"] != "")
if "description" in meta:
    check("description is a non-empty string",
          isinstance(meta["description"], str) and meta["description"] != "")
check("version is a semantic version", isinstance(meta.get("version"), str)
      and SEMVER.match(meta["version"]) is not None, repr(meta.get("version")))
m = meta.get("maintainer")
check("maintainer is a string or a list of strings",
      (isinstance(m, str) and m != "") or
      (isinstance(m, list) and m and all(isinstance(x, str) and x != "" for x in m)))

lic = meta.get("license")
check("license is a known shortcut, a list of them, or an object of URIs",
      (isinstance(lic, str) and lic in LICENSES) or
      (isinstance(lic, list) and lic and all(x in LICENSES for x in lic)) or
      (isinstance(lic, dict) and lic and all(isinstance(u, str) and re.match(r"^https?://", u)
                                             for u in lic.values())))
check('license is "postgresql", as LICENSE says',
      lic == "postgresql" and read("LICENSE").startswith("PostgreSQL License\n"))

spec = meta.get("meta-spec")
check("meta-spec is {version: 1.0.x, url: the spec's}",
      isinstance(spec, dict) and isinstance(spec.get("version"), str)
      and re.match(r"^1\.0\.\d+$", spec["version"]) is not None
      and spec.get("url", "https://pgxn.org/meta/spec.txt") in ("https://pgxn.org/meta/spec.txt",
                                                                "http://pgxn.org/meta/spec.txt")
      and all(k in ("version", "url") or is_custom(k) for k in spec))

prov = meta.get("provides")
prov_ok = isinstance(prov, dict) and len(prov) > 0
why = ""
for ext, d in (prov.items() if prov_ok else []):
    if not is_term(ext) or not isinstance(d, dict):
        prov_ok, why = False, "bad entry %r" % ext
        break
    extra = [k for k in d if k not in ("file", "version", "abstract", "docfile") and not is_custom(k)]
    if extra or "file" not in d or "version" not in d:
        prov_ok, why = False, "%s: needs file and version, has %s" % (ext, sorted(d))
        break
    if not is_path(d["file"]) or ("docfile" in d and not is_path(d["docfile"])):
        prov_ok, why = False, "%s: file or docfile is not a file of the tree" % ext
        break
    if not (isinstance(d["version"], str) and SEMVER.match(d["version"])):
        prov_ok, why = False, "%s: version is not semantic" % ext
        break
    if "abstract" in d and not (isinstance(d["abstract"], str) and d["abstract"]):
        prov_ok, why = False, "%s: empty abstract" % ext
        break
check("provides maps extension names to {file, version, abstract, docfile} of files in the tree",
      prov_ok, why)

if "prereqs" in meta:
    pre = meta["prereqs"]
    ok = isinstance(pre, dict) and len(pre) > 0
    for phase, rels in (pre.items() if ok else []):
        if is_custom(phase):
            continue
        if phase not in PHASES or not isinstance(rels, dict) or not rels:
            ok = False
            break
        for rel, deps in rels.items():
            if is_custom(rel):
                continue
            if rel not in RELATIONS or not isinstance(deps, dict) or \
                    not all(is_term(n) and is_version_range(v) for n, v in deps.items()):
                ok = False
    check("prereqs maps phases to relationships to version ranges", ok)
if "tags" in meta:
    t = meta["tags"]
    check("tags is a list of tags (2-255 characters, no slash, backslash or control)",
          isinstance(t, list) and len(t) > 0 and all(is_tag(x) for x in t))
if "release_status" in meta:
    check("release_status is stable, testing or unstable",
          meta["release_status"] in ("stable", "testing", "unstable"))
if "generated_by" in meta:
    check("generated_by is a non-empty string",
          isinstance(meta["generated_by"], str) and meta["generated_by"] != "")
if "resources" in meta:
    check("resources is an object", isinstance(meta["resources"], dict))

# --- the versions agree ---------------------------------------------------------
version = meta.get("version", "")
distversion = make_var("DISTVERSION")
extversion = make_var("EXTVERSION")
m = re.search(r"^default_version\s*=\s*'([^']*)'", read("pg_migrate.control"), re.M)
default_version = m.group(1) if m else None
m = re.match(r"^\S+ \(([^)]+)\)", read("debian/changelog"))
debian_version = m.group(1) if m else None

check("META.json's version is the Makefile's DISTVERSION (%s)" % distversion, version == distversion)
check("its first two parts are the Makefile's EXTVERSION (%s)" % extversion,
      ".".join(version.split(".")[:2]) == extversion)
check("pg_migrate.control's default_version is EXTVERSION (%s)" % default_version,
      default_version == extversion)
ext = (prov or {}).get("pg_migrate", {}) if isinstance(prov, dict) else {}
check("provides.pg_migrate has the release's version and the SQL script of EXTVERSION",
      isinstance(ext, dict) and ext.get("version") == version
      and ext.get("file") == "pg_migrate--%s.sql" % extversion)
check("debian/changelog's version is the release's (%s)" % debian_version, debian_version == version)

print("pgxn-meta: %d passed, %d failed" % (results.count(True), results.count(False)))
sys.exit(0 if all(results) else 1)
