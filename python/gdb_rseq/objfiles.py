# SPDX-License-Identifier: LGPL-2.1-or-later
"""Where an objfile's rseq tables come from, and where GDB put the objfile.

An objfile whose file is on this machine is read by librseqelf (through
_gdb_rseq).  One known only to a remote target (a target: sysroot) is read
from the inferior's memory: its rseq sections are allocated, so the loaded
copy holds them.

GDB 13's Python has no load-bias API.  The bias is the difference between
where GDB put a section of the objfile (`maint info sections', one call
for all objfiles) and that section's address in the file: librseqelf names
that section (Tables.reference_section) from its own pass over the section
headers.  Tables keep the file's own addresses; the registry applies the
bias.
"""

import bisect
import collections
import operator
import os
import re
import struct

import gdb

from . import compat
from . import log
from . import target

try:
    import _gdb_rseq
except ImportError as e:  # the loader put it on sys.path; say so plainly
    raise ImportError("gdb-rseq: cannot load its native module _gdb_rseq "
                      "(%s); load gdb-rseq through its loader, "
                      "gdb-rseq.py" % e) from e

MAX_CS_LEN = 1 << 20        # a longer "c.s." is a corrupt descriptor

_ET_REL = 1
_ET_EXEC = 2
_TABLE_SECTIONS = ("__rseq_cs_ptr_array", "__rseq_cs", "__rseq_table")
_EXIT_SECTIONS = ("__rseq_exit_point_array", "__rseq_exit_point")

# The records below are plain classes: collections.namedtuple compiles
# each class it makes, which would cost more at start-up than the rest of
# this module.


class Tables:
    """An objfile's c.s. in the file's own address space.

raw: sorted by start_ip, each with the fields of _gdb_rseq.CriticalSection
(exits not derived yet), looked up with find and bisect (a
_gdb_rseq.CriticalSections, or a _RawTable).  source: the table section
("... (memory)" when read from memory), None when there is none.
ref_section, ref_addr: a section to measure the load bias by and its
address in the file (None: the file is not relocated).  diagnostics: the reader's findings.  path:
the local file, None when read from memory.  bias: the load bias already
known.  provisional: read from memory before the loader relocated it:
read again at a later stop.  rejected: (raw c.s., reason) of the
descriptors the kernel would reject (see judge), kept out of raw.  code:
[lo, hi) file-address ranges of the file's executable sections, or None
when unknown.  problems: what is wrong with the tables, one line each, for
the warning printed when they are read."""

    __slots__ = ("raw", "source", "ref_section", "ref_addr", "diagnostics",
                 "path", "bias", "provisional", "rejected", "code",
                 "problems")

    def __init__(self, raw, source, ref_section, ref_addr, diagnostics,
                 path, bias, provisional, rejected=(), code=None,
                 problems=()):
        self.raw = raw
        self.source = source
        self.ref_section = ref_section
        self.ref_addr = ref_addr
        self.diagnostics = diagnostics
        self.path = path
        self.bias = bias
        self.provisional = provisional
        self.rejected = rejected
        self.code = code
        self.problems = problems


class _RawCS:
    """The same fields as _gdb_rseq.CriticalSection, for a c.s. read from
    memory."""

    __slots__ = ("start_ip", "post_commit_ip", "abort_ip", "descriptor",
                 "signature", "flags", "version", "exits", "has_call",
                 "has_syscall")

    def __init__(self, start_ip, post_commit_ip, abort_ip, descriptor,
                 signature, flags, version, exits, has_call, has_syscall):
        self.start_ip = start_ip
        self.post_commit_ip = post_commit_ip
        self.abort_ip = abort_ip
        self.descriptor = descriptor
        self.signature = signature
        self.flags = flags
        self.version = version
        self.exits = exits
        self.has_call = has_call
        self.has_syscall = has_syscall


class _RawTable(list):
    """_RawCS sorted by start_ip, looked up by address as
    _gdb_rseq.CriticalSections are (see its find and bisect)."""

    __slots__ = ("_starts", "_max_len")

    def __init__(self, raw=()):
        super().__init__(sorted(raw, key=operator.attrgetter("start_ip")))
        self._starts = [r.start_ip for r in self]
        self._max_len = max((r.post_commit_ip - r.start_ip for r in self),
                            default=0)

    def find(self, addr):
        # Ranges do not overlap in practice; when they do (duplicated
        # descriptors), a c.s. starting up to _max_len earlier may hold
        # ADDR.
        i = bisect.bisect_right(self._starts, addr)
        while i > 0 and addr - self._starts[i - 1] < self._max_len:
            i -= 1
            if addr < self[i].post_commit_ip:
                return i
        return None

    def bisect(self, addr):
        return bisect.bisect_left(self._starts, addr)


class Finding:
    """A finding about an objfile's tables, like the reader's: SEVERITY
    ("error", "warning", ...), IP (file address, or None) and MSG."""

    __slots__ = ("severity", "ip", "msg")

    def __init__(self, severity, ip, msg):
        self.severity = severity
        self.ip = ip
        self.msg = msg


class _Placed(tuple):
    """Where GDB placed a section: [lo, hi), its file offset, SEC_ALLOC or
    not.  A tuple: callers slice it."""

    __slots__ = ()

    def __new__(cls, lo, hi, offset, alloc):
        return tuple.__new__(cls, (lo, hi, offset, alloc))

    lo = property(operator.itemgetter(0))
    hi = property(operator.itemgetter(1))
    offset = property(operator.itemgetter(2))
    alloc = property(operator.itemgetter(3))


def _no_tables(provisional=False, path=None):
    return Tables(_RawTable(), None, None, None, (), path, 0, provisional)


def unpack_descriptor(data, order):
    """(version, flags, start_ip, post_commit_offset, abort_ip) of the
    32-byte struct rseq_cs DATA, in byte order ORDER."""
    return struct.unpack(order + "IIQQQ", data)


def read(objfile):
    """OBJFILE's Tables, or None (with a warning) when they cannot be
    read."""
    if objfile.filename.startswith(_VDSO_PREFIX):
        # The kernel's vDSO has no rseq tables, and asking GDB where its
        # sections are costs more than the rest of a start-up together.
        return _no_tables()
    path = _local_path(objfile)
    if path is None:
        return _read_memory(objfile)
    return _read_file(objfile, path)


# How GDB names the objfile it reads from the vDSO's image in memory.
_VDSO_PREFIX = "system-supplied DSO at "


def _local_path(objfile):
    """The objfile's file on this machine, or None (target: sysroot,
    remote file, deleted file)."""
    name = objfile.filename
    if name.startswith("target:"):
        name = name[len("target:"):]
        # A target: path is local when the target is native.
        try:
            conn = gdb.selected_inferior().connection
            if conn is None or conn.type != "native":
                return None
        except (AttributeError, gdb.error):
            return None
    if name.endswith(" (deleted)") or not os.path.isfile(name):
        return None
    return name


# ELF identification and the fields of the ELF header that locate the
# section-name string table, by ELFCLASS32 / ELFCLASS64: format of
# (e_shoff, e_shentsize, e_shnum, e_shstrndx), its offset; format of a
# section header's (sh_offset, sh_size, sh_link), its offset.
_ELF_SHDR_FIELDS = {
    1: ("I10xHHH", 0x20, "III", 16),
    2: ("Q10xHHH", 0x28, "QQI", 24),
}
_SHN_XINDEX = 0xffff
_MAX_SHSTRTAB = 1 << 24


def _elf_header(fd):
    """(byte order, ELF class, (e_shoff, e_shentsize, e_shnum,
    e_shstrndx)) of the ELF file open as FD, or None when it is none
    this module reads."""
    ehdr = os.pread(fd, 64, 0)
    if len(ehdr) < 52 or ehdr[:4] != b"\x7fELF" \
            or ehdr[4] not in _ELF_SHDR_FIELDS or ehdr[5] not in (1, 2):
        return None
    order = "<" if ehdr[5] == 1 else ">"
    efmt, eoff, _sfmt, _soff = _ELF_SHDR_FIELDS[ehdr[4]]
    return order, ehdr[4], struct.unpack_from(order + efmt, ehdr, eoff)


def _may_have_tables(path):
    """False when the ELF file PATH has no section whose name starts with
    "__rseq_": its section-name string table does not hold that string.

    Most objfiles (libc, ld.so, the program's other libraries) have no
    rseq section.  Finding that out here takes a few reads, where asking
    librseqelf maps the whole file (and, the first time, loads librseqelf
    into GDB).  Anything unexpected answers True: librseqelf then reads
    the file, and reports what is wrong with it."""
    try:
        fd = os.open(path, os.O_RDONLY)
    except OSError:
        return True
    try:
        header = _elf_header(fd)
        if header is None:
            return True
        order, eclass, (shoff, shentsize, _shnum, shstrndx) = header
        _efmt, _eoff, sfmt, soff = _ELF_SHDR_FIELDS[eclass]
        if shoff == 0 or shentsize < soff + struct.calcsize(sfmt):
            return True

        def shdr(i):
            raw = os.pread(fd, shentsize, shoff + i * shentsize)
            return struct.unpack_from(order + sfmt, raw, soff)

        if shstrndx == _SHN_XINDEX:     # the index is in section 0
            shstrndx = shdr(0)[2]
        offset, size, _link = shdr(shstrndx)
        if size > _MAX_SHSTRTAB:
            return True
        return b"__rseq_" in os.pread(fd, size, offset)
    except (OSError, struct.error):
        return True
    finally:
        os.close(fd)


# Section header fields read by _code_ranges, by ELF class: format of
# (sh_flags, sh_addr, sh_offset, sh_size) and its offset in the header.
_SHDR_RANGE_FIELDS = {1: ("IIII", 8), 2: ("QQQQ", 8)}
_SHF_ALLOC = 0x2
_SHF_EXECINSTR = 0x4
_MAX_SHNUM = 1 << 16


def _code_ranges(path):
    """Sorted [lo, hi) file-address ranges of the allocated executable
    sections of the ELF file PATH, or None when its section headers cannot
    be read (librseqelf reports why)."""
    try:
        fd = os.open(path, os.O_RDONLY)
    except OSError:
        return None
    try:
        header = _elf_header(fd)
        if header is None:
            return None
        order, eclass, (shoff, shentsize, shnum, _shstrndx) = header
        fmt, off = _SHDR_RANGE_FIELDS[eclass]
        if shoff == 0 or shentsize < off + struct.calcsize(fmt) \
                or shnum > _MAX_SHNUM:
            return None
        table = os.pread(fd, shentsize * shnum, shoff)
        out = []
        for i in range(len(table) // shentsize):
            flags, addr, _offset, size = struct.unpack_from(
                order + fmt, table, i * shentsize + off)
            if flags & _SHF_ALLOC and flags & _SHF_EXECINSTR and size:
                out.append((addr, addr + size))
        return sorted(out)
    except (OSError, struct.error):
        return None
    finally:
        os.close(fd)


def in_code(code, lo, hi):
    """Whether [LO, HI) lies in one of the ranges CODE (see _code_ranges);
    True when CODE is None (unknown)."""
    if code is None:
        return True
    i = bisect.bisect_right(code, (lo, float("inf"))) - 1
    return i >= 0 and code[i][0] <= lo and hi <= code[i][1]


def _majority(values):
    """The value more than half of VALUES hold, or None."""
    counts = collections.Counter(values)
    if not counts:
        return None
    value, n = counts.most_common(1)[0]
    return value if 2 * n > len(values) else None


def judge(raw, code=None):
    """Split the c.s. RAW (objects with _gdb_rseq.CriticalSection's fields)
    into those gdb-rseq steps with and those it rejects: ([accepted],
    [(c.s., reason)]).

    Rejected are the descriptors the kernel would reject when a thread
    armed them (it kills the thread with SIGSEGV): a version other than 0,
    any flag (Linux 6.0 and later), abort_ip inside the range, a range
    that wraps, a signature other than the one the thread registered; and,
    as nothing would be left to step through, an empty range.  As the
    registered signature is not known from a file, the one most of its
    c.s. use stands for it, else the one glibc and librseq register.  A
    range longer than MAX_CS_LEN, or outside the file's executable
    sections (CODE), is no code of this file: rejected too.  The kernel
    never reads these tables, so a rejected entry changes nothing for the
    program: gdb-rseq steps through its range as through any code, and
    learns the c.s. from memory if a thread does arm a sound descriptor
    for it."""
    signed = [r.signature for r in raw if r.signature is not None]
    expected = _majority(signed)
    if expected is None and signed:
        expected = target.abort_signature()
    accepted, rejected = [], []
    for r in raw:
        reason = _rejection(r, expected, code)
        if reason is None:
            accepted.append(r)
        else:
            rejected.append((r, reason))
    return accepted, rejected


def _rejection(r, expected, code):
    """Why judge rejects the c.s. R, or None."""
    start, end, abort = r.start_ip, r.post_commit_ip, r.abort_ip
    if r.version != 0:
        return "descriptor version %d is not 0" % r.version
    if r.flags:
        return ("flags %#x are set: Linux 6.0 and later kill a thread "
                "interrupted in it" % r.flags)
    if end <= start:
        return "post_commit_offset is 0 or wraps around: the range is empty"
    if end - start > MAX_CS_LEN:
        return ("post_commit_offset %#x is longer than any critical "
                "section (%#x bytes at most)" % (end - start, MAX_CS_LEN))
    if start <= abort < end:
        return "abort_ip lies inside the range"
    if not in_code(code, start, end):
        return "the range is not inside one executable section of the file"
    if r.signature is None:
        return "no signature: the 4 bytes before abort_ip are not in the file"
    if expected is not None and r.signature != expected:
        return ("signature %#010x before abort_ip is not %#010x"
                % (r.signature, expected))
    return None


def bad_exits(raw, code):
    """{(start_ip, exit ip)} of the declared exits of the c.s. RAW that lie
    outside the executable ranges CODE: no thread can go there, and a
    breakpoint there cannot be inserted."""
    if code is None:
        return set()
    return {(r.start_ip, ip) for r in raw for ip, kind in r.exits
            if kind == "declared" and not in_code(code, ip, ip + 1)}


# Reader findings that judge's reasons already cover, by the start of
# their message: not repeated in the warning.
_JUDGED = ("descriptor version", "deprecated flags", "unknown flags",
           "post_commit_offset is 0", "abort_ip", "start_ip", "signature",
           "no signature", "critical section [")

_MAX_PROBLEMS = 6


def _problems(rejected, exits, diagnostics, total):
    """The lines of the warning about damaged tables: what judge rejected,
    the declared exits dropped, and the reader's other errors and
    warnings."""
    lines = ["%#x: %s" % (r.start_ip, why) for r, why in rejected]
    lines += ["%#x: declared exit %#x lies outside the file's code: "
              "ignored" % (start, ip) for start, ip in sorted(exits)]
    for d in diagnostics:
        if d.severity not in ("error", "warning"):
            continue
        if d.msg.startswith(_JUDGED) and any(
                d.ip in (r.start_ip, r.abort_ip) for r, _ in rejected):
            continue
        if d.msg.startswith(("signature", "no signature")):
            continue            # judge decides on signatures
        lines.append(("%#x: %s" % (d.ip, d.msg)) if d.ip is not None
                     else d.msg)
    if not lines:
        return ()
    used = total - len(rejected)
    head = "damaged rseq tables: "
    if rejected:
        head += "%d of %d critical sections rejected, " % (len(rejected),
                                                          total)
    head += "%d used for stepping" % used
    if len(lines) > _MAX_PROBLEMS:
        more = len(lines) - _MAX_PROBLEMS + 1
        lines = lines[:_MAX_PROBLEMS - 1] + ["... and %d more" % more]
    lines.append("(%s`maintenance rseq check' shows all findings)"
                 % ("`info rseq' lists the rejected descriptors, "
                    if rejected else ""))
    return tuple([head] + lines)


def _checked(raw, diagnostics, code):
    """(c.s. to step with, rejected, problems) of the c.s. RAW and the
    reader's DIAGNOSTICS.  A file the reader has nothing against is not
    looked at twice: judge only has to see the c.s. of a damaged one, and
    a clean file may have 100k."""
    if not any(d.severity in ("error", "warning") for d in diagnostics):
        return raw, (), ()
    accepted, rejected = judge(raw, code)
    exits = bad_exits(accepted, code)
    problems = _problems(rejected, exits, diagnostics, len(raw))
    if rejected:
        raw = _RawTable(accepted)
    return raw, tuple(rejected), problems


def _read_file(objfile, path):
    if not _may_have_tables(path):
        return _no_tables(path=path)
    # Exits are derived by the registry, with GDB's disassembler, when a
    # c.s. is first looked at: loading stays proportional to the table.
    try:
        tables = _gdb_rseq.read_file(path, derive=False)
    except (OSError, ValueError) as e:
        log.warning("%s", e)
        return None
    sections = tables.sections
    ref_section = ref_addr = None
    if sections and tables.elf_type != _ET_EXEC:
        if tables.reference_section is None:
            log.warning("%s: cannot find its load address: no allocated "
                        "section", path)
            return None
        ref_section, ref_addr = tables.reference_section
    if sections:
        log.info("%s: %d critical section%s from %s", objfile.filename,
                 len(sections), "" if len(sections) == 1 else "s",
                 tables.table)
    # An ET_REL file's addresses are section offsets: no range to check
    # them against.
    code = (_code_ranges(path) if sections and tables.elf_type != _ET_REL
            else None)
    raw, rejected, problems = _checked(sections, tables.diagnostics, code)
    return Tables(raw, tables.table, ref_section, ref_addr,
                  tables.diagnostics, path, 0, False, rejected, code,
                  problems)


# ---- where GDB put the sections ----------------------------------------

# Compiled by re's own cache at first use: most sessions never parse
# `maint info sections'.
_SECTION_HEAD = r"^(?:Exec|Object) file: `(.*)', file type"
_SECTION_LINE = (r"^\s*\[\s*\d+\]\s+0x([0-9a-f]+)->0x([0-9a-f]+) at "
                 r"0x([0-9a-f]+): (\S+)(.*)$")


def _placed_sections(names=(), filename=None):
    """{(objfile filename, section name): _Placed} for the sections called
    one of NAMES (all when empty) of every objfile of the current program
    space, or only of FILENAME's."""
    text = compat.execute_to_string("maint info sections -all-objects "
                                    + " ".join(sorted(names)))
    head = re.compile(_SECTION_HEAD)
    entry = re.compile(_SECTION_LINE)
    out = {}
    current = None
    for line in text.splitlines():
        m = head.match(line)
        if m:
            current = m.group(1)
            continue
        if current is None or (filename is not None and current != filename):
            continue
        m = entry.match(line)
        if m:
            out.setdefault((current, m.group(4)),
                           _Placed(int(m.group(1), 16), int(m.group(2), 16),
                                   int(m.group(3), 16),
                                   "ALLOC" in m.group(5)))
    return out


def section_addresses(names):
    """{(objfile filename, section name): run-time address} for sections
    called one of NAMES in every objfile of the current program space."""
    return {key: p.lo for key, p in _placed_sections(names).items()}


# ---- reading the tables from the inferior's memory -------------------

def _memory_bias(sections, read, order):
    """The load bias of an objfile known only from memory: its first
    PT_LOAD maps the file from offset 0, ELF and program headers included,
    so the allocated section with the lowest file offset gives the run-time
    address of the ELF header, whose program headers give the link-time
    address of that segment.  (librseqelf cannot help: the section headers
    it reads are not loaded.)"""
    alloc = [(p.offset, p.lo) for p in sections.values()
             if p.alloc and p.offset and p.lo]
    if not alloc:
        return None
    off, lo = min(alloc)
    base = lo - off
    ident = read(base, base + 64)
    if ident[:4] != b"\x7fELF":
        return None
    if ident[4] == 2:
        phoff, = struct.unpack_from(order + "Q", ident, 32)
        phentsize, phnum = struct.unpack_from(order + "HH", ident, 54)
        fmt = order + "IIQQQQQQ"      # type flags offset vaddr ...
    else:
        phoff, = struct.unpack_from(order + "I", ident, 28)
        phentsize, phnum = struct.unpack_from(order + "HH", ident, 42)
        fmt = order + "IIII"          # type offset vaddr paddr
    if phnum == 0 or phnum > 512 or phentsize < struct.calcsize(fmt):
        return None
    phdrs = read(base + phoff, base + phoff + phentsize * phnum)
    for i in range(phnum):
        ph = struct.unpack_from(fmt, phdrs, i * phentsize)
        p_type, p_offset, p_vaddr = ((ph[0], ph[2], ph[3]) if ident[4] == 2
                                     else (ph[0], ph[1], ph[2]))
        if p_type == 1 and p_offset == 0:       # PT_LOAD
            return (base - p_vaddr) & 0xffffffffffffffff
    return None


def _read_memory(objfile):
    """The tables of an objfile whose file is not readable here.  Before
    the dynamic loader has relocated the objfile its rseq sections hold
    link-time addresses (or, from lld, zeros); after, run-time ones.  Both
    are brought back to link-time addresses, like a file's tables, and the
    tables are marked provisional while they could not tell."""
    # Most objfiles have no rseq tables: ask GDB about those sections
    # first, and for the whole section list only when there are some.
    name = objfile.filename
    if not _placed_sections(_TABLE_SECTIONS, name):
        return _no_tables()
    sections = {sec: p for (_f, sec), p in
                _placed_sections((), name).items()}
    table = next(n for n in _TABLE_SECTIONS if n in sections)
    inf = gdb.selected_inferior()
    order = target.byte_order()

    def read(lo, hi):
        return bytes(inf.read_memory(lo, hi - lo)) if hi > lo else b""

    try:
        bias = _memory_bias(sections, read, order)
    except (gdb.MemoryError, gdb.error, struct.error):
        bias = None
    if bias is None:
        # Typically GDB has not placed the objfile yet (a remote program
        # before GDB relocates it): try again at the next query.
        log.info("%s: its load address is not known yet; rseq tables not "
                 "read", name)
        return _no_tables(provisional=True)
    lo, hi = sections[table][:2]
    # Where the objfile's code lies, at run time and at link time: a value
    # in one range or the other says whether the loader relocated it.
    spans = [(p.lo, p.hi) for p in sections.values() if p.alloc and p.hi > p.lo]
    span_lo = min(l for l, h in spans)
    span_hi = max(h for l, h in spans)

    def to_link(values):
        """VALUES as link-time addresses, or None when they are neither
        run-time nor link-time addresses of this objfile (not relocated
        yet by lld's loader, corrupt)."""
        if all(span_lo <= v < span_hi for v in values):
            return [v - bias for v in values]
        if all(span_lo - bias <= v < span_hi - bias for v in values):
            return list(values)
        return None

    raw, diags, provisional = [], [], False
    try:
        data = read(lo, hi)
        if table == "__rseq_cs_ptr_array":
            ptrs = [p for (p,) in struct.iter_unpack(
                order + "Q", data[:len(data) // 8 * 8])]
            links = to_link(ptrs) if ptrs else []
            if links is None:
                provisional, links = True, []
            descs = [(p, read(p + bias, p + bias + 32)) for p in links]
        else:
            descs = [(lo - bias + off, data[off:off + 32])
                     for off in range(0, len(data) // 32 * 32, 32)
                     if any(data[off:off + 32])]
        declared = collections.defaultdict(set)
        for sec in _EXIT_SECTIONS:
            if sec in sections:
                pairs = read(*sections[sec][:2])
                vals = [v for (v,) in struct.iter_unpack(
                    order + "Q", pairs[:len(pairs) // 16 * 16])]
                links = to_link(vals) if vals else []
                if links is None:
                    provisional, links = True, []
                for i in range(0, len(links) - 1, 2):
                    declared[links[i]].add(links[i + 1])
        for addr, d in descs:
            version, flags, start, length, abort = unpack_descriptor(d,
                                                                     order)
            if version != 0 or length == 0 or length > MAX_CS_LEN:
                # No range to judge (see judge): reported, not listed.
                diags.append(Finding(
                    "error", addr, "invalid descriptor in memory: version "
                    "%d, post_commit_offset %#x" % (version, length)))
                continue
            links = to_link([start, abort])
            if links is None:
                provisional = True
                continue
            start, abort = links
            end = start + length
            try:
                sig = struct.unpack(order + "I", read(abort + bias - 4,
                                                      abort + bias))[0]
            except (gdb.MemoryError, gdb.error):
                sig = None
            exits = tuple((x, "declared")
                          for x in sorted(declared.get(start, ()))
                          if x not in (end, abort))
            raw.append(_RawCS(start, end, abort, addr, sig, flags, version,
                              exits, False, False))
    except (gdb.MemoryError, gdb.error) as e:
        log.warning("%s: cannot read rseq tables from memory: %s", name, e)
        return None
    accepted, rejected = judge(raw)
    problems = _problems(rejected, (), diags, len(raw))
    raw = _RawTable(accepted)
    log.info("%s: %d critical section%s from %s in memory%s",
             name, len(raw), "" if len(raw) == 1 else "s", table,
             " (not relocated yet: read again later)" if provisional else "")
    return Tables(raw, table + " (memory)", table, lo - bias, diags, None,
                  bias, provisional, tuple(rejected), None, problems)
