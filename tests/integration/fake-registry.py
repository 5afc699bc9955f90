#!/usr/bin/env python3
"""A read-only registry for hull's tests: serves an OCI layout over the
distribution API, optionally behind the Bearer token flow, plus
repositories under bad/ that misbehave on purpose.

    fake-registry.py LAYOUT PORTFILE [--bearer USER:PASS]

Writes the port it listens on (127.0.0.1, chosen by the kernel) to PORTFILE.
Every handler is bounded: the hanging one sleeps at most 60 s."""
import base64, hashlib, json, os, sys, threading, time
from http.server import ThreadingHTTPServer, BaseHTTPRequestHandler

layout, portfile = sys.argv[1], sys.argv[2]
bearer = sys.argv[4] if len(sys.argv) > 4 and sys.argv[3] == "--bearer" else None
TOKEN = "good-token"
counter = [0]
cut_seen = set()
counter_lock = threading.Lock()
OCI_MANIFEST = "application/vnd.oci.image.manifest.v1+json"


def blob(digest):
    path = os.path.join(layout, "blobs", "sha256", digest.split(":", 1)[1])
    with open(path, "rb") as f:
        return f.read()


def by_ref(ref):
    if ref.startswith("sha256:"):
        return blob(ref)
    for m in json.load(open(os.path.join(layout, "index.json")))["manifests"]:
        if m.get("annotations", {}).get("org.opencontainers.image.ref.name") == ref:
            return blob(m["digest"])
    return None


class H(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def log_message(self, *a):
        pass

    def send(self, code, body=b"", ctype="application/json", headers=()):
        self.send_response(code)
        self.send_header("Content-Type", ctype)
        self.send_header("Content-Length", str(len(body)))
        for k, v in headers:
            self.send_header(k, v)
        self.end_headers()
        if self.command != "HEAD":
            self.wfile.write(body)

    def authorised(self):
        if not bearer:
            return True
        if self.headers.get("Authorization") == "Bearer " + TOKEN:
            return True
        port = self.server.server_address[1]
        self.send(401, b'{"errors":[{"code":"UNAUTHORIZED","message":"authentication required"}]}',
                  headers=[("WWW-Authenticate",
                            'Bearer realm="http://127.0.0.1:%d/token",service="fake"' % port)])
        return False

    def do_HEAD(self):
        self.do_GET()

    def do_GET(self):  # noqa: C901 (one dispatcher for a test server)
        p = self.path.split("?", 1)[0]
        if p == "/token":
            want = "Basic " + base64.b64encode(bearer.encode()).decode()
            if self.headers.get("Authorization") != want:
                return self.send(401, b'{"details":"wrong credentials"}')
            return self.send(200, json.dumps({"token": TOKEN}).encode())
        if not self.authorised():
            return
        if p == "/v2/":
            return self.send(200, b"{}")
        parts = p.split("/")
        if len(parts) < 5 or parts[1] != "v2":
            return self.send(404)
        name, kind, ref = "/".join(parts[2:-2]), parts[-2], parts[-1]
        if name.startswith("bad/"):
            return self.bad(name[4:], kind, ref)
        if name.startswith("flaky/"):
            # Every other request fails with 503: a pull must retry through it.
            with counter_lock:
                counter[0] += 1
                fail = counter[0] % 2 == 1
            if fail:
                return self.send(503, b'{"errors":[{"code":"UNAVAILABLE","message":"try again"}]}')
        data = by_ref(ref) if kind == "manifests" else blob(ref) if os.path.exists(
            os.path.join(layout, "blobs", "sha256", ref.split(":", 1)[-1])) else None
        if data is None:
            return self.send(404, b'{"errors":[{"code":"MANIFEST_UNKNOWN","message":"manifest unknown"}]}')
        if kind == "manifests":
            return self.send(200, data, json.loads(data).get("mediaType", OCI_MANIFEST))
        self.blob(name, ref, data)

    def blob(self, name, ref, data):
        """Blobs honour Range; under cut/ the first answer for each blob
        stops halfway and drops the connection."""
        start = 0
        rng = self.headers.get("Range", "")
        if rng.startswith("bytes=") and rng.endswith("-"):
            start = int(rng[6:-1])
            with open(os.path.join(os.path.dirname(portfile), "fake.ranges"), "a") as f:
                f.write("%s %d\n" % (ref, start))
        body = data[start:]
        if name.startswith("cut/") and self.command == "GET" and len(data) > 1000:
            with counter_lock:
                first = ref not in cut_seen
                cut_seen.add(ref)
            if first:
                self.send_response(200)
                self.send_header("Content-Type", "application/octet-stream")
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data[:len(data) // 2])
                self.wfile.flush()
                self.close_connection = True
                self.connection.shutdown(2)
                return
        if start:
            self.send(206, body, "application/octet-stream",
                      [("Content-Range", "bytes %d-%d/%d" % (start, len(data) - 1, len(data)))])
        else:
            self.send(200, body, "application/octet-stream")

    def bad(self, what, kind, ref):
        if what == "malformed" and kind == "manifests":
            return self.send(200, b'{"schemaVersion": 2, "layers": [', OCI_MANIFEST)
        if what == "huge" and kind == "manifests":
            return self.send(200, b" " * (5 << 20) + b"{}", OCI_MANIFEST)
        if what == "loop":
            return self.send(302, b"", headers=[("Location", self.path)])
        if what == "hang":
            time.sleep(60)
            return self.send(500)
        if what == "size":
            # A manifest naming a config blob smaller than the one served.
            cfg = b'{"rootfs": {"type": "layers", "diff_ids": []}}'
            if kind == "manifests":
                m = {"schemaVersion": 2, "mediaType": OCI_MANIFEST,
                     "config": {"mediaType": "application/vnd.oci.image.config.v1+json",
                                "digest": "sha256:" + hashlib.sha256(cfg).hexdigest(), "size": 10},
                     "layers": []}
                return self.send(200, json.dumps(m).encode(), OCI_MANIFEST)
            return self.send(200, cfg, "application/octet-stream")
        return self.send(404)


srv = ThreadingHTTPServer(("127.0.0.1", 0), H)
srv.daemon_threads = True
with open(portfile + ".tmp", "w") as f:
    f.write(str(srv.server_address[1]))
os.rename(portfile + ".tmp", portfile)
srv.serve_forever()
