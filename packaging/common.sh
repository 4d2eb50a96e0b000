# shellcheck shell=bash
# Shell helpers shared by the packaging scripts (source me).

# Runs a command as root: directly when root, else through sudo.
as_root() {
    if [ "$(id -u)" -eq 0 ]; then
        "$@"
    elif command -v sudo >/dev/null 2>&1; then
        sudo "$@"
    else
        echo "$(basename "$0"): need root (or sudo) to run: $*" >&2
        exit 1
    fi
}

# Whether a Debian package is installed.
installed() {
    [ "$(dpkg-query -W -f='${Status}' "$1" 2>/dev/null || true)" = "install ok installed" ]
}

# Puts rustup's ~/.cargo/bin on PATH when it exists and is missing.
cargo_on_path() {
    if [ -d "$HOME/.cargo/bin" ]; then
        case ":$PATH:" in
            *":$HOME/.cargo/bin:"*) ;;
            *) export PATH="$HOME/.cargo/bin:$PATH" ;;
        esac
    fi
}

# The Python that scores call quality (PESQ: tests/sip/quality.rs, benches/calls.rs);
# `setup.sh test` makes it.
export_pesq_python() {
    export HANDSET_PESQ_PYTHON="${HANDSET_PESQ_PYTHON:-${HANDSET_PESQ_VENV:-${XDG_CACHE_HOME:-$HOME/.cache}/handset/pesq-venv}/bin/python}"
}

# Starts a private, unlocked gnome-keyring Secret Service on the current D-Bus session (run
# under dbus-run-session), its files and a private XDG_RUNTIME_DIR under the folder $1, so the
# user's own keyring is neither unlocked nor written to. Sets keyring_pid (stop it by that PID).
# Returns non-zero, saying why, when the Secret Service does not answer.
start_private_keyring() {
    local tmp="$1"
    export XDG_RUNTIME_DIR="$tmp/runtime"
    mkdir -m 700 "$XDG_RUNTIME_DIR"
    unset GNOME_KEYRING_CONTROL GNOME_KEYRING_PID SSH_AUTH_SOCK
    mkdir -m 700 "$tmp/keyring-data"
    # In the foreground as our own child: its PID is the one we stop, and it never hands over
    # to (or gets replaced by) another daemon.
    printf '%s' test-keyring |
        XDG_DATA_HOME="$tmp/keyring-data" gnome-keyring-daemon --foreground --unlock --components=secrets \
            >"$tmp/keyring.env" 2>"$tmp/keyring.log" &
    keyring_pid=$!
    # Wait until it owns the Secret Service name (asking the bus, which activates nothing).
    local _
    for _ in $(seq 100); do
        if dbus-send --session --print-reply --dest=org.freedesktop.DBus /org/freedesktop/DBus \
            org.freedesktop.DBus.NameHasOwner string:org.freedesktop.secrets 2>/dev/null | grep -q 'boolean true'; then
            break
        fi
        kill -0 "$keyring_pid" 2>/dev/null || { cat "$tmp/keyring.log" >&2; break; }
        sleep 0.1
    done
    if ! secret-tool store --label=probe handset-probe probe <<<probe ||
        ! secret-tool clear handset-probe probe; then
        echo "$(basename "$0"): the Secret Service (gnome-keyring) does not answer on the private D-Bus session." >&2
        echo "$(basename "$0"): Is gnome-keyring installed and working?" >&2
        return 1
    fi
}
