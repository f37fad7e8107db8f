#!/usr/bin/env bash
# test/pipeline/run.sh
#   The CodeBuild buildspecs in examples/ (examples/pipeline/buildspec.yml,
#   examples/publish-releases/buildspec.yml): valid buildspecs, every make
#   target, program, option, folder and CDK name they use exists (dry runs in
#   a scratch copy, no AWS), and the copies in docs/ equal the files.
#   Last line: "pipeline: N passed, N failed".
#
#   bash test/pipeline/run.sh        (needs test/pipeline/DEPENDENCIES)
set -u
here=$(cd "$(dirname "$0")" && pwd)
top=$(cd "$here/../.." && pwd)
log=$(mktemp /tmp/pg_migrate_pipeline.XXXXXX)
trap 'rm -f "$log"' EXIT

python3 "$here/check_buildspec.py" "$top" 2>&1 | tee "$log"
line=$(grep -E '^buildspec: [0-9]+ passed, [0-9]+ failed' "$log")
if [ -n "$line" ]; then
	echo "pipeline: ${line#buildspec: }"
else
	echo "pipeline: 0 passed, 1 failed"
fi
