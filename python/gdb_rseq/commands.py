# SPDX-License-Identifier: LGPL-2.1-or-later
"""`info rseq', `info rseq threads' and `maint rseq check'."""

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


class InfoRseq(gdb.Command):
    """List the rseq critical sections of the loaded objfiles.
Usage: info rseq [ADDRESS | /REGEXP]

Each line shows a critical section's start, post-commit and abort
addresses (run-time addresses: the objfile's load bias is applied), the
source location of its start and the objfile it was read from, followed by
its exit points with their kind: "declared" in the file's exit-point table
or "derived" by disassembling the section.  Post-commit and abort are
always exits and are not repeated.

With ADDRESS (an expression), list only the critical section whose range
[start, post-commit) holds that address.  With /REGEXP, list only those of
objfiles whose file name matches REGEXP.

Critical sections that were not in any table but that a thread armed (JIT
code, stripped tables) appear with objfile "(memory)" once GDB has seen
them, e.g. through `info rseq threads'."""

    def __init__(self):
        super().__init__("info rseq", gdb.COMMAND_STATUS,
                         gdb.COMPLETE_EXPRESSION, prefix=True)

    def invoke(self, arg, from_tty):
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
            found = [cs for cs in regs.sections()
                     if pat.search(cs.objfile or "(memory)")]
            if not found:
                gdb.write("No rseq critical sections in objfiles matching "
                          "%s.\n" % arg[1:])
                return
        elif arg:
            addr = _address_of(gdb.parse_and_eval(arg))
            cs = regs.lookup(addr)
            if cs is None:
                gdb.write("No rseq critical section contains %#x.\n" % addr)
                return
            found = [cs]
        else:
            found = regs.sections()
            if not found:
                gdb.write("No rseq critical sections in the loaded "
                          "objfiles.\n")
                return
        self._print(found)

    @staticmethod
    def _print(found):
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


class InfoRseqThreads(gdb.Command):
    """List each thread's rseq registration.
Usage: info rseq threads

For every thread of the current inferior: where its struct rseq is (found
with ptrace on a native process, else through glibc's __rseq_offset,
librseq's rseq_offset or the __rseq_abi TLS variable), the CPU the kernel
last recorded (cpu_id), the descriptor armed in its rseq_cs field and the
critical section that descriptor describes, and whether the thread's PC is
inside a critical section.  A thread stopped inside one is aborted to the
abort handler as soon as it resumes.

The armed descriptor is kept by the kernel until it next preempts the
thread outside the range, so a thread that has left a critical section may
still show it armed: the "Inside" column tells."""

    def __init__(self):
        super().__init__("info rseq threads", gdb.COMMAND_STATUS,
                         gdb.COMPLETE_NONE)

    def invoke(self, arg, from_tty):
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


class MaintRseqCheck(gdb.Command):
    """Show what the rseq table reader found in the loaded objfiles.
Usage: maintenance rseq check

For every objfile with rseq tables (or diagnostics): which table the
critical sections came from, how many, the load bias applied to them, and
each finding of the reader (invalid descriptors, a signature that does not
match, declared exits that disassembly contradicts, ...)."""

    def __init__(self):
        super().__init__("maintenance rseq check", gdb.COMMAND_MAINTENANCE,
                         gdb.COMPLETE_NONE)

    def invoke(self, arg, from_tty):
        if arg.strip():
            raise gdb.GdbError("maintenance rseq check takes no arguments.")
        shown = 0
        for name, path, source, bias, count, diags in \
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
                where = (" %#x:" % (d.ip + bias)) if d.ip is not None else ""
                gdb.write("  %s:%s %s\n" % (d.severity, where, d.msg))
            if not diags:
                gdb.write("  no findings\n")
        if not shown:
            gdb.write("No rseq tables or findings in the loaded objfiles.\n")


InfoRseq()
InfoRseqThreads()
MaintRseqCheck()
