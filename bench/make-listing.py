#!/usr/bin/env python3
"""Writes a tape manager's CSV listing for the sync benchmark, in the columns of
fixtures/sync/slab-a-daily-csv.toml: one row per disk file, the volume's and tape file's
columns repeated on each row, deterministic for given arguments.

    bench/make-listing.py VOLUMES DISKFILES_PER_VOLUME CHANGED_PERCENT > listing.csv

CHANGED_PERCENT of the volumes (every k-th) get another size and unload time, so that
a listing made with 0 and one made with 1 differ in 1% of the volumes.
"""
import sys

volumes, per_volume, changed = int(sys.argv[1]), int(sys.argv[2]), float(sys.argv[3])
step = int(100 / changed) if changed > 0 else 0
groups = ["VG_SLAB_A-DAILY", "VG_SLAB_A_BRCOM-DAILY"]
subvols = ["SALES", "FINANCE", "HR", "INVENT", "PAYROLL", "STOCK", "ORDERS", "LEDGER"]
out = sys.stdout
out.write("VOLSER,POOLGROUP,STATUS,ENC,LASTWRITE,LASTUNLOAD,OWNER,BYTES,COMMENT,DSMSTATUS,LABELTYPE,"
          "VOLSET,VOLIDX,FILEID,GEN,SECTION,CREATED,EXPIRES,MODE,DISKFILE,DUMPED,FTYPE,FCODE,EOF\n")
# Sorted by scope (volume group), as a listing should be for sync.
for v in [v for g in (0, 1) for v in range(volumes) if v % 2 == g]:
    label = "B%05d" % v
    group = groups[v % 2]
    day = 1 + v % 28
    size = 10_000_000_000 + v * 7919
    unload = "2022-01-%02d 23:%02d:%02d" % (day, v % 60, (v * 7) % 60)
    if step and v % step == 0:
        size += 1
        unload = "2022-01-%02d 23:%02d:%02d" % (day, (v + 1) % 60, (v * 7) % 60)
    vol = "%s,%s,A,N,2022-01-%02d 22:15:02,%s,SUPER.BACKUP,%d,,ASG,BACKUP,%s,1" % (
        label, group, day, unload, size, label)
    gen = 1 + v // 2
    tape = "SLABA-%s,%d,1,2022-01-%02d 22:15:02,2022-02-28 22:15:02,BKFI" % (
        "BAK11-DAILY" if v % 2 == 0 else "BRCOM-DAILY", gen, day)
    dumped = "2022-01-%02d 22:15:02" % day
    rows = []
    for d in range(per_volume):
        name = "\\ETINIUM.$DATA%02d.%s.F%07d" % (d % 7, subvols[(d // 7) % 8], d)
        rows.append((name, "%s,%s,%s,%s,Enscribe,0,%d\n" % (vol, tape, name, dumped, (d * 4096) % 99_999_999)))
    rows.sort()
    if not rows:
        out.write(vol + "," * 11 + "\n")
    for _, r in rows:
        out.write(r)
