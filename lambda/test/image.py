"""Builds lambda/Dockerfile with buildah and runs the image, without a
container engine or registry access.

public.ecr.aws is out of reach here, so the Dockerfile's BASE_IMAGE is a
local stand-in made from scratch that keeps the contract the real
provided:al2023 image gives a custom runtime:

- LAMBDA_TASK_ROOT=/var/task, LAMBDA_RUNTIME_DIR=/var/runtime, and Lambda's
  LD_LIBRARY_PATH (/lib64 first, then ... /var/task/lib);
- ENTRYPOINT /lambda-entrypoint.sh, which takes the handler string (the
  image's CMD) as its one argument, exports it as _HANDLER and execs
  $LAMBDA_RUNTIME_DIR/bootstrap;
- glibc and a shell, nothing else: libssl, libcrypto, libz and libcjson must
  come from the image's lib/ (the real base has the first three; here the
  bundled copies are what the loader finds).

The container runs with chroot isolation on the host network, so it reaches
the loopback Runtime API double and PostgreSQL.  What this cannot check:
the real base image itself (its glibc 2.34 is checked by package.sh).
"""

import json
import os
import shutil
import subprocess
import tempfile

STANDIN = "localhost/pg-migrate-test-al2023-standin"
IMAGE = "localhost/pg-migrate-lambda-test"
ENV = dict(os.environ, STORAGE_DRIVER="vfs", BUILDAH_ISOLATION="chroot")

ENTRYPOINT = """#!/bin/sh
# stand-in for provided:al2023's /lambda-entrypoint.sh (see test/image.py)
if [ $# -ne 1 ]; then
    echo "entrypoint requires the handler name to be the first argument" >&2
    exit 142
fi
export _HANDLER="$1"
exec "$LAMBDA_RUNTIME_DIR/bootstrap"
"""


def buildah(*args, check=True, timeout=300):
    p = subprocess.run(["buildah"] + list(args), env=ENV, capture_output=True, text=True,
                       timeout=timeout)
    if check and p.returncode != 0:
        raise RuntimeError("buildah %s: %s" % (" ".join(args[:2]), p.stderr.strip()[-2000:]))
    return p


def available():
    return shutil.which("buildah") is not None


def build_standin():
    """The stand-in base image: glibc, /bin/sh and the entrypoint."""
    ctr = buildah("from", "scratch").stdout.strip()
    try:
        root = buildah("mount", ctr).stdout.strip()
        for src, dst in (("/lib64/ld-linux-x86-64.so.2", "lib64/ld-linux-x86-64.so.2"),
                         ("/lib/x86_64-linux-gnu/libc.so.6", "lib64/libc.so.6"),
                         ("/lib/x86_64-linux-gnu/libm.so.6", "lib64/libm.so.6"),
                         ("/bin/dash", "bin/sh")):
            os.makedirs(os.path.join(root, os.path.dirname(dst)), exist_ok=True)
            shutil.copy(src, os.path.join(root, dst))
        # the loader looks in /lib64 through LD_LIBRARY_PATH, as on AL2023
        for d in ("var/task", "var/runtime", "tmp"):
            os.makedirs(os.path.join(root, d), exist_ok=True)
        with open(os.path.join(root, "lambda-entrypoint.sh"), "w") as f:
            f.write(ENTRYPOINT)
        os.chmod(os.path.join(root, "lambda-entrypoint.sh"), 0o755)
        buildah("umount", ctr)
        buildah("config",
                "--env", "LAMBDA_TASK_ROOT=/var/task",
                "--env", "LAMBDA_RUNTIME_DIR=/var/runtime",
                "--env", "LD_LIBRARY_PATH=/var/lang/lib:/lib64:/usr/lib64:/var/runtime:"
                         "/var/runtime/lib:/var/task:/var/task/lib:/opt/lib",
                "--env", "PATH=/usr/local/bin:/usr/bin:/bin",
                "--workingdir", "/var/task",
                "--entrypoint", '["/lambda-entrypoint.sh"]', ctr)
        buildah("commit", "--quiet", ctr, STANDIN)
    finally:
        buildah("rm", ctr, check=False)


def build_image(lambda_dir):
    """docker build, as buildah does it, on the stand-in base."""
    return buildah("bud", "--quiet", "--build-arg", "BASE_IMAGE=" + STANDIN,
                   "-t", IMAGE, "-f", os.path.join(lambda_dir, "Dockerfile"), lambda_dir)


def image_config():
    p = buildah("inspect", "--type", "image", IMAGE)
    return json.loads(p.stdout)["OCIv1"]["config"]


def run_image(env, timeout=120):
    """Start the image as Lambda would: ENTRYPOINT + CMD, with env on top of
    the image's own; returns the CompletedProcess."""
    cfg = image_config()
    argv = (cfg.get("Entrypoint") or []) + (cfg.get("Cmd") or [])
    ctr = buildah("from", IMAGE).stdout.strip()
    try:
        args = ["run", "--network", "host"]
        for k, v in env.items():
            if k != "PATH":
                args += ["--env", "%s=%s" % (k, v)]
        return subprocess.run(["buildah"] + args + [ctr, "--"] + argv, env=ENV,
                              capture_output=True, text=True, timeout=timeout)
    finally:
        buildah("rm", ctr, check=False)


def cleanup():
    for img in (IMAGE, STANDIN):
        buildah("rmi", "-f", img, check=False)
