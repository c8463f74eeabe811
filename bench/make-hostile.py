#!/usr/bin/env python3
"""Builds the inputs of bench/run.sh's `hostile` rows: records that carry 10,000 distinct
unknown keys each (legal: formats/README.md section 6), beside inputs of the same byte size
without them.

    bench/make-hostile.py CATSTAGE OUT

OUT/keys-area      a staging area whose one volume file has 1,200 disk files of 10,000
                   unknown keys each (about 71 MB), sealed
OUT/plain-area     a staging area of one volume file as large, of ordinary disk files
OUT/keys.tar.zst   a raw package whose manifest's 300 file records carry 10,000 unknown
                   keys each (a manifest of about 18 MB)
OUT/plain.tar.zst  a raw package whose manifest is as large, of ordinary records (about
                   112,000 small files)
"""
import hashlib, os, subprocess, sys

cat, out = sys.argv[1], sys.argv[2]
os.makedirs(out, exist_ok=True)
AREA_LINES, LINES, KEYS = 1200, 300, 10_000
ALPHA = "abcdefghijklmnopqrstuvwxyz"
B36 = ALPHA + "0123456789"


def keys():
    """10,000 distinct lower-case keys of one to three characters, a letter first."""
    names = [a for a in ALPHA] + [a + b for a in ALPHA for b in B36]
    names += [a + b + c for a in ALPHA for b in B36 for c in B36]
    # None of the records' own keys (a key given twice is an error, not an unknown key).
    known = {"name", "fileid", "gen", "version", "copy", "dumped", "type", "code", "eof", "status", "size",
             "mtime", "nsec", "sha256", "packed"}
    return " ".join(f"{k}=1" for k in [n for n in names if n not in known][:KEYS])


EXTRA = " " + keys()


def run(*args):
    subprocess.run([cat, *args], check=True, stdout=subprocess.DEVNULL)


def reseal(text):
    body = text.encode()
    n = body.count(b"\n")
    return body + f"END lines={n} sha256={hashlib.sha256(body).hexdigest()}\n".encode()


# Staging areas: the volume file's disk-file lines get the keys, then seal rewrites the
# trailer and the summary entry.
area = os.path.join(out, "keys-area")
if not os.path.exists(area):
    run("generate", "-o", area, "--volumes", "1", "--diskfiles", "6000")
    (vol,) = [f for f in os.listdir(area) if f.startswith("V")]
    path = os.path.join(area, vol)
    lines = open(path).read().splitlines()[:-1]
    disk = [i for i, l in enumerate(lines) if l.startswith("diskfile ")][:AREA_LINES]
    assert len(disk) == AREA_LINES, len(disk)
    for i in disk:
        lines[i] += EXTRA
    open(path, "wb").write(reseal("\n".join(lines) + "\n"))
    run("seal", area, vol)
size = sum(os.path.getsize(os.path.join(area, f)) for f in os.listdir(area))
plain = os.path.join(out, "plain-area")
if not os.path.exists(plain):
    # One volume file of ordinary disk files, as many bytes (within 2%).
    n = size // 50
    for _ in range(12):
        run("generate", "-o", plain, "--volumes", "1", "--diskfiles", str(n))
        got = sum(os.path.getsize(os.path.join(plain, f)) for f in os.listdir(plain))
        if abs(got - size) < size // 50:
            break
        subprocess.run(["rm", "-rf", plain], check=True)
        n = max(1, n * size // got)

# Packages: a raw package of LINES small files whose manifest is rewritten with the keys.
pkg = os.path.join(out, "keys.tar.zst")
if not os.path.exists(pkg):
    raw = os.path.join(out, "keys-raw")
    os.makedirs(raw, exist_ok=True)
    for i in range(LINES):
        with open(os.path.join(raw, f"V{i:05d}"), "w") as f:
            f.write("x\n")
    first = os.path.join(out, "keys-first.tar.zst")
    run("pack", "--raw", raw, "-o", first)
    tar = subprocess.run(["zstd", "-dc", first], check=True, capture_output=True).stdout
    head = bytearray(tar[:512])
    size0 = int(head[124:135], 8)
    rest = tar[512 + (size0 + 511) // 512 * 512:]
    text = tar[512:512 + size0].decode().splitlines()[:-1]
    text = [l + EXTRA if l.startswith("file ") else l for l in text]
    manifest = reseal("\n".join(text) + "\n")
    head[124:136] = b"%011o\0" % len(manifest)
    head[148:156] = b"        "
    head[148:156] = b"%06o  " % sum(head)
    body = bytes(head) + manifest + b"\0" * (-len(manifest) % 512)
    # The end-of-archive marker and padding follow the last member, as pack wrote them.
    archive = body + rest
    archive = archive.rstrip(b"\0")
    archive += b"\0" * (-len(archive) % 512) + b"\0" * 1024
    archive += b"\0" * (-len(archive) % 10240)
    subprocess.run(["zstd", "-q", "-3", "-c"], input=archive, check=True, stdout=open(pkg, "wb"))
    os.remove(first)
plain_pkg = os.path.join(out, "plain.tar.zst")
if not os.path.exists(plain_pkg):
    # As many manifest bytes of ordinary records: one small file each (about 158 bytes a
    # record).
    raw = os.path.join(out, "plain-raw")
    os.makedirs(raw, exist_ok=True)
    keys_manifest = LINES * (len(EXTRA) + 158)
    for i in range(keys_manifest // 158):
        with open(os.path.join(raw, f"V{i:06d}"), "w") as f:
            f.write("x\n")
    run("pack", "--raw", raw, "-o", plain_pkg)
