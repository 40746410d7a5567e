"""Compare rseq-readelf --json output with the library's own result.

Usage: json-compare.py EXPECTED.json ACTUAL.json

EXPECTED is fixture-check --dump (the library's view, itself checked against
the symbol table); ACTUAL is what rseq-readelf printed.  Both must be one
object, or arrays of objects, of the documented shape.  Exit 0 if they are
equal, 1 with the differences otherwise.
"""

import json
import sys

CS_KEYS = {"start_ip", "post_commit_ip", "abort_ip", "descriptor",
           "signature", "flags", "version", "exits"}
FILE_KEYS = {"file", "machine", "class", "endianness", "critical_sections",
             "diagnostics"}


def is_int(v):
    return isinstance(v, int) and not isinstance(v, bool)


def shape_errors(obj, where):
    """What in OBJ departs from the documented --json shape."""
    errs = []

    def err(msg):
        errs.append("%s: %s" % (where, msg))

    if not isinstance(obj, dict):
        return ["%s: not an object" % where]
    if set(obj) != FILE_KEYS:
        err("keys %s, expected %s" % (sorted(obj), sorted(FILE_KEYS)))
        return errs
    if not isinstance(obj["file"], str) or not isinstance(obj["machine"], str):
        err("file and machine must be strings")
    if obj["class"] not in (32, 64):
        err("class %r" % (obj["class"],))
    if obj["endianness"] not in ("little", "big"):
        err("endianness %r" % (obj["endianness"],))
    for i, cs in enumerate(obj["critical_sections"]):
        w = "critical_sections[%d]" % i
        if not isinstance(cs, dict) or set(cs) != CS_KEYS:
            err("%s keys %s" % (w, sorted(cs) if isinstance(cs, dict) else cs))
            continue
        for k in ("start_ip", "post_commit_ip", "abort_ip", "flags",
                  "version"):
            if not is_int(cs[k]) or cs[k] < 0:
                err("%s.%s is %r" % (w, k, cs[k]))
        for k in ("descriptor", "signature"):
            if cs[k] is not None and not is_int(cs[k]):
                err("%s.%s is %r" % (w, k, cs[k]))
        for x in cs["exits"]:
            if (not isinstance(x, dict) or set(x) != {"ip", "kind"}
                    or not is_int(x["ip"])
                    or x["kind"] not in ("declared", "derived")):
                err("%s: bad exit %r" % (w, x))
            elif x["ip"] in (cs["post_commit_ip"], cs["abort_ip"]):
                err("%s: exits list post-commit or abort ip" % w)
    for i, d in enumerate(obj["diagnostics"]):
        if (not isinstance(d, dict) or set(d) != {"severity", "ip", "message"}
                or d["severity"] not in ("error", "warning", "note")
                or not (d["ip"] is None or is_int(d["ip"]))
                or not isinstance(d["message"], str) or not d["message"]):
            err("diagnostics[%d] is %r" % (i, d))
    return errs


def main():
    with open(sys.argv[1]) as f:
        expected = json.load(f)
    with open(sys.argv[2]) as f:
        text = f.read()
    try:
        actual = json.loads(text)
    except ValueError as e:
        print("%s: not JSON: %s" % (sys.argv[2], e))
        print(text[:2000])
        return 1
    exp_list = expected if isinstance(expected, list) else [expected]
    act_list = actual if isinstance(actual, list) else [actual]
    if isinstance(expected, list) != isinstance(actual, list):
        print("expected %s, got %s" % (type(expected).__name__,
                                       type(actual).__name__))
        return 1
    errs = []
    for i, a in enumerate(act_list):
        errs += shape_errors(a, "%s[%d]" % (sys.argv[2], i))
    if not errs and exp_list != act_list:
        errs.append("output differs from the library's result")
        errs.append("library: " + json.dumps(expected, sort_keys=True))
        errs.append("cli:     " + json.dumps(actual, sort_keys=True))
    for e in errs:
        print(e)
    return 1 if errs else 0


if __name__ == "__main__":
    sys.exit(main())
