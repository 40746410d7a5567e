# SPDX-License-Identifier: LGPL-2.1-or-later
"""What `info rseq', `info rseq threads' and `maint rseq check' print.

The commands themselves are declared in commands.py, which GDB's start-up
loads; this module, and the tables it reads, are loaded by the first of
them a user runs.
"""

import re

import gdb

from . import registry as _registry
from . import threads as _threads


def _addr_width():
    """Hex digits of an address of the current target, as GDB pads them in
    `info breakpoints'."""
    try:
        bits = gdb.lookup_type("void").pointer().sizeof * 8
    except gdb.error:
        bits = 64
    return bits // 4


def _hex(addr, width):
    return "0x%0*x" % (width, addr)


def _where(addr):
    """FILE:LINE of ADDR when there is line information, else <SYM+OFF>."""
    sal = gdb.find_pc_line(addr)
    if sal.symtab is not None and sal.line:
        return "%s:%d" % (sal.symtab.filename, sal.line)
    text = gdb.format_address(addr) if hasattr(gdb, "format_address") else ""
    i = text.find("<")
    return text[i:] if i >= 0 else ""


def _address_of(value):
    """The address VALUE designates: a function's entry, a pointer's or an
    integer's value, as `info symbol' and `x' take them."""
    code = value.type.strip_typedefs().code
    if code == gdb.TYPE_CODE_FUNC:
        value = value.address
    elif code not in (gdb.TYPE_CODE_PTR, gdb.TYPE_CODE_INT):
        if value.address is None:
            raise gdb.GdbError("Not an address: %s" % value)
        value = value.address
    return int(value) & 0xffffffffffffffff


def info_rseq(arg):
    """`info rseq [ADDRESS | /REGEXP]'.  Descriptors the kernel would
    reject are listed among the others, each followed by why gdb-rseq
    does not step with it."""
    arg = arg.strip()
    regs = _registry.registry
    # C.s. missing from the tables but armed by a thread (JIT code)
    # are listed too.
    _threads.learn_armed()
    if arg.startswith("/"):
        try:
            pat = re.compile(arg[1:])
        except re.error as e:
            raise gdb.GdbError("Invalid regexp %r: %s" % (arg[1:], e))
        found = [cs for cs in regs.sections() + regs.rejected()
                 if pat.search(cs.objfile or "(memory)")]
        if not found:
            gdb.write("No rseq critical sections in objfiles matching "
                      "%s.\n" % arg[1:])
            return
    elif arg:
        addr = _address_of(gdb.parse_and_eval(arg))
        cs = regs.lookup(addr)
        # A rejected descriptor over ADDR says why nothing holds it.
        found = [cs] if cs is not None else [
            r for r in regs.rejected() if r.contains(addr)]
        if not found:
            gdb.write("No rseq critical section contains %#x.\n" % addr)
            return
    else:
        found = regs.sections() + regs.rejected()
        if not found:
            gdb.write("No rseq critical sections in the loaded "
                      "objfiles.\n")
            return
    found.sort(key=lambda c: c.start)
    _print_sections(found)


def _print_sections(found):
    w = _addr_width()
    # "Post-commit" is wider than a 32-bit address.
    col = max(w + 2, len("Post-commit"))
    rows = [(cs, _where(cs.start)) for cs in found]
    where_w = max([len("Where")] + [len(r[1]) for r in rows])
    gdb.write("%-*s %-*s %-*s %-*s %s\n"
              % (col, "Start", col, "Post-commit", col, "Abort",
                 where_w, "Where", "Objfile"))
    for cs, where in rows:
        gdb.write("%-*s %-*s %-*s %-*s %s\n"
                  % (col, _hex(cs.start, w), col, _hex(cs.post_commit, w),
                     col, _hex(cs.abort, w), where_w, where,
                     cs.objfile or "(memory)"))
        for e in cs.exits:
            gdb.write("    exit %s %s\n" % (_hex(e.ip, w), e.kind))
        if cs.rejected:
            gdb.write("    rejected, not used for stepping: %s\n"
                      % cs.rejected)


def info_rseq_threads(arg):
    """`info rseq threads'."""
    if arg.strip():
        raise gdb.GdbError("info rseq threads takes no arguments.")
    inf = gdb.selected_inferior()
    if not inf.pid:
        gdb.write("No threads: the program is not being run.\n")
        return
    cur = gdb.selected_thread()
    w = _addr_width()
    col = w + 2
    rows = []
    for t in sorted(inf.threads(), key=lambda t: t.num):
        st = _threads.state(t)
        if st.area is None:
            rows.append((t, "-", "-", "-", "-", "no"
                         if not st.inside else "yes"))
            continue
        armed = "0"
        if st.rseq_cs:
            armed = _hex(st.rseq_cs, w)
        cs = ("%#x-%#x" % (st.cs.start, st.cs.post_commit)
              if st.cs is not None else "-")
        rows.append((t, _hex(st.area, w),
                     str(st.cpu_id) if st.cpu_id is not None else "?",
                     armed, cs, "yes" if st.inside else "no"))
    if all(r[1] == "-" for r in rows):
        gdb.write("No thread of this inferior has registered rseq.\n")
        return
    cs_w = max([len("Critical section")] + [len(r[4]) for r in rows])
    gdb.write("  %-4s %-*s %-4s %-*s %-*s %s\n"
              % ("Id", col, "Area", "CPU", col, "Armed", cs_w,
                 "Critical section", "Inside"))
    for t, area, cpu, armed, cs, inside in rows:
        gdb.write("%s %-4s %-*s %-4s %-*s %-*s %s\n"
                  % ("*" if t == cur else " ", t.num, col, area, cpu,
                     col, armed, cs_w, cs, inside))


def maint_check(arg):
    """`maintenance rseq check'."""
    if arg.strip():
        raise gdb.GdbError("maintenance rseq check takes no arguments.")
    shown = 0
    for name, path, source, bias, count, diags, rejected in \
            _registry.registry.objfile_entries():
        if path is not None and count:
            # Again, with exits derived by the reader, so that its
            # declared/derived cross-checks are reported too.
            try:
                import _gdb_rseq
                diags = _gdb_rseq.read_file(path).diagnostics
            except (OSError, ValueError) as e:
                from .objfiles import Finding
                diags = [Finding("error", None, str(e))]
        if not count and not diags:
            continue
        shown += 1
        gdb.write("%s: %d critical section%s from %s, load bias %#x\n"
                  % (name, count, "" if count == 1 else "s",
                     source or "no table", bias))
        for d in diags:
            where = ((" %#x:" % ((d.ip + bias) & 0xffffffffffffffff))
                     if d.ip is not None else "")
            gdb.write("  %s:%s %s\n" % (d.severity, where, d.msg))
        for r, why in rejected:
            gdb.write("  rejected: %#x: %s\n"
                      % ((r.start_ip + bias) & 0xffffffffffffffff, why))
        if not diags:
            gdb.write("  no findings\n")
    if not shown:
        gdb.write("No rseq tables or findings in the loaded objfiles.\n")
