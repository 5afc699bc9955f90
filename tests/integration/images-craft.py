#!/usr/bin/env python3
"""Hand-made layers and Docker archives for tests/integration/images.bats,
including the hostile ones no real tool would write.

  images-craft.py layer OUT.tar 'JSON list of entries'
      entries: {"name": N, "type": "file"|"dir"|"symlink"|"hardlink",
                "data": TEXT, "target": T, "mode": 0o644}
  images-craft.py docker OUT.tar [--tag NAME:TAG] LAYER...
      a Docker archive (manifest.json) whose config names the layers'
      diff_ids (computed from the decompressed layer when it can be).
"""
import gzip
import hashlib
import io
import json
import subprocess
import sys
import tarfile


def layer(out, spec):
    with tarfile.open(out, "w", format=tarfile.PAX_FORMAT) as t:
        for e in json.loads(spec):
            ti = tarfile.TarInfo(e["name"])
            ti.mtime = 1704067200
            ti.mode = e.get("mode", 0o755 if e["type"] == "dir" else 0o644)
            data = None
            if e["type"] == "dir":
                ti.type = tarfile.DIRTYPE
            elif e["type"] == "symlink":
                ti.type = tarfile.SYMTYPE
                ti.linkname = e["target"]
            elif e["type"] == "hardlink":
                ti.type = tarfile.LNKTYPE
                ti.linkname = e["target"]
            else:
                data = e.get("data", "").encode()
                ti.size = len(data)
            t.addfile(ti, io.BytesIO(data) if data is not None else None)


def plain(data):
    try:
        if data[:2] == b"\x1f\x8b":
            return gzip.decompress(data)
        if data[:4] == b"\x28\xb5\x2f\xfd":
            return subprocess.run(["zstd", "-dc"], input=data, capture_output=True, check=True).stdout
    except Exception:
        pass
    return data


def docker(out, args):
    tag = None
    if args and args[0] == "--tag":
        tag, args = args[1], args[2:]
    blobs = [open(p, "rb").read() for p in args]
    diff_ids = ["sha256:" + hashlib.sha256(plain(b)).hexdigest() for b in blobs]
    config = json.dumps({
        "architecture": "amd64", "os": "linux", "created": "2024-01-01T00:00:00Z",
        "config": {"Cmd": ["sh"], "Env": ["PATH=/usr/sbin:/usr/bin:/sbin:/bin"]},
        "rootfs": {"type": "layers", "diff_ids": diff_ids},
        "history": [{"created": "2024-01-01T00:00:00Z", "created_by": "craft %d" % i} for i in range(len(blobs))],
    }, separators=(",", ":")).encode()
    cname = hashlib.sha256(config).hexdigest() + ".json"
    names = ["l%d/layer.tar" % i for i in range(len(blobs))]
    manifest = json.dumps([{"Config": cname, "RepoTags": [tag] if tag else None, "Layers": names}]).encode()
    with tarfile.open(out, "w") as t:
        for name, data in [(cname, config)] + list(zip(names, blobs)) + [("manifest.json", manifest)]:
            ti = tarfile.TarInfo(name)
            ti.size = len(data)
            t.addfile(ti, io.BytesIO(data))


if __name__ == "__main__":
    if sys.argv[1] == "layer":
        layer(sys.argv[2], sys.argv[3])
    elif sys.argv[1] == "docker":
        docker(sys.argv[2], sys.argv[3:])
    else:
        sys.exit("unknown command " + sys.argv[1])
