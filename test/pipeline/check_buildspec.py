#!/usr/bin/env python3
"""test/pipeline/check_buildspec.py TOP

Checks the CodeBuild buildspecs shipped in examples/ (examples/*/buildspec.yml)
without AWS:

  - each parses as YAML and has the shape CodeBuild accepts (version 0.2,
    known top-level keys, phases whose commands are lists of strings, env
    variables that are strings, artifacts files as a list);
  - every variable a command reads is set: in env.variables, by an earlier
    command, or by CodeBuild (CODEBUILD_*);
  - every part of this repository a command names exists, as the build would
    see it: the application's repository with a copy of this one at
    pg_migrate/ (docs/pipeline.md).  "make -C DIR TARGET..." is run as
    "make -n" (a dry run: the rules and targets exist); a program run by path
    exists or is a make product, and each --option given to it is in its
    --help; "cd DIR" exists; "npm ci" has a lock file, "npm run X" a script X;
    "npx cdk deploy STACK -c KEY=..." names the app's stack and context keys;
    artifacts are files the build writes;
  - the copies the documentation shows (a ```yaml block right after the line
    "<!-- copy of examples/.../buildspec.yml ... -->") equal the files byte
    for byte, and every buildspec has such a copy.

The build is simulated in a scratch application folder whose pg_migrate/ is
a copy of TOP (nothing is written in TOP).  Last line:
"buildspec: N passed, N failed".
"""
import glob
import json
import os
import re
import shlex
import shutil
import subprocess
import sys
import tempfile

import yaml

TOP = os.path.abspath(sys.argv[1] if len(sys.argv) > 1 else ".")
PASSED = 0
FAILED = 0

TOP_KEYS = {"version", "run-as", "env", "proxy", "batch", "phases", "reports", "artifacts", "cache"}
ENV_KEYS = {"shell", "variables", "parameter-store", "exported-variables", "secrets-manager",
            "git-credential-helper"}
PHASES = {"install", "pre_build", "build", "post_build"}
PHASE_KEYS = {"run-as", "on-failure", "runtime-versions", "commands", "finally"}
ARTIFACT_KEYS = {"files", "name", "discard-paths", "base-directory", "exclude-paths",
                 "enable-symlinks", "s3-prefix", "secondary-artifacts"}
# set by CodeBuild or the image, not by the buildspec
BUILTIN_VARS = {"HOME", "PATH", "PWD", "AWS_REGION", "AWS_DEFAULT_REGION"}
MARKER = re.compile(r"^<!-- copy of (\S+) ")


def check(name, ok, detail=""):
    global PASSED, FAILED
    if ok:
        PASSED += 1
        print(f"ok: {name}")
    else:
        FAILED += 1
        print(f"FAILED: {name}" + (f": {detail}" if detail else ""))
    return ok


def run(args, cwd):
    p = subprocess.run(args, cwd=cwd, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    return p.returncode, p.stdout


def doc_copies():
    """{file: [(doc, text)]} for every marked ```yaml block in docs/ and README.md."""
    copies = {}
    for doc in sorted(glob.glob(os.path.join(TOP, "docs", "*.md"))) + [os.path.join(TOP, "README.md")]:
        lines = open(doc, encoding="utf-8").read().split("\n")
        for i, line in enumerate(lines):
            m = MARKER.match(line)
            if not m:
                continue
            body = None
            if i + 1 < len(lines) and lines[i + 1] == "```yaml":
                end = next((j for j in range(i + 2, len(lines)) if lines[j] == "```"), None)
                if end is not None:
                    body = "\n".join(lines[i + 2:end]) + "\n"
            copies.setdefault(m.group(1), []).append((os.path.relpath(doc, TOP), body))
    return copies


def check_shape(name, spec):
    if not check(f"{name}: a YAML mapping", isinstance(spec, dict)):
        return False
    check(f"{name}: version 0.2", str(spec.get("version")) == "0.2", repr(spec.get("version")))
    check(f"{name}: only keys CodeBuild knows", set(spec) <= TOP_KEYS, sorted(set(spec) - TOP_KEYS))
    env = spec.get("env", {})
    if env:
        check(f"{name}: env keys", isinstance(env, dict) and set(env) <= ENV_KEYS, env)
        variables = env.get("variables", {}) if isinstance(env, dict) else None
        check(f"{name}: env.variables are strings",
              isinstance(variables, dict) and all(isinstance(k, str) and isinstance(v, str)
                                                   for k, v in variables.items()), variables)
    phases = spec.get("phases")
    ok = check(f"{name}: phases", isinstance(phases, dict) and phases and set(phases) <= PHASES, phases)
    for phase, body in (phases.items() if ok else []):
        commands = body.get("commands") if isinstance(body, dict) else None
        check(f"{name}: phase {phase} has a list of commands",
              isinstance(body, dict) and set(body) <= PHASE_KEYS and isinstance(commands, list) and commands
              and all(isinstance(c, str) and c.strip() for c in commands), body)
    artifacts = spec.get("artifacts")
    if artifacts is not None:
        files = artifacts.get("files") if isinstance(artifacts, dict) else None
        check(f"{name}: artifacts.files is a list of paths",
              isinstance(artifacts, dict) and set(artifacts) <= ARTIFACT_KEYS and isinstance(files, list)
              and files and all(isinstance(f, str) for f in files), artifacts)
    return ok


def simple_commands(command):
    """The simple commands of a shell line, as word lists (split at && || ; | and redirections)."""
    lexer = shlex.shlex(command, posix=True, punctuation_chars=True)
    lexer.whitespace_split = True
    words, out = [], []
    skip_next = False
    for tok in lexer:
        if skip_next:
            skip_next = False
            continue
        if tok in ("&&", "||", ";", "|", "&"):
            out.append(words)
            words = []
        elif tok in (">", ">>", "<", "2>", ">&"):
            skip_next = True           # the redirection's target is not an argument
        else:
            words.append(tok)
    out.append(words)
    return [w for w in out if w]


def is_make_product(path):
    """A file the Makefile in its folder knows how to make (dry run)."""
    folder, target = os.path.split(path)
    if not os.path.isfile(os.path.join(folder, "Makefile")):
        return False
    rc, _ = run(["make", "-n", "-C", folder, target], folder)
    return rc == 0


def check_program(name, path, args):
    """A program run by path: it exists (or is built by make); its --options are in its --help."""
    exists = os.path.isfile(path)
    if not check(f"{name}: {path_label(path)} exists or is built by make",
                 (exists and os.access(path, os.X_OK)) or is_make_product(path)):
        return
    options = sorted({a.split("=", 1)[0] for a in args if a.startswith("--")})
    if not options:
        return
    if not exists:
        folder, target = os.path.split(path)
        rc, out = run(["make", "-s", "-C", folder, target], folder)
        if not check(f"{name}: make builds {path_label(path)}", rc == 0, out[-2000:]):
            return
    _, out = run([path, "--help"], os.path.dirname(path))
    for opt in options:
        check(f"{name}: {path_label(path)} accepts {opt}", re.search(re.escape(opt) + r"\b", out) is not None,
              out[-500:])


APP = None


def path_label(path):
    return os.path.relpath(path, APP)


def check_cdk_deploy(name, cwd, args):
    """npx cdk deploy STACK ... -c KEY=VALUE: the app's stack and context keys."""
    app_sources = "".join(open(f, encoding="utf-8").read() for f in glob.glob(os.path.join(cwd, "bin", "*.ts")))
    cdk_json = os.path.join(cwd, "cdk.json")
    if not check(f"{name}: cdk deploy runs where cdk.json is", os.path.isfile(cdk_json) and app_sources, cwd):
        return
    context = json.load(open(cdk_json)).get("context", {})
    positional = []
    i = 2
    while i < len(args):
        a = args[i]
        if a in ("-c", "--context") and i + 1 < len(args):
            key, _, value = args[i + 1].partition("=")
            check(f"{name}: cdk context {key} is read by the app",
                  key in context and re.search(r"['\"]" + re.escape(key) + r"['\"]", app_sources) is not None)
            if value.startswith(".") and "$" not in value:
                target = os.path.normpath(os.path.join(cwd, value))
                check(f"{name}: cdk context {key}={value} exists or is built by make",
                      os.path.exists(target) or is_make_product(target))
            i += 2
            continue
        if a.startswith("-"):
            i += 2 if a in ("--require-approval", "--profile", "--app", "--output") else 1
            continue
        positional.append(a)
        i += 1
    for stack in positional:
        check(f"{name}: the CDK app defines stack {stack}",
              re.search(r"\(\s*app\s*,\s*['\"]" + re.escape(stack) + r"['\"]", app_sources) is not None)


def check_command(name, cwd, words):
    """Checks one simple command; returns the working directory after it."""
    while words and re.match(r"^[A-Za-z_][A-Za-z0-9_]*=", words[0]):
        words = words[1:]              # VAR=value prefixes
    if not words:
        return cwd
    prog, args = words[0], words[1:]
    if prog == "cd":
        target = os.path.normpath(os.path.join(cwd, args[0]))
        check(f"{name}: cd {args[0]}", os.path.isdir(target))
        return target
    if prog == "make":
        folder, rest, i = cwd, [], 0
        while i < len(args):
            if args[i] == "-C":
                folder = os.path.normpath(os.path.join(cwd, args[i + 1]))
                i += 2
                continue
            rest.append(args[i])
            i += 1
        rc, out = run(["make", "-n", "-C", folder] + rest, folder)
        check(f"{name}: make -n -C {path_label(folder)} {' '.join(rest)}".rstrip(), rc == 0, out[-1500:])
        return cwd
    if prog == "npm":
        package = os.path.join(cwd, "package.json")
        if not check(f"{name}: npm runs where package.json is", os.path.isfile(package)):
            return cwd
        if args[:1] == ["ci"]:
            check(f"{name}: npm ci has package-lock.json", os.path.isfile(os.path.join(cwd, "package-lock.json")))
        if args[:1] == ["run"]:
            scripts = json.load(open(package)).get("scripts", {})
            check(f"{name}: npm run {args[1]} is a script of package.json", args[1] in scripts)
        return cwd
    if prog == "npx" and args[:2] == ["cdk", "deploy"]:
        check_cdk_deploy(name, cwd, args)
        return cwd
    if "/" in prog and not prog.startswith("/") and "$" not in prog:
        check_program(name, os.path.normpath(os.path.join(cwd, prog)), args)
    return cwd


def check_variables(name, spec):
    defined = set((spec.get("env") or {}).get("variables") or {})
    for phase in ("install", "pre_build", "build", "post_build"):
        for command in (spec["phases"].get(phase) or {}).get("commands", []):
            used = set(re.findall(r"\$\{?([A-Za-z_][A-Za-z0-9_]*)", command))
            unset = sorted(v for v in used - defined - BUILTIN_VARS if not v.startswith("CODEBUILD_"))
            check(f"{name}: variables of `{command.strip()[:60]}` are set", not unset, unset)
            m = re.match(r"^\s*([A-Za-z_][A-Za-z0-9_]*)=", command)
            if m:
                defined.add(m.group(1))


def check_artifacts(name, spec):
    artifacts = spec.get("artifacts") or {}
    base = os.path.join(APP, artifacts.get("base-directory", ""))
    for pattern in artifacts.get("files", []):
        fixed = re.split(r"[*?\[]", pattern, 1)[0]
        path = os.path.normpath(os.path.join(base, fixed))
        if fixed != pattern:
            # a folder some tool writes: cdk's output folder next to cdk.json
            folder, out = os.path.split(path)
            cdk_json = os.path.join(folder, "cdk.json")
            cdk_out = json.load(open(cdk_json)).get("output", "cdk.out") if os.path.isfile(cdk_json) else None
            check(f"{name}: artifact {pattern} is a folder the build writes",
                  os.path.isdir(path) or out == cdk_out)
        else:
            check(f"{name}: artifact {pattern} exists or is built by make",
                  os.path.isfile(path) or is_make_product(path))


def check_buildspec(rel):
    text = open(os.path.join(TOP, rel), encoding="utf-8").read()
    try:
        spec = yaml.safe_load(text)
    except yaml.YAMLError as e:
        check(f"{rel}: parses as YAML", False, str(e).replace("\n", " "))
        return
    check(f"{rel}: parses as YAML", True)
    if not check_shape(rel, spec):
        return
    check_variables(rel, spec)
    cwd = APP                          # CodeBuild runs every phase in one shell
    for phase in ("install", "pre_build", "build", "post_build"):
        for command in (spec["phases"].get(phase) or {}).get("commands", []):
            for words in simple_commands(command):
                cwd = check_command(rel, cwd, words)
    check_artifacts(rel, spec)


def main():
    global APP
    files = sorted(os.path.relpath(f, TOP) for f in glob.glob(os.path.join(TOP, "examples", "*", "buildspec.yml")))
    copies = doc_copies()
    check("examples/ has the pipeline's buildspecs", "examples/pipeline/buildspec.yml" in files
          and "examples/publish-releases/buildspec.yml" in files, files)
    for rel in files:
        text = open(os.path.join(TOP, rel), encoding="utf-8").read()
        check(f"{rel}: the documentation shows it", rel in copies)
        for doc, body in copies.get(rel, []):
            check(f"{rel}: the copy in {doc} is the same, byte for byte", body == text,
                  "missing ```yaml block" if body is None else "differs: copy the file into the document")
    for rel in sorted(set(copies) - set(files)):
        check(f"{rel} (shown in {copies[rel][0][0]}) exists", False)

    scratch = tempfile.mkdtemp(prefix="pg_migrate_buildspec.")
    try:
        APP = os.path.join(scratch, "app")
        os.makedirs(os.path.join(APP, "sql"))
        ignore = shutil.ignore_patterns(".git", "build", "node_modules", "cdk.out", "*.o", "*.so", "*.zip",
                                        "results", "tmp_check")
        shutil.copytree(TOP, os.path.join(APP, "pg_migrate"), ignore=ignore, symlinks=True)
        for rel in files:
            check_buildspec(rel)
    finally:
        shutil.rmtree(scratch, ignore_errors=True)
    print(f"buildspec: {PASSED} passed, {FAILED} failed")
    return 1 if FAILED else 0


if __name__ == "__main__":
    sys.exit(main())
