"""Check what rseq-readelf read from an arm64 build of arm64-cs.c.

Usage: arm64-check.py READELF.json SYMBOLS.txt EXITS-KIND

READELF.json is rseq-readelf --json on the program; SYMBOLS.txt is
"readelf -sW" on it, whose local labels (rseq-test.h names them) say
where each c.s. starts, commits, aborts and exits.  EXITS-KIND is the
kind every exit must have: "declared", or "derived" when the exit table
was removed and the exits could only come from disassembly.  Exit 0 when
every c.s. is read as its labels say, 1 with the differences.
"""

import json
import sys

SIGNATURE = 0xd428bc00      # brk #0x45e0, librseq's RSEQ_SIG_CODE

# Each c.s. of rseq-test.h's aarch64 branch and its exits' labels.
SECTIONS = {
    "percpu_addv": [],
    "percpu_cmpstore": ["ne"],
    "percpu_addv_spin": [],
    "percpu_addv_retry": [],
    "percpu_addv_bounded": ["zero", "odd", "full"],
    "percpu_addv_llsc": [],
}


def symbols(path):
    syms = {}
    with open(path) as f:
        for line in f:
            fields = line.split()
            if len(fields) == 8 and fields[0].endswith(":"):
                try:
                    syms.setdefault(fields[7], []).append(int(fields[1], 16))
                except ValueError:
                    pass
    return syms


def main(json_path, syms_path, kind):
    with open(json_path) as f:
        doc = json.load(f)
    syms = symbols(syms_path)
    errs = []

    def sym(name):
        values = syms.get(name, [])
        if len(values) != 1:
            errs.append("label %s defined %d times" % (name, len(values)))
            return None
        return values[0]

    if doc["machine"] != "aarch64" or doc["class"] != 64 \
       or doc["endianness"] != "little":
        errs.append("read as %s, %s-bit, %s-endian"
                    % (doc["machine"], doc["class"], doc["endianness"]))
    by_start = {cs["start_ip"]: cs for cs in doc["critical_sections"]}
    if len(doc["critical_sections"]) != len(SECTIONS):
        errs.append("%d c.s. read, %d expected"
                    % (len(doc["critical_sections"]), len(SECTIONS)))
    for name, exits in SECTIONS.items():
        start = sym(name + "_start")
        cs = by_start.get(start)
        if cs is None:
            errs.append("%s: no c.s. starts at %s" % (name, start))
            continue
        want = {
            "post_commit_ip": sym(name + "_post_commit"),
            "abort_ip": sym(name + "_abort"),
            "descriptor": sym(name + "_cs"),
            "signature": SIGNATURE,
            "version": 0,
            "flags": 0,
        }
        for key, value in want.items():
            if cs[key] != value:
                errs.append("%s: %s is %r, expected %r"
                            % (name, key, cs[key], value))
        got = sorted((e["ip"], e["kind"]) for e in cs["exits"])
        expected = sorted((sym("%s_%s" % (name, e)), kind) for e in exits)
        if got != expected:
            errs.append("%s: exits %s, expected %s"
                        % (name, [(hex(i), k) for i, k in got],
                           [(hex(i) if i is not None else i, k)
                            for i, k in expected]))
    for d in doc["diagnostics"]:
        if d["severity"] != "note":
            errs.append("%s: %s" % (d["severity"], d["message"]))
    for e in errs:
        print(e)
    return 1 if errs else 0


if __name__ == "__main__":
    sys.exit(main(*sys.argv[1:]))
