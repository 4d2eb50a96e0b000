"""A real FTPS server (explicit TLS, RFC 4217) for Handset's delivery tests (pyftpdlib with
pyOpenSSL, Debian python3-pyftpdlib and python3-openssl).

    ftps_server.py PORT ROOT USER PASSWORD CERT KEY

One user with write access to ROOT; TLS is required on the control and the data connections
(a client that skips AUTH TLS or PROT P is refused). Stops on SIGTERM.
"""

import sys
import warnings

warnings.filterwarnings("ignore")
from pyftpdlib.authorizers import DummyAuthorizer  # noqa: E402
from pyftpdlib.handlers import TLS_FTPHandler  # noqa: E402
from pyftpdlib.servers import FTPServer  # noqa: E402

port, root, user, password, cert, key = sys.argv[1:7]

authorizer = DummyAuthorizer()
authorizer.add_user(user, password, root, perm="elradfmwMT")
handler = TLS_FTPHandler
handler.authorizer = authorizer
handler.certfile = cert
handler.keyfile = key
handler.tls_control_required = True
handler.tls_data_required = True
handler.passive_ports = None
server = FTPServer(("127.0.0.1", int(port)), handler)
print("listening", flush=True)
server.serve_forever()
