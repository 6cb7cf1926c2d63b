#!/usr/bin/env bash
# Seeds one branch of an existing Git repository with a folder's files, once.
#
#   seed-branch.sh <repository-url> <branch> <seed-folder>
#
# Pushes a single new commit to <branch> only when that branch does not exist yet, with a plain
# (never forced) push: history is never rewritten, and a branch that someone else creates in the
# meantime makes the push fail instead of being overwritten. When the branch already has commits
# the repository is left alone. A repository with other branches is left alone too unless
# SEED_NON_EMPTY_REPOSITORY=true.
#
# Exit status 0: seeded, or left alone on purpose; the last line says which. Anything else: the
# repository could not be seeded; the last line says why.
#
# With WAIT_HANDLE_URL set (a CloudFormation wait condition handle), the outcome and that last
# line are also signalled there, so a failure fails the stack with its reason.
#
# With SEED_READ_RETRY_SECONDS set, a failed first read of the repository is retried (every
# SEED_READ_RETRY_INTERVAL seconds, default 10) at least once and for that long before it counts:
# the job's grant to use the connection may appear only just after the job has started.
set -uo pipefail

url="${1:?usage: seed-branch.sh <repository-url> <branch> <seed-folder>}"
branch="${2:?usage: seed-branch.sh <repository-url> <branch> <seed-folder>}"
seed="${3:?usage: seed-branch.sh <repository-url> <branch> <seed-folder>}"
# Where the repository is named in messages: the URL without any user info.
shown="$(printf '%s' "$url" | sed -E 's#://[^/@]*@#://#')"
outcome=""

signal() {
  local status="$1" reason="$2"
  [ -n "${WAIT_HANDLE_URL:-}" ] || return 0
  local body
  body="$(REASON="$reason" STATUS="$status" python3 -c 'import json, os; print(json.dumps({"Status": os.environ["STATUS"], "Reason": os.environ["REASON"][:4000], "UniqueId": "seed", "Data": os.environ["REASON"][:4000]}))')"
  curl --silent --show-error --fail --retry 3 -X PUT -H 'Content-Type:' --data-binary "$body" "$WAIT_HANDLE_URL" >/dev/null \
    || echo "could not signal the wait condition" >&2
}

finish() {
  local status="$1" message="$2"
  outcome="$message"
  echo "$message"
  if [ "$status" -eq 0 ]; then signal SUCCESS "$message"; else signal FAILURE "$message"; fi
  exit "$status"
}

# Any unexpected error ends here with its reason rather than without a signal.
trap '[ -n "$outcome" ] || finish 1 "Seeding $shown failed unexpectedly (line $LINENO)"' EXIT

[ -d "$seed" ] || finish 1 "Seed folder $seed does not exist"
export GIT_TERMINAL_PROMPT=0

retry_until=$(( $(date +%s) + ${SEED_READ_RETRY_SECONDS:-0} ))
read_ok=false
attempts=0
while true; do
  if heads="$(git ls-remote --heads "$url" 2>/tmp/seed-ls-remote.err)"; then read_ok=true; break; fi
  attempts=$(( attempts + 1 ))
  [ "${SEED_READ_RETRY_SECONDS:-0}" -gt 0 ] || break
  # Retried at least once, however long the first read took; then until the window ends.
  [ "$attempts" -eq 1 ] || [ "$(date +%s)" -lt "$retry_until" ] || break
  echo "Cannot read $shown yet; retrying in ${SEED_READ_RETRY_INTERVAL:-10} s" >&2
  sleep "${SEED_READ_RETRY_INTERVAL:-10}"
done
if [ "$read_ok" != true ]; then
  reason="$(grep -v '^\s*$' /tmp/seed-ls-remote.err | tail -n 3 | tr '\n' ' ' | sed -E 's/ +$//')"
  finish 2 "Cannot read $shown: ${reason:-git ls-remote failed}. Check that the connection is available and has access to the repository."
fi

existing="$(printf '%s\n' "$heads" | awk -v ref="refs/heads/$branch" '$2 == ref { print $1 }')"
if [ -n "$existing" ]; then
  finish 0 "Branch '$branch' of $shown already has commits (head ${existing:0:12}): left untouched, nothing pushed."
fi
others="$(printf '%s\n' "$heads" | awk 'NF == 2 { sub("refs/heads/", "", $2); print $2 }' | head -n 5 | paste -sd, -)"
if [ -n "$others" ] && [ "${SEED_NON_EMPTY_REPOSITORY:-false}" != "true" ]; then
  finish 0 "Repository $shown already has branches ($others) but not '$branch': left untouched, nothing pushed. Push the seed code to '$branch' yourself, or allow seeding a non-empty repository."
fi

work="$(mktemp -d)"
cp -a "$seed"/. "$work"/ || finish 1 "Cannot copy the seed folder $seed"
cd "$work" || finish 1 "Cannot enter $work"
rm -rf .git
git init --quiet --initial-branch="$branch" . >/dev/null 2>&1 || { git init --quiet . && git checkout --quiet -b "$branch"; }
git add --all . || finish 1 "Cannot stage the seed files"
git -c user.name="${SEED_AUTHOR_NAME:-SageMaker project}" -c user.email="${SEED_AUTHOR_EMAIL:-sagemaker-project@noreply.amazonaws.com}" \
  commit --quiet --message "${SEED_COMMIT_MESSAGE:-Seed code of the SageMaker project}" || finish 1 "Cannot commit the seed files"

# A plain push of a new branch: refused (not overwritten) if the branch appeared meanwhile.
if ! git push --quiet "$url" "HEAD:refs/heads/$branch" 2>/tmp/seed-push.err; then
  reason="$(grep -v '^\s*$' /tmp/seed-push.err | tail -n 3 | tr '\n' ' ' | sed -E 's/ +$//')"
  finish 3 "Cannot push to branch '$branch' of $shown: ${reason:-git push failed}"
fi
finish 0 "Seeded branch '$branch' of $shown with $(git ls-files | wc -l | tr -d ' ') files (commit $(git rev-parse --short=12 HEAD))."
