"""A real SSH/SFTP server for Handset's SFTP delivery tests (asyncssh, Debian python3-asyncssh).

    sftp_server.py PORT ROOT USER PASSWORD HOST_KEY [CLIENT_KEY ...]

Password login for USER only; the SFTP session is chrooted to ROOT (its login folder).
HOST_KEY is an OpenSSH private key file, made (ed25519) when missing, so a test can restart
the server with the same or a new key. Each CLIENT_KEY is `ALGORITHM:PATH:PASSPHRASE`: a key
pair made at PATH (private, OpenSSH format, encrypted when PASSPHRASE is not empty) whose
public key may log in as USER too. Stops on SIGTERM.
"""

import asyncio
import os
import signal
import sys
import warnings

warnings.filterwarnings("ignore")
import asyncssh  # noqa: E402

port, root, user, password, host_key = sys.argv[1:6]

if not os.path.exists(host_key):
    asyncssh.generate_private_key("ssh-ed25519").write_private_key(host_key)

authorized = []
for spec in sys.argv[6:]:
    algorithm, path, passphrase = spec.split(":", 2)
    if not os.path.exists(path):
        key = asyncssh.generate_private_key(algorithm)
        key.write_private_key(path, passphrase=passphrase or None)
        key.write_public_key(path + ".pub")
    authorized.append(asyncssh.read_public_key(path + ".pub"))


class Server(asyncssh.SSHServer):
    def begin_auth(self, username):
        return True

    def password_auth_supported(self):
        return True

    def validate_password(self, username, pw):
        return username == user and pw == password

    def public_key_auth_supported(self):
        return bool(authorized)

    def validate_public_key(self, username, key):
        return username == user and key in authorized


async def main():
    server = await asyncssh.listen(
        "127.0.0.1",
        int(port),
        server_host_keys=[host_key],
        server_factory=Server,
        sftp_factory=lambda chan: asyncssh.SFTPServer(chan, chroot=root.encode()),
        allow_scp=False,
        # A restarted server binds the port its predecessor left in TIME_WAIT (asyncssh
        # defaults to False, unlike asyncio).
        reuse_address=True,
    )
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    loop.add_signal_handler(signal.SIGTERM, stop.set)
    loop.add_signal_handler(signal.SIGINT, stop.set)
    print("listening", flush=True)
    await stop.wait()
    server.close()


asyncio.run(main())
