# SPDX-License-Identifier: LGPL-2.1-or-later
"""The critical sections (c.s.) of every loaded objfile, at run-time addresses.

Tables are read once per objfile when GDB loads it (new_objfile) and dropped
when GDB frees it (free_objfile, clear_objfiles): dlopen/dlclose, `file',
exec and re-runs all go through those events.  They are kept in the file's
own address space, sorted by start, with the objfile's load bias applied at
query time: a relocation (PIE at `run', ASLR, attach) costs one bias
computation, not a rebuild, and 100k c.s. load in one pass over the
reader's result.

GDB 13's Python has no load-bias API.  The bias is the difference between
where GDB put a section of the objfile (`maint info sections -all-objects',
one call for all objfiles) and that section's address in the file's section
headers.  It is recomputed lazily after anything that can move an objfile:
a new or freed objfile, a new process (pid change), an exit.

A c.s. missing from the tables (JIT code, stripped or garbage-collected
tables) is learned from the descriptor a thread armed: see
learn_from_memory.
"""

import bisect
import collections
import operator
import os
import re
import struct

import gdb

from . import log

try:
    import _gdb_rseq
except ImportError as e:  # the loader put it on sys.path; say so plainly
    raise ImportError("gdb-rseq: cannot load its native module _gdb_rseq "
                      "(%s); load gdb-rseq through its loader, "
                      "gdb-rseq.py" % e) from e


class Exit(collections.namedtuple("Exit", "ip kind")):
    """An exit point of a c.s.: IP (run-time address) and KIND, "declared"
    (listed in the exit-point table) or "derived" (found by disassembly)."""
    __slots__ = ()


class CriticalSection:
    """One rseq critical section at run-time addresses.

    start, post_commit, abort: addresses; [start, post_commit) is the range
    the kernel aborts.  exits: tuple of Exit, other than post_commit and
    abort.  descriptor: address of its struct rseq_cs (None when unknown).
    signature: the 32-bit word before abort (None when unknown).  objfile:
    the file name it was read from, None when learned from memory."""

    __slots__ = ("start", "post_commit", "abort", "exits", "descriptor",
                 "signature", "objfile", "flags", "version", "has_call",
                 "has_syscall", "_exit_set")

    def __init__(self, start, post_commit, abort, exits=(), descriptor=None,
                 signature=None, objfile=None, flags=0, version=0,
                 has_call=False, has_syscall=False):
        self.start = start
        self.post_commit = post_commit
        self.abort = abort
        self.exits = tuple(exits)
        self.descriptor = descriptor
        self.signature = signature
        self.objfile = objfile
        self.flags = flags
        self.version = version
        self.has_call = has_call
        self.has_syscall = has_syscall
        self._exit_set = None

    def contains(self, addr):
        """Whether ADDR lies in [start, post_commit)."""
        return self.start <= addr < self.post_commit

    def exit_addresses(self):
        """Every address a pass leaves through: post_commit, abort, exits."""
        if self._exit_set is None:
            self._exit_set = frozenset([self.post_commit, self.abort]
                                       + [e.ip for e in self.exits])
        return self._exit_set

    def __eq__(self, other):
        return (isinstance(other, CriticalSection)
                and (self.start, self.post_commit, self.abort)
                == (other.start, other.post_commit, other.abort))

    def __hash__(self):
        return hash((self.start, self.post_commit, self.abort))

    def __repr__(self):
        return ("CriticalSection(start=%#x, post_commit=%#x, abort=%#x, "
                "exits=%d, objfile=%r)" % (self.start, self.post_commit,
                                           self.abort, len(self.exits),
                                           self.objfile))


# The same fields as _gdb_rseq.CriticalSection, for c.s. read from memory.
_RawCS = collections.namedtuple(
    "_RawCS", "start_ip post_commit_ip abort_ip descriptor signature flags "
    "version exits has_call has_syscall")


class _Entry:
    """The c.s. of one objfile, in the file's address space, sorted."""

    def __init__(self, objfile, filename, raw, source, elf_type,
                 ref_section=None, ref_addr=None, diagnostics=(),
                 derive=False):
        self.objfile = objfile
        self.filename = filename
        self.path = None                # the local file, when read from one
        self.raw = raw                  # sorted by start_ip
        if hasattr(raw, "start_ips"):   # _gdb_rseq's lazy sequence
            self.starts = raw.start_ips()
            ends = raw.post_commit_ips()
        else:
            self.starts = [c.start_ip for c in raw]
            ends = [c.post_commit_ip for c in raw]
        self.max_len = max(map(operator.sub, ends, self.starts), default=0)
        self.source = source            # the table section, or "memory"
        self.elf_type = elf_type
        self.ref_section = ref_section  # a section to measure the bias by
        self.ref_addr = ref_addr        # its address in the file
        self.diagnostics = list(diagnostics)
        self.bias = 0
        self.cache = {}
        self.derive = derive            # exits still to be derived
        # Read from memory before the loader relocated it: read again.
        self.provisional = False

    def set_bias(self, bias):
        if bias != self.bias:
            self.bias = bias
            self.cache.clear()
            return True
        return False

    def at(self, i):
        cs = self.cache.get(i)
        if cs is None:
            r = self.raw[i]
            b = self.bias
            start, end, abort = (r.start_ip + b, r.post_commit_ip + b,
                                 r.abort_ip + b)
            exits = {ip + b: kind for ip, kind in r.exits}
            has_call, has_syscall = r.has_call, r.has_syscall
            if self.derive:
                # Derived here, for the c.s. someone asks about, rather
                # than for all of them at load time: a file may have 100k.
                derived, has_call, has_syscall = derive_exits(start, end,
                                                              abort)
                for ip in derived:
                    exits.setdefault(ip, "derived")
            cs = CriticalSection(
                start, end, abort,
                tuple(Exit(ip, kind) for ip, kind in sorted(exits.items())),
                None if r.descriptor is None else r.descriptor + b,
                r.signature, self.filename, r.flags, r.version,
                has_call, has_syscall)
            self.cache[i] = cs
        return cs

    def lookup(self, addr):
        a = addr - self.bias
        i = bisect.bisect_right(self.starts, a) - 1
        # Ranges do not overlap in practice; when they do (duplicated
        # descriptors), a c.s. starting up to max_len earlier may hold A.
        while i >= 0 and self.starts[i] + self.max_len > a:
            r = self.raw[i]
            if r.start_ip <= a < r.post_commit_ip:
                return self.at(i)
            i -= 1
        return None

    def starting_in(self, lo, hi):
        i = bisect.bisect_left(self.starts, lo - self.bias)
        j = bisect.bisect_left(self.starts, hi - self.bias)
        return [self.at(k) for k in range(i, j)]

    def all(self):
        return [self.at(k) for k in range(len(self.raw))]


class Registry:
    """Critical sections of the loaded objfiles of every program space."""

    def __init__(self):
        self._entries = {}        # gdb.Objfile -> _Entry
        self._learned = {}        # progspace -> {start: CriticalSection}
        self._learned_sorted = {}  # progspace -> (starts, list)
        self._dirty = True
        self._pid = None
        self.generation = 0

    # ---- filling and dropping ----------------------------------------

    def _changed(self):
        self.generation += 1

    def add_objfile(self, objfile):
        """Read OBJFILE's tables (an objfile event handler calls this)."""
        if objfile.owner is not None or not objfile.filename:
            return              # separate debug info: its owner has the code
        if objfile in self._entries:
            return
        entry = _read_objfile(objfile)
        if entry is None:
            return
        self._entries[objfile] = entry
        self._dirty = True
        self._changed()

    def drop_objfile(self, objfile):
        if self._entries.pop(objfile, None) is not None:
            self._changed()
        self._dirty = True

    def drop_progspace(self, progspace):
        gone = [o for o in self._entries if _progspace_of(o) is progspace
                or not o.is_valid()]
        for o in gone:
            del self._entries[o]
        self._learned.pop(progspace, None)
        self._learned_sorted.pop(progspace, None)
        self._dirty = True
        self._changed()

    def forget_learned(self):
        """Drop c.s. learned from memory: the process that had them is
        gone."""
        if self._learned:
            self._learned.clear()
            self._learned_sorted.clear()
            self._changed()
        self._dirty = True

    def invalidate_bias(self):
        self._dirty = True

    def note_stop(self):
        """The inferior stopped: tables read from memory too early can be
        read again."""
        if any(e.provisional for e in self._entries.values()):
            self._dirty = True

    # ---- rebasing ----------------------------------------------------

    def _check_relocation(self):
        """Recompute load biases if anything may have moved an objfile."""
        try:
            pid = gdb.selected_inferior().pid
        except gdb.error:
            pid = None
        if pid != self._pid:
            self._pid = pid
            self._dirty = True
        if not self._dirty:
            return
        self._dirty = False
        for o in [o for o in self._entries if not o.is_valid()]:
            del self._entries[o]
            self._changed()
        for o, e in list(self._entries.items()):
            if e.provisional:
                fresh = _read_objfile(o)
                if fresh is not None:
                    self._entries[o] = fresh
                    self._changed()
        need = [e for e in self._entries.values()
                if e.ref_section is not None and e.elf_type != _ET_EXEC]
        if not need:
            return
        placed = _runtime_section_addresses(
            set(e.ref_section for e in need))
        moved = False
        for e in need:
            addr = placed.get((e.filename, e.ref_section))
            if addr is None:
                continue        # not placed yet: file addresses hold
            moved |= e.set_bias(addr - e.ref_addr)
        if moved:
            self._changed()

    def _current_entries(self):
        self._check_relocation()
        ps = gdb.current_progspace()
        return [e for o, e in self._entries.items()
                if e.raw and o.is_valid() and _progspace_of(o) is ps]

    # ---- queries -----------------------------------------------------

    def lookup(self, addr):
        """The c.s. whose [start, post_commit) holds ADDR, or None."""
        for e in self._current_entries():
            cs = e.lookup(addr)
            if cs is not None:
                return cs
        starts, learned = self._learned_index()
        i = bisect.bisect_right(starts, addr) - 1
        while i >= 0:
            if learned[i].contains(addr):
                return learned[i]
            if addr - starts[i] > _MAX_CS_LEN:
                break
            i -= 1
        return None

    def starting_in(self, lo, hi):
        """C.s. whose start lies in [lo, hi), sorted by start."""
        out = []
        for e in self._current_entries():
            out.extend(e.starting_in(lo, hi))
        starts, learned = self._learned_index()
        out.extend(learned[bisect.bisect_left(starts, lo):
                           bisect.bisect_left(starts, hi)])
        out.sort(key=lambda c: c.start)
        return out

    def by_start(self, start):
        """The c.s. starting exactly at START, or None."""
        for cs in self.starting_in(start, start + 1):
            return cs
        return None

    def sections(self):
        """All c.s. of the current program space, sorted by start."""
        out = []
        for e in self._current_entries():
            out.extend(e.all())
        out.extend(self._learned_index()[1])
        out.sort(key=lambda c: c.start)
        return out

    def objfile_entries(self):
        """(filename, local path or None, source, bias, count, diagnostics)
        per objfile read, tables or not, for `maint rseq check'."""
        self._check_relocation()
        ps = gdb.current_progspace()
        return [(e.filename, e.path, e.source, e.bias, len(e.raw),
                 e.diagnostics)
                for o, e in self._entries.items()
                if _progspace_of(o) is ps]

    def _learned_index(self):
        ps = gdb.current_progspace()
        idx = self._learned_sorted.get(ps)
        if idx is None:
            lst = sorted(self._learned.get(ps, {}).values(),
                         key=lambda c: c.start)
            idx = ([c.start for c in lst], lst)
            self._learned_sorted[ps] = idx
        return idx

    # ---- c.s. learned at run time --------------------------------------

    def learn_from_memory(self, descriptor_addr, signature=None):
        """Read the struct rseq_cs at DESCRIPTOR_ADDR, validate it and add
        the c.s. it describes; return it, or None when it is not a valid
        descriptor.  A c.s. already known by start is returned as is.

        SIGNATURE is the abort signature to check at abort-4; by default
        the one the selected thread registered (ptrace), else the
        architecture's usual value."""
        inf = gdb.selected_inferior()
        order = _byte_order()
        try:
            raw = bytes(inf.read_memory(descriptor_addr, 32))
        except (gdb.MemoryError, gdb.error):
            return None
        version, flags, start, length, abort = struct.unpack(
            order + "IIQQQ", raw)
        if (version != 0 or length == 0 or length > _MAX_CS_LEN
                or start + length > 0xffffffffffffffff
                or start <= abort < start + length):
            log.info("descriptor %#x is not a valid struct rseq_cs",
                     descriptor_addr)
            return None
        known = self.by_start(start)
        if known is not None:
            return known
        try:
            word = struct.unpack(order + "I",
                                 bytes(inf.read_memory(abort - 4, 4)))[0]
        except (gdb.MemoryError, gdb.error):
            log.info("descriptor %#x: abort handler %#x is not readable",
                     descriptor_addr, abort)
            return None
        expected = signature
        if expected is None:
            expected = _registered_signature()
        if expected is None:
            expected = _DEFAULT_SIGNATURES.get(_arch_name())
        if expected is not None and word != expected:
            log.info("descriptor %#x: signature %#x before abort %#x, "
                     "expected %#x", descriptor_addr, word, abort, expected)
            return None
        end = start + length
        exits, has_call, has_syscall = derive_exits(start, end, abort)
        cs = CriticalSection(start, end, abort,
                             tuple(Exit(ip, "derived") for ip in exits),
                             descriptor_addr, word, None, flags, version,
                             has_call, has_syscall)
        ps = gdb.current_progspace()
        self._learned.setdefault(ps, {})[start] = cs
        self._learned_sorted.pop(ps, None)
        self._changed()
        log.info("learned critical section %#x-%#x (abort %#x) from "
                 "descriptor %#x", start, end, abort, descriptor_addr)
        return cs


_ET_EXEC = 2
_MAX_CS_LEN = 1 << 20       # a longer "c.s." is a corrupt descriptor

# Abort signatures registered by glibc/librseq when a thread has not told us
# its own (rseq-facts.md); only used to validate descriptors seen in memory.
_DEFAULT_SIGNATURES = {
    "i386:x86-64": 0x53053053,
    "i386": 0x53053053,
    "aarch64": 0xd428bc00,
    "powerpc:common64": 0x0fe5000b,
    "powerpc:common": 0x0fe5000b,
    "s390:64-bit": 0xb2ff0fff,
    "s390:31-bit": 0xb2ff0fff,
    "riscv:rv64": 0xf1401073,
    "riscv:rv32": 0xf1401073,
    "loongarch64": 0x002a0010,
}


def _progspace_of(objfile):
    try:
        return objfile.progspace
    except RuntimeError:        # objfile already freed
        return None


def _arch_name():
    try:
        return gdb.selected_inferior().architecture().name()
    except (gdb.error, RuntimeError, AttributeError):
        return None


_endian_cache = {}


def _byte_order():
    """"<" or ">" for struct, for the current target."""
    arch = _arch_name()
    order = _endian_cache.get(arch)
    if order is None:
        text = gdb.execute("show endian", False, True)
        order = ">" if "big endian" in text else "<"
        _endian_cache[arch] = order
    return order


def _registered_signature():
    try:
        from . import threads
        st = threads.state(gdb.selected_thread())
        return st.signature
    except Exception:           # no thread, no registration: no opinion
        return None


# ---- reading an objfile's tables ---------------------------------------

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


def _read_objfile(objfile):
    path = _local_path(objfile)
    if path is None:
        return _read_objfile_memory(objfile)
    # Exits are derived when a c.s. is first looked at (_Entry.at), with
    # GDB's disassembler: loading stays proportional to the table size.
    try:
        tables = _gdb_rseq.read_file(path, derive=False)
    except (OSError, ValueError) as e:
        log.warning("%s", e)
        return None
    sections = tables.sections
    ref_section = ref_addr = None
    if sections and tables.elf_type != _ET_EXEC:
        try:
            ref_section, ref_addr = _reference_section(path)
        except (OSError, ValueError) as e:
            log.warning("%s: cannot find its load address: %s", path, e)
            return None
    entry = _Entry(objfile, objfile.filename, sections, tables.table,
                   tables.elf_type, ref_section, ref_addr,
                   tables.diagnostics, derive=True)
    entry.path = path
    if sections:
        log.info("%s: %d critical section%s from %s", objfile.filename,
                 len(sections), "" if len(sections) == 1 else "s",
                 tables.table)
    return entry


def _reference_section(path):
    """A loaded section of PATH to measure the load bias by: (name, file
    address).  .text when there is one, else the first allocated section
    with an address."""
    best = None
    for name, addr in _elf_alloc_sections(path):
        if name == ".text":
            return name, addr
        if best is None and addr:
            best = (name, addr)
    if best is None:
        raise ValueError("no allocated section")
    return best


def _elf_alloc_sections(path):
    """(name, sh_addr) of each SHF_ALLOC section of the ELF file PATH.

    Only the headers are read: this runs for every objfile that has c.s."""
    with open(path, "rb") as f:
        ident = f.read(16)
        if len(ident) < 16 or ident[:4] != b"\x7fELF":
            raise ValueError("not an ELF file")
        is64 = ident[4] == 2
        order = ">" if ident[5] == 2 else "<"
        if is64:
            hdr = struct.unpack(order + "HHIQQQIHHHHHH", f.read(48))
        else:
            hdr = struct.unpack(order + "HHIIIIIHHHHHH", f.read(36))
        shoff, shentsize, shnum, shstrndx = hdr[5], hdr[10], hdr[11], hdr[12]
        if shoff == 0:
            raise ValueError("no section headers")
        shfmt = order + ("IIQQQQIIQQ" if is64 else "IIIIIIIIII")
        shsize = struct.calcsize(shfmt)
        f.seek(shoff)
        first = struct.unpack(shfmt, f.read(shsize))
        # Extended numbering: counts that do not fit live in section 0.
        if shnum == 0:
            shnum = first[5]
        if shstrndx == 0xffff:
            shstrndx = first[6]
        if shentsize < shsize or shnum > 65536 * 16:
            raise ValueError("bad section header table")
        f.seek(shoff)
        blob = f.read(shentsize * shnum)
        shdrs = [struct.unpack_from(shfmt, blob, i * shentsize)
                 for i in range(len(blob) // shentsize)]
        if shstrndx >= len(shdrs):
            raise ValueError("bad section name table index")
        strtab = shdrs[shstrndx]
        f.seek(strtab[4])
        names = f.read(strtab[5])
    out = []
    for sh in shdrs:
        if sh[2] & 0x2:     # SHF_ALLOC
            end = names.find(b"\0", sh[0])
            out.append((names[sh[0]:end if end >= 0 else None]
                        .decode("ascii", "replace"), sh[3]))
    return out


_SECTION_HEAD = re.compile(r"^(?:Exec|Object) file: `(.*)', file type")
_SECTION_LINE = re.compile(
    r"^\s*\[\s*\d+\]\s+0x([0-9a-f]+)->0x[0-9a-f]+ at 0x[0-9a-f]+: (\S+)")


def _runtime_section_addresses(names):
    """{(objfile filename, section name): run-time address} for sections
    called one of NAMES in every objfile of the current program space."""
    text = gdb.execute("maint info sections -all-objects " + " ".join(
        sorted(names)), False, True)
    out = {}
    current = None
    for line in text.splitlines():
        m = _SECTION_HEAD.match(line)
        if m:
            current = m.group(1)
            continue
        m = _SECTION_LINE.match(line)
        if m and current is not None:
            out.setdefault((current, m.group(2)), int(m.group(1), 16))
    return out


# ---- reading the tables from the inferior's memory -------------------

_TABLE_SECTIONS = ("__rseq_cs_ptr_array", "__rseq_cs", "__rseq_table")
_EXIT_SECTIONS = ("__rseq_exit_point_array", "__rseq_exit_point")

_SECTION_FULL = re.compile(
    r"^\s*\[\s*\d+\]\s+0x([0-9a-f]+)->0x([0-9a-f]+) at 0x([0-9a-f]+): "
    r"(\S+)(.*)$")


def _objfile_sections(filename, names=()):
    """{name: (lo, hi, file offset, alloc)} of FILENAME's sections (only
    those called one of NAMES, if given) where GDB has put them now."""
    text = gdb.execute("maint info sections -all-objects " + " ".join(names),
                       False, True)
    out = {}
    current = None
    for line in text.splitlines():
        m = _SECTION_HEAD.match(line)
        if m:
            current = m.group(1)
            continue
        if current != filename:
            continue
        m = _SECTION_FULL.match(line)
        if m:
            out.setdefault(m.group(4), (int(m.group(1), 16),
                                        int(m.group(2), 16),
                                        int(m.group(3), 16),
                                        "ALLOC" in m.group(5)))
    return out


def _memory_bias(sections, read, order):
    """The load bias of an objfile known only from memory: its first
    PT_LOAD maps the file from offset 0, ELF and program headers included,
    so the allocated section with the lowest file offset gives the run-time
    address of the ELF header, whose program headers give the link-time
    address of that segment."""
    alloc = [(off, lo) for lo, hi, off, is_alloc in sections.values()
             if is_alloc and off and lo]
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


def _read_objfile_memory(objfile):
    """The tables of an objfile whose file is not readable here (a remote
    target with a target: sysroot).  Its rseq sections are allocated and
    writable, so the loaded copy holds them.  Before the dynamic loader has
    relocated the objfile they hold link-time addresses (or, from lld,
    zeros); after, run-time ones.  Both are brought back to link-time
    addresses, like a file's tables, and the entry is re-read at a later
    stop while it could not tell."""
    # Most objfiles have no rseq tables: ask GDB about those sections
    # first, and for the whole section list only when there are some.
    if not any(n in _objfile_sections(objfile.filename,
                                      _TABLE_SECTIONS)
               for n in _TABLE_SECTIONS):
        return _Entry(objfile, objfile.filename, [], None, None)
    sections = _objfile_sections(objfile.filename)
    table = next(n for n in _TABLE_SECTIONS if n in sections)
    inf = gdb.selected_inferior()
    order = _byte_order()

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
                 "read", objfile.filename)
        entry = _Entry(objfile, objfile.filename, [], None, None)
        entry.provisional = True
        return entry
    lo, hi = sections[table][:2]
    # Where the objfile's code lies, at run time and at link time: a value
    # in one range or the other says whether the loader relocated it.
    spans = [(l, h) for l, h, _o, is_alloc in sections.values()
             if is_alloc and h > l]
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
        for name in _EXIT_SECTIONS:
            if name in sections:
                pairs = read(*sections[name][:2])
                vals = [v for (v,) in struct.iter_unpack(
                    order + "Q", pairs[:len(pairs) // 16 * 16])]
                links = to_link(vals) if vals else []
                if links is None:
                    provisional, links = True, []
                for i in range(0, len(links) - 1, 2):
                    declared[links[i]].add(links[i + 1])
        for addr, d in descs:
            version, flags, start, length, abort = struct.unpack(
                order + "IIQQQ", d)
            if version != 0 or length == 0 or length > _MAX_CS_LEN:
                diags.append(_Diag("warning", addr,
                                   "invalid descriptor in memory"))
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
        log.warning("%s: cannot read rseq tables from memory: %s",
                    objfile.filename, e)
        return None
    raw.sort(key=lambda r: r.start_ip)
    log.info("%s: %d critical section%s from %s in memory%s",
             objfile.filename, len(raw), "" if len(raw) == 1 else "s", table,
             " (not relocated yet: read again later)" if provisional else "")
    entry = _Entry(objfile, objfile.filename, raw, table + " (memory)", None,
                   ref_section=table, ref_addr=lo - bias, diagnostics=diags,
                   derive=True)
    entry.bias = bias
    entry.provisional = provisional
    return entry


_Diag = collections.namedtuple("_Diag", "severity ip msg")


# ---- exits derived with GDB's disassembler -----------------------------

_HEX = re.compile(r"\b0x([0-9a-fA-F]+)\b")
# Conditional and unconditional direct branches, by architecture family.
_BRANCH = re.compile(
    r"^(?:j[a-z]*|loop[a-z]*|b|b\.[a-z]+|b[a-z]{1,4}|cbn?z|tbn?z|"
    r"br[a-z]*|bn?e[a-z]*|beqz|bnez|bgez|bltz|blez|bgtz)$")
_CALL = re.compile(r"^(?:call[a-z]*|bl|blr|jal|jalr|bras?l?|brasl)$")
_SYSCALL = re.compile(r"^(?:syscall|sysenter|int|svc|ecall|sc|scv)$")


def derive_exits(start, end, abort):
    """Exits of [START, END) found by disassembling it with GDB: the targets
    of direct branches that leave the range (other than END and ABORT).
    Returns (sorted exit addresses, has_call, has_syscall)."""
    try:
        arch = gdb.selected_inferior().architecture()
        insns = arch.disassemble(start, end - 1)
    except (gdb.error, gdb.MemoryError, RuntimeError):
        return [], False, False
    exits = set()
    has_call = has_syscall = False
    for insn in insns:
        text = insn["asm"].strip()
        if not text:
            continue
        parts = text.split(None, 1)
        mnem = parts[0].lower()
        # Prefixes ("bnd jmp", "notrack jmp", "rep ...") precede the verb.
        if mnem in ("bnd", "notrack", "rep", "repz", "repnz", "lock",
                    "cs", "ds") and len(parts) > 1:
            parts = parts[1].split(None, 1)
            mnem = parts[0].lower()
        if _SYSCALL.match(mnem):
            has_syscall = True
            continue
        if _CALL.match(mnem):
            has_call = True
            continue
        if not _BRANCH.match(mnem) or len(parts) < 2:
            continue
        if parts[1].lstrip().startswith("*"):
            continue    # indirect: its "# 0x..." comment is no target
        targets = _HEX.findall(parts[1].split("<", 1)[0])
        if not targets:
            continue
        target = int(targets[-1], 16)
        if not start <= target < end and target not in (end, abort):
            exits.add(target)
    return sorted(exits), has_call, has_syscall


# ---- the registry and its events ---------------------------------------

registry = Registry()


def lookup(addr):
    """The CriticalSection whose [start, post_commit) holds ADDR, or None."""
    return registry.lookup(addr)


def starting_in(lo, hi):
    """CriticalSections whose start lies in [LO, HI)."""
    return registry.starting_in(lo, hi)


def sections():
    """All known CriticalSections of the current program space."""
    return registry.sections()


def learn_from_memory(descriptor_addr, signature=None):
    """See Registry.learn_from_memory."""
    return registry.learn_from_memory(descriptor_addr, signature)


def __getattr__(name):
    # `registry.generation' at module level, as the stepping code reads it.
    if name == "generation":
        # Bring biases up to date first: a relocation changes addresses.
        registry._check_relocation()
        return registry.generation
    raise AttributeError(name)


def _on_new_objfile(event):
    try:
        registry.add_objfile(event.new_objfile)
        # A new objfile is also how GDB tells us a run started: the main
        # program was relocated just before the dynamic loader appeared.
        registry.invalidate_bias()
    except Exception as e:      # never break GDB's objfile loading
        log.warning("%s: %s", getattr(event.new_objfile, "filename", "?"), e)


def _on_free_objfile(event):
    registry.drop_objfile(event.objfile)


def _on_clear_objfiles(event):
    registry.drop_progspace(event.progspace)


def _on_exited(event):
    registry.forget_learned()


def _on_stop(event):
    registry.note_stop()


def _install():
    gdb.events.new_objfile.connect(_on_new_objfile)
    # GDB 13 and later; before, freed objfiles are noticed when their
    # Python objects turn invalid (_check_relocation).
    if hasattr(gdb.events, "free_objfile"):
        gdb.events.free_objfile.connect(_on_free_objfile)
    gdb.events.clear_objfiles.connect(_on_clear_objfiles)
    gdb.events.exited.connect(_on_exited)
    gdb.events.stop.connect(_on_stop)
    # Objfiles GDB had loaded before gdb-rseq was (a `file' then `source').
    for objfile in gdb.objfiles():
        try:
            registry.add_objfile(objfile)
        except Exception as e:
            log.warning("%s: %s", objfile.filename, e)


_install()
