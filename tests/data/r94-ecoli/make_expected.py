#!/usr/bin/python3
"""Writes expected.tsv: the h5py decode of every single-read FAST5 file in this folder.

Layout as in ../formats/expected/*.tsv, sorted by read id:
read_id<TAB>number_of_samples<TAB>sum_of_raw_samples<TAB>first five raw samples, comma-separated.
Run with Debian's h5py: /usr/bin/python3 make_expected.py
"""
import glob
import os

import h5py

here = os.path.dirname(os.path.abspath(__file__))
lines = []
for path in sorted(glob.glob(os.path.join(here, "*.fast5"))):
    with h5py.File(path, "r") as f:
        for read in f["Raw/Reads"].values():
            read_id = read.attrs["read_id"]
            if isinstance(read_id, bytes):
                read_id = read_id.decode()
            signal = read["Signal"][()]
            first = ",".join(str(int(s)) for s in signal[:5])
            lines.append(f"{read_id}\t{len(signal)}\t{int(signal.astype('int64').sum())}\t{first}")

with open(os.path.join(here, "expected.tsv"), "w") as out:
    out.write("".join(line + "\n" for line in sorted(lines)))
