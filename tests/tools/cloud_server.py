#!/usr/bin/env python3
"""Local stand-in for the cloud drives' APIs, for tests/sip/cloud.rs.

No real Dropbox, Google Drive or OneDrive can run here, so this server speaks the documented
subset of each that Handset uses, with their status codes, headers and JSON shapes:

  OAuth 2.0 (RFC 6749, PKCE RFC 7636), under /dropbox, /google and /onedrive:
    GET  /S/authorize   checks client_id, the loopback redirect_uri, scope, state and the S256
                        challenge, then redirects (302) to redirect_uri?code=…&state=…
    POST /S/token       authorization_code (code_verifier checked against the challenge;
                        Google also wants its client_secret) and refresh_token grants;
                        invalid_grant (400) for unknown codes or refresh tokens.
                        OneDrive rotates the refresh token on each refresh.
  Dropbox API v2:  POST /dropbox/content/2/files/upload, upload_session/start, append_v2,
                   finish (Dropbox-API-Arg header; 409 insufficient_space when full;
                   409 incorrect_offset for a wrong cursor).
  Google Drive v3: GET/POST /google/api/drive/v3/files (folder lookup by q, folder create),
                   POST /google/content/upload/drive/v3/files?uploadType=resumable (Location),
                   PUT on the session (Content-Range; 308 + Range until complete; 200);
                   403 storageQuotaExceeded when full.
  Graph v1.0:      PUT /onedrive/api/v1.0/me/drive/root:/PATH:/content,
                   POST …:/createUploadSession (uploadUrl), PUT chunks to the upload URL
                   (202 nextExpectedRanges, 201 at the end; an Authorization header there is
                   refused with 401 as the service documents); 507 insufficientStorage when full.
  Every API call needs `Authorization: Bearer <a live access token>`, else 401.

Test controls (not part of any service): POST /control/expire (all access tokens die),
/control/full?service=S&on=1|0, /control/revoke (all refresh tokens die), GET /control/files
(JSON: service, path, size, sha256), GET /control/tokens (refresh tokens issued), GET
/control/log (method, path, authorized) and /control/refreshes (count per service).

Usage: cloud_server.py PORT CLIENT_ID GOOGLE_CLIENT_SECRET
"""

import base64
import hashlib
import json
import re
import secrets
import sys
import threading
import urllib.parse
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

PORT, CLIENT_ID, GOOGLE_SECRET = int(sys.argv[1]), sys.argv[2], sys.argv[3]
SCOPES = {
    "dropbox": "files.content.write",
    "google": "https://www.googleapis.com/auth/drive.file",
    "onedrive": "offline_access Files.ReadWrite",
}
lock = threading.Lock()
codes = {}            # code -> (service, challenge, redirect_uri)
access = {}           # token -> service
refresh = {}          # token -> service
issued_refresh = []
files = {}            # (service, path) -> bytes
full = set()
log = []
refreshes = {"dropbox": 0, "google": 0, "onedrive": 0}
dropbox_sessions = {}  # id -> bytearray
google_folders = {"root": ("", None)}  # id -> (name, parent)
google_sessions = {}   # id -> (path, total, bytearray)
graph_sessions = {}    # id -> (path, bytearray)


def store(service, path):
    """The path a new file gets: renamed `name (n).ext` when taken (autorename / rename)."""
    if (service, path) not in files:
        return path
    stem, dot, ext = path.rpartition(".")
    if not dot:
        stem, ext = path, ""
    n = 1
    while True:
        candidate = f"{stem} ({n}).{ext}" if dot else f"{stem} ({n})"
        if (service, candidate) not in files:
            return candidate
        n += 1


def google_path(folder_id):
    parts = []
    while folder_id and folder_id != "root":
        name, parent = google_folders[folder_id]
        parts.append(name)
        folder_id = parent
    return "/" + "/".join(reversed(parts))


class Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def log_message(self, fmt, *args):
        pass

    # -- plumbing -------------------------------------------------------------------------
    def body(self):
        n = int(self.headers.get("Content-Length") or 0)
        return self.rfile.read(n) if n else b""

    def send(self, status, payload=b"", headers=None, content_type="application/json"):
        if isinstance(payload, (dict, list)):
            payload = json.dumps(payload).encode()
        self.send_response(status)
        for k, v in (headers or {}).items():
            self.send_header(k, v)
        if payload or status not in (204, 308):
            self.send_header("Content-Type", content_type)
        self.send_header("Content-Length", str(len(payload)))
        self.end_headers()
        self.wfile.write(payload)

    def bearer(self):
        auth = self.headers.get("Authorization", "")
        return auth[len("Bearer "):] if auth.startswith("Bearer ") else None

    def authorized(self, service):
        with lock:
            ok = access.get(self.bearer()) == service
            log.append({"method": self.command, "path": self.path.split("?")[0],
                        "authorized": self.bearer() is not None})
        if not ok:
            self.send(401, {"error": "invalid_token"}, {"WWW-Authenticate": 'Bearer error="invalid_token"'})
        return ok

    def content_range(self):
        m = re.fullmatch(r"bytes (\d+)-(\d+)/(\d+)", self.headers.get("Content-Range", ""))
        return tuple(int(x) for x in m.groups()) if m else None

    # -- OAuth ----------------------------------------------------------------------------
    def do_GET(self):
        url = urllib.parse.urlsplit(self.path)
        q = dict(urllib.parse.parse_qsl(url.query))
        parts = url.path.strip("/").split("/")
        if url.path.startswith("/control/"):
            return self.control_get(parts[1])
        if len(parts) == 2 and parts[1] == "authorize" and parts[0] in SCOPES:
            return self.authorize(parts[0], q)
        if url.path == "/google/api/drive/v3/files":
            if not self.authorized("google"):
                return
            m = re.fullmatch(r"name = '((?:[^'\\]|\\.)*)' and mimeType = 'application/vnd.google-apps.folder' "
                             r"and '([^']*)' in parents and trashed = false", q.get("q", ""))
            if not m:
                return self.send(400, {"error": {"code": 400, "message": "Invalid Value"}})
            name = re.sub(r"\\(.)", r"\1", m.group(1))
            with lock:
                found = [{"id": i} for i, (n, p) in google_folders.items() if n == name and p == m.group(2)]
            return self.send(200, {"files": found})
        self.send(404, {"error": "not_found"})

    def authorize(self, service, q):
        redirect = q.get("redirect_uri", "")
        problems = []
        if q.get("client_id") != CLIENT_ID:
            problems.append("client_id")
        if not re.fullmatch(r"http://127\.0\.0\.1:\d+/callback", redirect):
            problems.append("redirect_uri")
        if q.get("response_type") != "code" or q.get("code_challenge_method") != "S256":
            problems.append("response_type/code_challenge_method")
        if q.get("scope") != SCOPES[service] or not q.get("state") or len(q.get("code_challenge", "")) != 43:
            problems.append("scope/state/code_challenge")
        if service == "dropbox" and q.get("token_access_type") != "offline":
            problems.append("token_access_type")
        if service == "google" and q.get("access_type") != "offline":
            problems.append("access_type")
        if problems:
            return self.send(400, f"bad authorization request: {problems}".encode(), content_type="text/plain")
        code = secrets.token_urlsafe(16)
        with lock:
            codes[code] = (service, q["code_challenge"], redirect)
        target = redirect + "?" + urllib.parse.urlencode({"code": code, "state": q["state"]})
        self.send(302, b"", {"Location": target}, content_type="text/plain")

    def token(self, service):
        form = dict(urllib.parse.parse_qsl(self.body().decode()))
        bad = lambda error, status=400: self.send(status, {"error": error, "error_description": error})
        if form.get("client_id") != CLIENT_ID:
            return bad("invalid_client", 401)
        if service == "google" and form.get("client_secret") != GOOGLE_SECRET:
            return bad("invalid_client", 401)
        with lock:
            if form.get("grant_type") == "authorization_code":
                known = codes.pop(form.get("code", ""), None)
                verifier = form.get("code_verifier", "").encode()
                challenge = base64.urlsafe_b64encode(hashlib.sha256(verifier).digest()).rstrip(b"=").decode()
                if not known or known[0] != service or known[1] != challenge or known[2] != form.get("redirect_uri"):
                    return bad("invalid_grant")
                new_refresh = secrets.token_urlsafe(24)
            elif form.get("grant_type") == "refresh_token":
                if refresh.get(form.get("refresh_token")) != service:
                    return bad("invalid_grant")
                refreshes[service] += 1
                new_refresh = secrets.token_urlsafe(24) if service == "onedrive" else None
            else:
                return bad("unsupported_grant_type")
            token = secrets.token_urlsafe(24)
            access[token] = service
            answer = {"access_token": token, "token_type": "bearer", "expires_in": 3600}
            if new_refresh:
                refresh[new_refresh] = service
                issued_refresh.append(new_refresh)
                answer["refresh_token"] = new_refresh
        self.send(200, answer)

    # -- controls -------------------------------------------------------------------------
    def control_get(self, what):
        with lock:
            if what == "files":
                data = [{"service": s, "path": p, "size": len(b), "sha256": hashlib.sha256(b).hexdigest()}
                        for (s, p), b in sorted(files.items())]
            elif what == "tokens":
                data = list(issued_refresh)
            elif what == "log":
                data = list(log)
            elif what == "refreshes":
                data = dict(refreshes)
            else:
                data = None
        self.send(200 if data is not None else 404, data if data is not None else {})

    def control_post(self, what, q):
        with lock:
            if what == "expire":
                access.clear()
            elif what == "revoke":
                refresh.clear()
                access.clear()
            elif what == "full":
                (full.add if q.get("on") == "1" else full.discard)(q["service"])
        self.send(200, {})

    # -- uploads --------------------------------------------------------------------------
    def do_POST(self):
        url = urllib.parse.urlsplit(self.path)
        q = dict(urllib.parse.parse_qsl(url.query))
        parts = url.path.strip("/").split("/")
        if url.path.startswith("/control/"):
            self.body()
            return self.control_post(parts[1], q)
        if len(parts) == 2 and parts[1] == "token" and parts[0] in SCOPES:
            return self.token(parts[0])
        if url.path.startswith("/dropbox/content/2/files/"):
            return self.dropbox(url.path[len("/dropbox/content/2/files/"):])
        if url.path == "/google/api/drive/v3/files":
            return self.google_folder()
        if url.path == "/google/content/upload/drive/v3/files" and q.get("uploadType") == "resumable":
            return self.google_start()
        m = re.fullmatch(r"/onedrive/api/v1\.0/me/drive/root:/(.+):/createUploadSession", url.path)
        if m:
            return self.graph_session(urllib.parse.unquote(m.group(1)))
        self.body()
        self.send(404, {"error": "not_found"})

    def do_PUT(self):
        url = urllib.parse.urlsplit(self.path)
        m = re.fullmatch(r"/google/session/(\w+)", url.path)
        if m:
            return self.google_chunk(m.group(1))
        m = re.fullmatch(r"/onedrive/upload/(\w+)", url.path)
        if m:
            return self.graph_chunk(m.group(1))
        m = re.fullmatch(r"/onedrive/api/v1\.0/me/drive/root:/(.+):/content", url.path)
        if m:
            data = self.body()
            if not self.authorized("onedrive"):
                return
            if "onedrive" in full:
                return self.send(507, {"error": {"code": "insufficientStorage", "message": "Insufficient Storage"}})
            with lock:
                path = store("onedrive", "/" + urllib.parse.unquote(m.group(1)))
                files[("onedrive", path)] = data
            return self.send(201, {"name": path.rsplit("/", 1)[-1], "size": len(data)})
        self.body()
        self.send(404, {"error": "not_found"})

    def dropbox(self, endpoint):
        data = self.body()
        if not self.authorized("dropbox"):
            return
        try:
            arg = json.loads(self.headers.get("Dropbox-API-Arg", ""))
        except ValueError:
            return self.send(400, b"Error in call: bad Dropbox-API-Arg", content_type="text/plain")
        insufficient = {"error_summary": "path/insufficient_space/..",
                        "error": {".tag": "path", "reason": {".tag": "insufficient_space"}}}

        def commit(info, content):
            if "dropbox" in full:
                return self.send(409, insufficient)
            if info.get("mode") != "add" or not info.get("path", "").startswith("/"):
                return self.send(400, b"Error in call: bad commit info", content_type="text/plain")
            with lock:
                path = store("dropbox", info["path"]) if info.get("autorename") else info["path"]
                files[("dropbox", path)] = bytes(content)
            self.send(200, {"name": path.rsplit("/", 1)[-1], "path_display": path, "size": len(content)})

        if endpoint == "upload":
            return commit(arg, data)
        if endpoint == "upload_session/start":
            sid = secrets.token_hex(8)
            with lock:
                dropbox_sessions[sid] = bytearray(data)
            return self.send(200, {"session_id": sid})
        cursor = arg.get("cursor", {})
        with lock:
            session = dropbox_sessions.get(cursor.get("session_id"))
        if session is None:
            return self.send(409, {"error_summary": "lookup_failed/not_found/.."})
        if cursor.get("offset") != len(session):
            return self.send(409, {"error_summary": "lookup_failed/incorrect_offset/..",
                                   "error": {".tag": "incorrect_offset", "correct_offset": len(session)}})
        session.extend(data)
        if endpoint == "upload_session/append_v2":
            return self.send(200, b"null")
        if endpoint == "upload_session/finish":
            return commit(arg.get("commit", {}), session)
        self.send(404, {"error": "not_found"})

    def google_folder(self):
        meta = json.loads(self.body() or b"{}")
        if not self.authorized("google"):
            return
        if meta.get("mimeType") != "application/vnd.google-apps.folder" or not meta.get("name"):
            return self.send(400, {"error": {"code": 400, "message": "not a folder"}})
        fid = secrets.token_hex(6)
        with lock:
            google_folders[fid] = (meta["name"], (meta.get("parents") or ["root"])[0])
        self.send(200, {"id": fid})

    def google_start(self):
        meta = json.loads(self.body() or b"{}")
        if not self.authorized("google"):
            return
        if "google" in full:
            return self.send(403, {"error": {"code": 403, "message": "The user's Drive storage quota has been exceeded.",
                                             "errors": [{"reason": "storageQuotaExceeded", "domain": "usageLimits"}]}})
        parent = (meta.get("parents") or ["root"])[0]
        if parent not in google_folders or not meta.get("name"):
            return self.send(404, {"error": {"code": 404, "message": "File not found"}})
        total = int(self.headers.get("X-Upload-Content-Length", "-1"))
        sid = secrets.token_hex(8)
        with lock:
            path = google_path(parent).rstrip("/") + "/" + meta["name"]
            google_sessions[sid] = (path, total, bytearray())
        self.send(200, b"", {"Location": f"http://127.0.0.1:{PORT}/google/session/{sid}"})

    def google_chunk(self, sid):
        data = self.body()
        if not self.authorized("google"):
            return
        with lock:
            session = google_sessions.get(sid)
        rng = self.content_range()
        if session is None:
            return self.send(404, {"error": {"code": 404, "message": "upload session not found"}})
        path, total, got = session
        if rng is None or rng[0] != len(got) or rng[1] - rng[0] + 1 != len(data) or rng[2] != total:
            return self.send(400, {"error": {"code": 400, "message": "bad Content-Range"}})
        if len(data) % (256 * 1024) and rng[1] + 1 != total:
            return self.send(400, {"error": {"code": 400, "message": "chunk not a multiple of 256 KiB"}})
        got.extend(data)
        if len(got) < total:
            return self.send(308, b"", {"Range": f"bytes=0-{len(got) - 1}"})
        with lock:
            files[("google", store("google", path))] = bytes(got)
            del google_sessions[sid]
        self.send(200, {"id": sid, "name": path.rsplit("/", 1)[-1]})

    def graph_session(self, path):
        self.body()
        if not self.authorized("onedrive"):
            return
        if "onedrive" in full:
            return self.send(507, {"error": {"code": "insufficientStorage", "message": "Insufficient Storage"}})
        sid = secrets.token_hex(8)
        with lock:
            graph_sessions[sid] = ("/" + path, bytearray())
        self.send(200, {"uploadUrl": f"http://127.0.0.1:{PORT}/onedrive/upload/{sid}",
                        "expirationDateTime": "2099-01-01T00:00:00Z"})

    def graph_chunk(self, sid):
        data = self.body()
        if self.headers.get("Authorization"):
            return self.send(401, {"error": {"code": "unauthenticated",
                                             "message": "the upload URL takes no Authorization header"}})
        with lock:
            session = graph_sessions.get(sid)
        rng = self.content_range()
        if session is None:
            return self.send(404, {"error": {"code": "itemNotFound"}})
        path, got = session
        if rng is None or rng[0] != len(got) or rng[1] - rng[0] + 1 != len(data):
            return self.send(416, {"error": {"code": "invalidRange"}})
        if len(data) % (320 * 1024) and rng[1] + 1 != rng[2]:
            return self.send(400, {"error": {"code": "invalidRequest", "message": "not a multiple of 320 KiB"}})
        got.extend(data)
        if len(got) < rng[2]:
            return self.send(202, {"nextExpectedRanges": [f"{len(got)}-"]})
        with lock:
            final = store("onedrive", path)
            files[("onedrive", final)] = bytes(got)
            del graph_sessions[sid]
        self.send(201, {"name": final.rsplit("/", 1)[-1], "size": len(got)})


ThreadingHTTPServer.allow_reuse_address = True
ThreadingHTTPServer(("127.0.0.1", PORT), Handler).serve_forever()
