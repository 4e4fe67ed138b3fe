#!/usr/bin/python3
# SPDX-License-Identifier: MIT
# Checks that every #include under src/ and fuzz/ points only downward:
# base -> proto -> core -> rooms -> cmd (a room is any other folder of src/).
"""Usage: check-includes.py [ROOT]

ROOT (default: the repository holding this script) has src/ and fuzz/.
A file may include, by layer:
  base    base
  proto   base, proto
  core    base, proto, core
  <room>  base, proto, core and its own folder (src/dns, src/dhcp, ...)
  cmd     anything
  fuzz/   anything but cmd, except the room table (cmd/rooms.h), which
          sits above every room and below the fuzz targets and the mains
An include is resolved like the compiler does: next to the including file
first, then under src/ (the only include directory). Prints each violation as
FILE:LINE: ... and exits 1 if there is any, 0 otherwise.
"""
import os
import re
import sys

RANK = {"base": 0, "proto": 1, "core": 2, "cmd": 4}
ROOM_RANK = 3
TABLE_RANK = 3.25  # src/cmd/rooms.*: the room table, above every room
FUZZ_RANK = 3.5  # above every room and the table, below cmd
INCLUDE = re.compile(r'^\s*#\s*include\s*([<"])([^>"]+)[>"]')
SOURCES = (".c", ".h")


def layer_of(root, path):
    """(name, rank, room) of a file under root/src or root/fuzz, or None."""
    rel = os.path.relpath(path, root).split(os.sep)
    if rel[0] == "fuzz":
        return ("fuzz", FUZZ_RANK, None)
    if rel[0] != "src" or len(rel) < 3:
        return None  # outside src/ or directly in src/: no layer
    top = rel[1]
    if top == "cmd" and len(rel) == 3 and rel[2].startswith("rooms."):
        return ("room table", TABLE_RANK, None)
    if top in RANK:
        return (top, RANK[top], None)
    return ("room " + top, ROOM_RANK, top)


def resolve(root, including, name, quoted):
    candidates = [os.path.join(root, "src", name)]
    if quoted:
        candidates.insert(0, os.path.join(os.path.dirname(including), name))
    for c in candidates:
        if os.path.isfile(c):
            return os.path.normpath(c)
    return None


def check_file(root, path):
    src = layer_of(root, path)
    problems = []
    with open(path, encoding="utf-8", errors="replace") as f:
        for lineno, line in enumerate(f, 1):
            m = INCLUDE.match(line)
            if not m:
                continue
            quoted, name = m.group(1) == '"', m.group(2)
            target = resolve(root, path, name, quoted)
            if target is None:
                if quoted:
                    problems.append((lineno, "include %s does not resolve "
                                     "under src/" % name))
                continue  # a system header
            dst = layer_of(root, target)
            if src is None or dst is None:
                continue
            if dst[1] > src[1]:
                problems.append((lineno, "include %s reaches up from layer "
                                 "%s to %s" % (name, src[0], dst[0])))
            elif src[2] and dst[2] and src[2] != dst[2]:
                problems.append((lineno, "include %s reaches across from %s "
                                 "to %s" % (name, src[0], dst[0])))
    return problems


def main(argv):
    if len(argv) > 2 or (len(argv) == 2 and argv[1].startswith("-")):
        sys.stderr.write(__doc__)
        return 2
    root = os.path.abspath(argv[1] if len(argv) == 2 else
                           os.path.join(os.path.dirname(__file__), ".."))
    if not os.path.isdir(os.path.join(root, "src")):
        sys.stderr.write("check-includes: %s has no src/\n" % root)
        return 2
    count = 0
    for top in ("src", "fuzz"):
        for d, dirs, files in os.walk(os.path.join(root, top)):
            dirs.sort()
            for fn in sorted(files):
                if not fn.endswith(SOURCES):
                    continue
                path = os.path.join(d, fn)
                for lineno, what in check_file(root, path):
                    print("%s:%d: %s" % (os.path.relpath(path, root),
                                         lineno, what))
                    count += 1
    if count:
        print("check-includes: %d include(s) not pointing downward" % count)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
