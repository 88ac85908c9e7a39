#!/bin/sh
# Lay out a project's tree with its owners, and hand a release to its service read-only.
#
#   tree.sh layout  PROJECT_ROOT UID [RELEASE_DIR REPO COMMIT]
#                   prints where `current` points (or nothing); with the last three it also
#                   checks COMMIT of REPO out into RELEASE_DIR (a local deploy)
#   tree.sh confine PROJECT_ROOT UID RELEASE_DIR
#
# One command instead of a `file` task per directory: each module run costs a Python start on
# the host, and a deploy made ~20 of them (README, *Deploy speed*). The rules are those of
# adapters/deploy/confinement.py: the project's root 0750 root:<its gid>, so no other
# project's service can enter it; run/ and logs/ root's only; var/ the service's own.
set -eu

dir() {  # dir PATH OWNER GROUP MODE: created if missing, owner and mode set either way
    mkdir -p "$1"
    chown "$2:$3" "$1"
    chmod "$4" "$1"
}

layout() {
    root="$1" uid="$2"
    dir "$root" root "$uid" 0750
    dir "$root/releases" root "$uid" 0750
    dir "$root/run" root 0 0700
    dir "$root/logs" root 0 0700
    dir "$root/var" "$uid" "$uid" 0700
    dir "$root/var/tmp" "$uid" "$uid" 0700
}

checkout() {  # checkout RELEASE_DIR REPO COMMIT, what the `git` module did with force: true
    release="$1" repo="$2" commit="$3"
    # Output to stderr: stdout is where `current` points. No prompt: a repo that asks for
    # credentials fails instead of hanging the deploy.
    export GIT_TERMINAL_PROMPT=0
    if [ -d "$release/.git" ]; then  # a retried attempt: the same id's checkout, refreshed
        git -C "$release" fetch -q origin >&2
    else
        git clone -q --no-checkout "$repo" "$release" >&2
    fi
    git -C "$release" checkout -q -f "$commit" >&2
}

confine() {
    root="$1" uid="$2" release="$3"
    layout "$root" "$uid"
    # -h -P: a symlink in model-written code is changed itself, never what it points at;
    # chmod skips symlinks met while recursing.
    chown -R -h -P "root:$uid" "$release"
    chmod -R u=rwX,g=rX,o= "$release"
}

cmd="${1:-}"
[ $# -gt 0 ] && shift
case "$cmd" in
    layout) [ $# -eq 2 ] || [ $# -eq 5 ] \
            || { echo "usage: $0 layout PROJECT_ROOT UID [RELEASE_DIR REPO COMMIT]" >&2; exit 2; }
        layout "$1" "$2"
        current="$(readlink "$1/current" || true)"
        # One command for the tree and the checkout: a module run less (README, *Deploy speed*).
        if [ $# -eq 5 ]; then checkout "$3" "$4" "$5"; fi
        printf '%s\n' "$current" ;;
    confine) [ $# -eq 3 ] || { echo "usage: $0 confine PROJECT_ROOT UID RELEASE_DIR" >&2; exit 2; }; confine "$@" ;;
    *) echo "usage: $0 layout|confine ..." >&2; exit 2 ;;
esac
