#!/usr/bin/env python3
"""Fail unless the file is an ELF shared object for SBPF v3 (EM_BPF = 247, e_flags = 3)."""
import struct
import sys

path = sys.argv[1]
with open(path, "rb") as f:
    header = f.read(64)
if header[:4] != b"\x7fELF" or header[4] != 2 or header[5] != 1:
    sys.exit(f"check_elf: {path} is not a 64-bit little-endian ELF file")
e_type, e_machine = struct.unpack_from("<HH", header, 16)
(e_flags,) = struct.unpack_from("<I", header, 48)
if e_machine != 247 or e_flags != 3:
    sys.exit(f"check_elf: {path} has e_machine={e_machine}, e_flags={e_flags}; expected 247 (BPF) and 3 (SBPF v3)")
