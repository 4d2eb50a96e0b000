#!/usr/bin/env bash
# The one run command of Handset: install what it needs, then build and start it.
#
#   packaging/run.sh [handset arguments]
set -euo pipefail

repo="$(cd "$(dirname "$(readlink -f "${BASH_SOURCE[0]}")")/.." && pwd)"
cd "$repo"

if [ -d "$HOME/.cargo/bin" ]; then
    case ":$PATH:" in
        *":$HOME/.cargo/bin:"*) ;;
        *) export PATH="$HOME/.cargo/bin:$PATH" ;;
    esac
fi

"$repo/packaging/setup.sh" run
exec cargo run --release --locked -- "$@"
