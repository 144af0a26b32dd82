# Shared by the recipe scripts: copies this tree (tracked and untracked, not ignored) into the scratch folder $1,
# makes it a git repository with one commit, and leaves the shell in it, so `git diff --cached` lists what a recipe touched.
scratch_copy() {
  local src work
  src="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
  work="${1:?usage: $0 SCRATCH_DIR}"
  mkdir -p "$work"
  (cd "$src" && git ls-files -co --exclude-standard -z | tar --null -cf - -T -) | tar -xf - -C "$work"
  cd "$work"
  git init -q && git add -A && git -c user.name=recipe -c user.email=recipe@example.com commit -qm "before the recipe"
}
