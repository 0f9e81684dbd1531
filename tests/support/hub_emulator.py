#!/usr/bin/env python3
"""A small Hugging Face-compatible hub on loopback, serving one repository from a directory.

It answers the parts of the hub's public API that a snapshot download uses, the way the hub does:

  GET /api/models/ORG/NAME/revision/REV[?blobs=true]  model info: commit "sha" and "siblings"
                                                      (with blobs: size, blobId, lfs.sha256)
  GET|HEAD /ORG/NAME/resolve/REV/PATH                 plain files: 200 with ETag = git blob id;
                                                      LFS files (>= --lfs-threshold bytes): 302 to
                                                      /cdn/SHA256 with X-Linked-Etag/-Size
  GET|HEAD /cdn/SHA256                                the bytes, with single-range support
  GET /_stats                                         requests and body bytes served, by path

REV is the branch (--branch, default main), a tag (--tag), or the commit id itself (a SHA-1 of
the file list). With --token every /api and /resolve request needs "Authorization: Bearer TOKEN"
(the CDN does not: its URLs stand for signed ones). --corrupt PATH serves wrong bytes for PATH
(same length); --fail PATH answers 500 for it. Writes its port to --port-file once listening.

  hub_emulator.py --root DIR --repo org/model --port-file FILE [--lfs-threshold 1M] [--token T]
"""
import argparse
import hashlib
import json
import os
import re
import threading
import urllib.parse
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer


def git_blob_id(data):
    return hashlib.sha1(b"blob %d\0" % len(data) + data).hexdigest()


class Repo:
    def __init__(self, root, repo, branch, tag, lfs_threshold):
        self.root = root
        self.repo = repo
        self.branch = branch
        self.tag = tag
        self.files = {}  # path -> dict(size, blob_id, sha256 or None)
        self.by_sha256 = {}
        for dirpath, _, names in os.walk(root):
            for name in names:
                full = os.path.join(dirpath, name)
                path = os.path.relpath(full, root).replace(os.sep, "/")
                size = os.path.getsize(full)
                sha256 = hashlib.sha256()
                with open(full, "rb") as f:
                    for block in iter(lambda: f.read(1 << 20), b""):
                        sha256.update(block)
                sha256 = sha256.hexdigest()
                if size >= lfs_threshold:
                    # An LFS file's git blob is its pointer file.
                    pointer = ("version https://git-lfs.github.com/spec/v1\noid sha256:%s\nsize %d\n"
                               % (sha256, size)).encode()
                    entry = dict(size=size, blob_id=git_blob_id(pointer), sha256=sha256,
                                 pointer_size=len(pointer))
                    self.by_sha256[sha256] = full
                else:
                    with open(full, "rb") as f:
                        entry = dict(size=size, blob_id=git_blob_id(f.read()), sha256=None)
                entry["full"] = full
                self.files[path] = entry
        listing = "".join("%s %s\n" % (p, e["blob_id"]) for p, e in sorted(self.files.items()))
        self.commit = hashlib.sha1(listing.encode()).hexdigest()

    def resolves(self, revision):
        return revision in (self.branch, self.tag, self.commit)

    def model_info(self, blobs):
        siblings = []
        for path, e in sorted(self.files.items()):
            s = {"rfilename": path}
            if blobs:
                s["blobId"] = e["blob_id"]
                s["size"] = e["size"]
                if e["sha256"]:
                    s["lfs"] = {"sha256": e["sha256"], "size": e["size"],
                                "pointerSize": e["pointer_size"]}
            siblings.append(s)
        return {"_id": "emulated", "id": self.repo, "modelId": self.repo, "sha": self.commit,
                "private": False, "tags": [], "siblings": siblings}


class Stats:
    def __init__(self):
        self.lock = threading.Lock()
        self.requests = 0
        self.body_bytes = 0
        self.by_path = {}

    def add(self, path, n):
        with self.lock:
            self.body_bytes += n
            self.by_path[path] = self.by_path.get(path, 0) + n

    def count(self):
        with self.lock:
            self.requests += 1


def make_handler(repo, args, stats):
    api_re = re.compile(r"^/api/models/(.+)/revision/([^/]+)$")
    resolve_prefix = "/%s/resolve/" % repo.repo

    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def log_message(self, *a):
            pass

        def send_json(self, code, obj, headers=()):
            body = json.dumps(obj).encode()
            self.send_response(code)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(body)))
            for k, v in headers:
                self.send_header(k, v)
            self.end_headers()
            if self.command != "HEAD":
                self.wfile.write(body)

        def authorized(self):
            if not args.token:
                return True
            if self.headers.get("Authorization") == "Bearer " + args.token:
                return True
            self.send_json(401, {"error": "Invalid credentials in Authorization header"})
            return False

        def do_HEAD(self):
            self.do_GET()

        def do_GET(self):
            stats.count()
            url = urllib.parse.urlsplit(self.path)
            path = urllib.parse.unquote(url.path)
            query = urllib.parse.parse_qs(url.query)
            if path == "/_stats":
                with stats.lock:
                    return self.send_json(200, {"requests": stats.requests,
                                                "body_bytes": stats.body_bytes,
                                                "by_path": stats.by_path})
            m = api_re.match(path)
            if m:
                if not self.authorized():
                    return
                if m.group(1) != repo.repo:
                    return self.send_json(404, {"error": "Repository not found"})
                if not repo.resolves(m.group(2)):
                    return self.send_json(404, {"error": "Invalid rev id: " + m.group(2)})
                blobs = query.get("blobs", ["false"])[0].lower() in ("1", "true")
                return self.send_json(200, repo.model_info(blobs))
            if path.startswith(resolve_prefix):
                if not self.authorized():
                    return
                revision, _, file_path = path[len(resolve_prefix):].partition("/")
                if not repo.resolves(revision):
                    return self.send_json(404, {"error": "Revision Not Found"})
                entry = repo.files.get(file_path)
                if entry is None:
                    return self.send_json(404, {"error": "Entry not found"})
                if file_path in args.fail:
                    return self.send_json(500, {"error": "emulated failure"})
                common = [("X-Repo-Commit", repo.commit)]
                if entry["sha256"]:
                    self.send_response(302)
                    self.send_header("Location", "/cdn/%s?file=%s" % (
                        entry["sha256"], urllib.parse.quote(file_path)))
                    self.send_header("X-Linked-Etag", '"%s"' % entry["sha256"])
                    self.send_header("X-Linked-Size", str(entry["size"]))
                    self.send_header("ETag", '"%s"' % entry["blob_id"])
                    for k, v in common:
                        self.send_header(k, v)
                    self.send_header("Content-Length", "0")
                    self.end_headers()
                    return
                return self.send_file(file_path, entry["full"], entry["size"],
                                      '"%s"' % entry["blob_id"], common)
            if path.startswith("/cdn/"):
                sha256 = path[len("/cdn/"):]
                full = repo.by_sha256.get(sha256)
                if full is None:
                    return self.send_json(404, {"error": "no such object"})
                name = query.get("file", [""])[0]
                if name in args.fail:
                    return self.send_json(500, {"error": "emulated failure"})
                return self.send_file(name, full, os.path.getsize(full), '"%s"' % sha256, [])
            return self.send_json(404, {"error": "not found"})

        def send_file(self, name, full, size, etag, headers):
            start, end, code = 0, size - 1, 200
            rng = self.headers.get("Range")
            if rng:
                m = re.match(r"^bytes=(\d+)-(\d*)$", rng.strip())
                if not m:
                    return self.send_json(416, {"error": "bad range"})
                start = int(m.group(1))
                end = min(int(m.group(2)) if m.group(2) else size - 1, size - 1)
                if start >= size or end < start:
                    return self.send_json(416, {"error": "range not satisfiable"},
                                          [("Content-Range", "bytes */%d" % size)])
                code = 206
            length = end - start + 1 if size else 0
            self.send_response(code)
            self.send_header("Content-Length", str(length))
            self.send_header("Accept-Ranges", "bytes")
            self.send_header("ETag", etag)
            if code == 206:
                self.send_header("Content-Range", "bytes %d-%d/%d" % (start, end, size))
            for k, v in headers:
                self.send_header(k, v)
            self.end_headers()
            if self.command == "HEAD" or length == 0:
                return
            with open(full, "rb") as f:
                if name in args.corrupt:
                    f.seek(start)
                    data = bytearray(f.read(length))
                    data[0] ^= 0xFF
                    self.wfile.write(bytes(data))
                else:
                    self.connection.sendfile(f, start, length)
            stats.add(name, length)

    return Handler


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--root", required=True)
    parser.add_argument("--repo", required=True)
    parser.add_argument("--branch", default="main")
    parser.add_argument("--tag", default=None)
    parser.add_argument("--lfs-threshold", type=int, default=1 << 20)
    parser.add_argument("--token", default="")
    parser.add_argument("--corrupt", action="append", default=[])
    parser.add_argument("--fail", action="append", default=[])
    parser.add_argument("--port", type=int, default=0)
    parser.add_argument("--port-file", required=True)
    args = parser.parse_args()
    repo = Repo(args.root, args.repo, args.branch, args.tag, args.lfs_threshold)
    server = ThreadingHTTPServer(("127.0.0.1", args.port), make_handler(repo, args, Stats()))
    server.daemon_threads = True
    tmp = args.port_file + ".tmp"
    with open(tmp, "w") as f:
        f.write("%d %s\n" % (server.server_address[1], repo.commit))
    os.rename(tmp, args.port_file)
    server.serve_forever()


if __name__ == "__main__":
    main()
