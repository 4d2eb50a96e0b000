"""A real SMTP server for Handset's e-mail delivery tests (aiosmtpd, Debian python3-aiosmtpd).

    smtp_server.py PORT MAILDIR USER PASSWORD SECURITY SIZE_LIMIT [CERT KEY]

SECURITY: starttls (offered and required before AUTH and mail), tls (implicit TLS), none
(clear text, no STARTTLS offered; AUTH allowed without TLS). Each accepted
message is written whole to MAILDIR/N.eml (atomic rename), its envelope to MAILDIR/N.json.
Messages over SIZE_LIMIT bytes are refused with 552 as the protocol says. Stops on SIGTERM.
"""

import json
import os
import signal
import ssl
import sys
import threading

from aiosmtpd.controller import Controller
from aiosmtpd.smtp import AuthResult, LoginPassword

port, maildir, user, password, security, limit = sys.argv[1:7]
cert = key = None
if len(sys.argv) > 8:
    cert, key = sys.argv[7:9]


class Handler:
    def __init__(self):
        self.count = 0
        self.lock = threading.Lock()

    async def handle_DATA(self, server, session, envelope):
        with self.lock:
            self.count += 1
            n = self.count
        base = os.path.join(maildir, str(n))
        with open(base + ".json.tmp", "w") as f:
            json.dump({"from": envelope.mail_from, "to": envelope.rcpt_tos}, f)
        os.rename(base + ".json.tmp", base + ".json")
        with open(base + ".tmp", "wb") as f:
            f.write(envelope.original_content)
        os.rename(base + ".tmp", base + ".eml")
        return "250 2.0.0 Message accepted"


def authenticator(server, session, envelope, mechanism, auth_data):
    ok = (
        isinstance(auth_data, LoginPassword)
        and auth_data.login.decode() == user
        and auth_data.password.decode() == password
    )
    # handled=False: the server itself answers 535 on failure.
    return AuthResult(success=ok, handled=False)


context = None
if cert:
    context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    context.load_cert_chain(cert, key)

kwargs = dict(
    hostname="127.0.0.1",
    port=int(port),
    authenticator=authenticator,
    auth_required=True,
    data_size_limit=int(limit),
    server_hostname="mail.test",
)
if security == "starttls":
    kwargs.update(tls_context=context, require_starttls=True)
elif security == "tls":
    # aiosmtpd counts only STARTTLS as TLS for AUTH; this connection is TLS from the start.
    kwargs.update(ssl_context=context, auth_require_tls=False)
else:
    kwargs.update(auth_require_tls=False)

controller = Controller(Handler(), **kwargs)
controller.start()
stop = threading.Event()
signal.signal(signal.SIGTERM, lambda *_: stop.set())
signal.signal(signal.SIGINT, lambda *_: stop.set())
print("listening", flush=True)
stop.wait()
controller.stop()
