# SPDX-License-Identifier: LGPL-2.1-or-later
"""The critical sections (c.s.) of every loaded objfile, at run-time addresses.

Tables are read once per objfile, at the first query after GDB loaded it
(new_objfile), and dropped when GDB frees it (free_objfile,
clear_objfiles): dlopen/dlclose, `file', exec and re-runs all go through
those events.  Reading waits for a query because many sessions make none
before the program ends (`gdb -batch -ex run'), and reading at load would
make each of them load librseqelf into GDB.  Tables are kept in the file's
own address space, sorted by start, with the objfile's load bias applied at
query time: a relocation (PIE at `run', ASLR, attach) costs one bias
computation, not a rebuild, and 100k c.s. load in one pass over the
reader's result.

Where the tables and the load bias come from is objfiles.py's business;
the bias is recomputed lazily after anything that can move an objfile: a
new or freed objfile, a new process (pid change), an exit.  Exits are
derived (exits.py) when a c.s. is first looked at.

A c.s. missing from the tables (JIT code, stripped or garbage-collected
tables) is learned from the descriptor a thread armed: see
learn_from_memory.
"""

import bisect
import operator

import gdb

from . import log
from . import stops

# objfiles (reading tables), exits (deriving exits), and target and struct
# (decoding a descriptor in memory) are imported where they are first
# needed, below: a session that never queries the registry never loads
# them, and importing them would cost a sixth of gdb-rseq's start-up.


class Exit(tuple):
    """An exit point of a c.s.: IP (run-time address) and KIND, "declared"
    (listed in the exit-point table) or "derived" (found by disassembly).
    A pair, as collections.namedtuple would make it, without the cost of
    compiling a class at start-up."""

    __slots__ = ()

    def __new__(cls, ip, kind):
        return tuple.__new__(cls, (ip, kind))

    ip = property(operator.itemgetter(0))
    kind = property(operator.itemgetter(1))

    def __repr__(self):
        return "Exit(ip=%#x, kind=%r)" % self


class CriticalSection:
    """One rseq critical section at run-time addresses.

    start, post_commit, abort: addresses; [start, post_commit) is the range
    the kernel aborts.  exits: tuple of Exit, other than post_commit and
    abort.  descriptor: address of its struct rseq_cs (None when unknown).
    signature: the 32-bit word before abort (None when unknown).  objfile:
    the file name it was read from, None when learned from memory.
    rejected: why the descriptor is not used for stepping (see
    objfiles.judge), None for one that is."""

    __slots__ = ("start", "post_commit", "abort", "exits", "descriptor",
                 "signature", "objfile", "flags", "version", "has_call",
                 "has_syscall", "rejected", "_exit_set")

    def __init__(self, start, post_commit, abort, exits=(), descriptor=None,
                 signature=None, objfile=None, flags=0, version=0,
                 has_call=False, has_syscall=False, rejected=None):
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
        self.rejected = rejected
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


class _Entry:
    """The c.s. of one objfile, in the file's address space, sorted: an
    objfiles.Tables and the load bias now applied to it."""

    def __init__(self, objfile, tables):
        self.objfile = objfile
        self.filename = objfile.filename
        self.path = tables.path         # the local file, when read from one
        # Sorted by start_ip, and looked up by (file) address in it: no
        # Python object per c.s. until one is asked for.
        self.raw = tables.raw
        self.source = tables.source
        self.ref_section = tables.ref_section
        self.ref_addr = tables.ref_addr
        self.diagnostics = list(tables.diagnostics)
        self.bias = tables.bias
        self.cache = {}
        self.provisional = tables.provisional
        # Descriptors the kernel would reject: listed, never stepped with.
        self.rejected = tables.rejected
        self.code = tables.code

    def set_bias(self, bias):
        if bias != self.bias:
            self.bias = bias
            self.cache.clear()
            return True
        return False

    def at(self, i):
        cs = self.cache.get(i)
        if cs is None:
            from . import objfiles
            r = self.raw[i]
            b = self.bias
            start, end, abort = (r.start_ip + b, r.post_commit_ip + b,
                                 r.abort_ip + b)
            # A declared exit outside the file's code is no place a
            # thread can reach, nor one a breakpoint can be put at.
            exits = {ip + b: kind for ip, kind in r.exits
                     if kind != "declared"
                     or objfiles.in_code(self.code, ip, ip + 1)}
            # Derived here, for the c.s. someone asks about, rather than
            # for all of them at load time: a file may have 100k.
            from .exits import derive_exits
            derived, has_call, has_syscall = derive_exits(start, end, abort)
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
        i = self.raw.find(addr - self.bias)
        return None if i is None else self.at(i)

    def starting_in(self, lo, hi):
        i = self.raw.bisect(lo - self.bias)
        j = self.raw.bisect(hi - self.bias)
        return [self.at(k) for k in range(i, j)]

    def all(self):
        return [self.at(k) for k in range(len(self.raw))]

    def all_rejected(self):
        """The rejected descriptors, as CriticalSection at run-time
        addresses, with no exits."""
        b = self.bias
        mask = 0xffffffffffffffff
        return [CriticalSection(
            (r.start_ip + b) & mask, (r.post_commit_ip + b) & mask,
            (r.abort_ip + b) & mask, (),
            None if r.descriptor is None else (r.descriptor + b) & mask,
            r.signature, self.filename, r.flags, r.version,
            rejected=why) for r, why in self.rejected]


class Registry:
    """Critical sections of the loaded objfiles of every program space."""

    def __init__(self):
        self._entries = {}        # gdb.Objfile -> _Entry
        self._pending = {}        # gdb.Objfile -> None: not read yet
        self._learned = {}        # progspace -> {start: CriticalSection}
        self._learned_sorted = {}  # progspace -> (starts, list)
        self._dirty = True
        self._pid = None
        self.generation = 0
        # Whether an entry is provisional, as of generation ..._at.
        self._provisional = False
        self._provisional_at = None

    # ---- filling and dropping ----------------------------------------

    def _changed(self):
        self.generation += 1

    def add_objfile(self, objfile):
        """Note OBJFILE, whose tables the next query reads (an objfile
        event handler calls this)."""
        if objfile.owner is not None or not objfile.filename:
            return              # separate debug info: its owner has the code
        if objfile in self._entries or objfile in self._pending:
            return
        self._pending[objfile] = None
        self._dirty = True
        # Caches keyed on the generation are stale from now on, before the
        # tables are read.
        self._changed()

    def read_pending(self):
        """Read the tables of the objfiles added since the last query."""
        from . import objfiles
        while self._pending:
            objfile = next(iter(self._pending))
            del self._pending[objfile]
            if not objfile.is_valid():
                continue
            try:
                tables = objfiles.read(objfile)
            except Exception as e:  # never break a query over one file
                log.warning("%s: %s", objfile.filename, e)
                continue
            if tables is None:
                continue
            _warn_damaged(objfile.filename, tables)
            self._entries[objfile] = _Entry(objfile, tables)
            self._dirty = True
            self._changed()

    def drop_objfile(self, objfile):
        self._pending.pop(objfile, None)
        if self._entries.pop(objfile, None) is not None:
            self._changed()
        self._dirty = True

    def drop_progspace(self, progspace):
        for o in [o for o in self._pending
                  if _progspace_of(o) is progspace or not o.is_valid()]:
            del self._pending[o]
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

    def note_stop(self, event=None):
        """The inferior stopped (EVENT): tables read from memory too early
        can be read again."""
        # Every instruction step stops: look at the entries again only
        # when they changed.
        if self._provisional_at != self.generation:
            self._provisional_at = self.generation
            self._provisional = any(e.provisional
                                    for e in self._entries.values())
        if self._provisional:
            self._dirty = True

    # ---- rebasing ----------------------------------------------------

    def _check_relocation(self):
        """Read new objfiles' tables, and recompute load biases if anything
        may have moved an objfile."""
        if self._pending:
            self.read_pending()
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
        from . import objfiles
        for o in [o for o in self._entries if not o.is_valid()]:
            del self._entries[o]
            self._changed()
        for o, e in list(self._entries.items()):
            if e.provisional:
                fresh = objfiles.read(o)
                if fresh is not None:
                    _warn_damaged(o.filename, fresh)
                    self._entries[o] = _Entry(o, fresh)
                    self._changed()
        # Files that are not relocated (ET_EXEC) have no reference section.
        need = [e for e in self._entries.values()
                if e.ref_section is not None]
        if not need:
            return
        placed = objfiles.section_addresses(
            set(e.ref_section for e in need))
        moved = False
        for e in need:
            addr = placed.get((e.filename, e.ref_section))
            if addr is None:
                continue        # not placed yet: file addresses hold
            moved |= e.set_bias(addr - e.ref_addr)
        if moved:
            self._changed()

    def _current_entries(self, rejected=False):
        self._check_relocation()
        ps = gdb.current_progspace()
        return [e for o, e in self._entries.items()
                if (e.rejected if rejected else e.raw)
                and o.is_valid() and _progspace_of(o) is ps]

    # ---- queries -----------------------------------------------------

    def lookup(self, addr):
        """The c.s. whose [start, post_commit) holds ADDR, or None."""
        for e in self._current_entries():
            cs = e.lookup(addr)
            if cs is not None:
                return cs
        starts, learned = self._learned_index()
        i = bisect.bisect_right(starts, addr) - 1
        if i < 0:
            return None
        from . import objfiles
        while i >= 0:
            if learned[i].contains(addr):
                return learned[i]
            if addr - starts[i] > objfiles.MAX_CS_LEN:
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

    def rejected(self):
        """The descriptors of the current program space's objfiles that
        are not used for stepping (objfiles.judge), sorted by start."""
        out = []
        for e in self._current_entries(rejected=True):
            out.extend(e.all_rejected())
        out.sort(key=lambda c: c.start)
        return out

    def objfile_entries(self):
        """(filename, local path or None, source, bias, count, diagnostics,
        rejected) per objfile read, tables or not, for `maint rseq check'."""
        self._check_relocation()
        ps = gdb.current_progspace()
        return [(e.filename, e.path, e.source, e.bias,
                 len(e.raw) + len(e.rejected), e.diagnostics, e.rejected)
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
        import struct
        from . import objfiles
        from . import target
        from .exits import derive_exits
        inf = gdb.selected_inferior()
        order = target.byte_order()
        try:
            raw = bytes(inf.read_memory(descriptor_addr, 32))
        except (gdb.MemoryError, gdb.error):
            return None
        version, flags, start, length, abort = objfiles.unpack_descriptor(
            raw, order)
        # As objfiles.judge: what the kernel would reject is no c.s.
        if (version != 0 or flags or length == 0
                or length > objfiles.MAX_CS_LEN
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
            expected = target.abort_signature()
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


# The damaged tables already warned about, with what was wrong: a file is
# warned about once per session, not at each re-run or re-read, and again
# only if what is wrong with it changes (it was rebuilt).
_warned = set()


def _warn_damaged(filename, tables):
    """Say once, when an objfile's tables are read, what is wrong with
    them and what gdb-rseq does about it (objfiles.judge)."""
    if not tables.problems:
        return
    key = (filename, tables.problems)
    if key in _warned:
        return
    _warned.add(key)
    log.warning("%s: %s", filename, "\n  ".join(tables.problems))


def _progspace_of(objfile):
    try:
        return objfile.progspace
    except RuntimeError:        # objfile already freed
        return None


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


def current_generation():
    """The registry's generation, once load biases are brought up to date
    (a relocation changes addresses): what the stepping code compares at
    each command."""
    registry._check_relocation()
    return registry.generation


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


def _install():
    gdb.events.new_objfile.connect(_on_new_objfile)
    # GDB 13 and later; before, freed objfiles are noticed when their
    # Python objects turn invalid (_check_relocation).
    if hasattr(gdb.events, "free_objfile"):
        gdb.events.free_objfile.connect(_on_free_objfile)
    gdb.events.clear_objfiles.connect(_on_clear_objfiles)
    gdb.events.exited.connect(_on_exited)
    stops.connect(registry.note_stop)
    # Objfiles GDB had loaded before this module was: gdb-rseq loads it
    # at the first query, and a `file' may precede the `source'.
    for progspace in gdb.progspaces():
        for objfile in progspace.objfiles():
            try:
                registry.add_objfile(objfile)
            except Exception as e:
                log.warning("%s: %s", objfile.filename, e)


_install()
