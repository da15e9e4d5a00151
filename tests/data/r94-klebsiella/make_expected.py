#!/usr/bin/python3
"""Writes expected.tsv: the HDF5 library's decode (through h5dump, Debian package hdf5-tools) of every FAST5 file here.

These three single-read files (R9.4.1 Klebsiella, MinKNOW 2017; deepnano-blitz test_sample, MIT) keep the links of
/Raw/Reads and /UniqueGlobalKey as link messages in the groups' object headers, while their parents' symbol tables
still cache an old, empty symbol table for them. The HDF5 library reads the headers, so its decode is the reference.
Layout as in ../formats/expected/*.tsv, sorted by read id:
read_id<TAB>number_of_samples<TAB>sum_of_raw_samples<TAB>first five raw samples, comma-separated.
Run: python3 make_expected.py
"""
import glob
import os
import re
import subprocess

here = os.path.dirname(os.path.abspath(__file__))


def h5dump(*args):
    return subprocess.run(["h5dump", *args], check=True, capture_output=True, text=True).stdout


lines = []
for path in sorted(glob.glob(os.path.join(here, "*.fast5"))):
    groups = re.findall(r"group\s+/Raw/Reads/(Read_\d+)$", h5dump("-n", path), re.M)
    for group in groups:
        attribute = h5dump("-a", f"/Raw/Reads/{group}/read_id", path)
        read_id = re.search(r'\(0\): "([^"]+)"', attribute).group(1)
        dump = h5dump("-y", "-w", "0", "-d", f"/Raw/Reads/{group}/Signal", path)
        data = dump[dump.index("DATA {") + len("DATA {"):dump.rindex("}", 0, dump.rindex("}"))]
        signal = [int(v) for v in re.findall(r"-?\d+", data)]
        first = ",".join(str(s) for s in signal[:5])
        lines.append(f"{read_id}\t{len(signal)}\t{sum(signal)}\t{first}")

with open(os.path.join(here, "expected.tsv"), "w") as out:
    out.write("".join(line + "\n" for line in sorted(lines)))
