# The gdb-rseq demo: step through percpu_addv, an rseq critical section,
# one instruction at a time.  Stock GDB livelocks here: every stop inside
# the section makes the kernel abort it, so stepi never gets past it.
# With gdb-rseq loaded, the stepi that enters the section runs it
# natively and stops where the thread leaves it.
#
# Run by "make demo":  gdb -batch -x percpu-addv.gdb ./percpu-addv
# Exit status 0 when the counter advanced by one per call.

set pagination off
set confirm off
set width 0

echo \n=== The critical sections gdb-rseq found\n
info rseq

echo \n=== Stop in add_one, before its call of percpu_addv\n
break add_one
run 3
print total ()

echo \n=== stepi, one instruction at a time, until add_one returns to main\n
display/i $pc
python
import gdb

steps = 0
while steps < 200:
    gdb.execute("stepi")
    steps += 1
    if gdb.selected_frame().name() == "main":
        break
gdb.write("\n%d stepi commands took add_one back to main.\n" % steps)
end
undisplay

echo \n=== The counter advanced by exactly one\n
print total ()
python
if int(gdb.parse_and_eval("total ()")) != 1:
    gdb.write("demo: FAILED: the counter did not advance by one\n", gdb.STDERR)
    gdb.execute("kill")
    gdb.execute("quit 1")
end

echo \n=== stepi 1000 over the two remaining calls, to the end of the loop\n
delete
tbreak total
stepi 1000
finish

echo \n=== The rest of the program\n
continue
python
code = gdb.parse_and_eval("$_exitcode")
ok = not code.is_optimized_out and int(code) == 0
gdb.write("\ndemo: %s\n" % ("OK: 3 calls, total 3" if ok else "FAILED"))
gdb.execute("quit %d" % (0 if ok else 1))
end
