# Expected `info rseq' output for the gdb-rseq tests, built from where GDB
# says the test program's labels are (NAME_start, NAME_post_commit,
# NAME_abort, NAME_ne: see rseq-test.h).  Sourced by the .exp files that
# check `info rseq'.

# The c.s. rseq-test.h defines by default.
set cs_names {percpu_addv percpu_cmpstore percpu_addv_spin percpu_addv_retry}

set cs_head_re "Start +Post-commit +Abort +Where +Objfile"

# The `info rseq' row of c.s. NAME of the objfile OBJFILE (a file name,
# matched at the end of the row), followed by its "not equal" exit for a
# compare-and-store c.s., whose kind is NE_KIND ("declared" when the exit
# table survived the link, "derived" when only disassembly finds it).
proc cs_row_re {name objfile {ne_kind declared}} {
    foreach part {start post_commit abort} {
	set v($part) [get_hexadecimal_valueof "(long) &${name}_$part" 0]
	set v($part) "0x0*[string range $v($part) 2 end]"
    }
    set re "$v(start) +$v(post_commit) +$v(abort) +\[^\r\n\]* \[^\r\n\]*/[string_to_regexp [file tail $objfile]]"
    if {[string match "*cmpstore*" $name]} {
	set ne [get_hexadecimal_valueof "(long) &${name}_ne" 0]
	append re "\r\n +exit 0x0*[string range $ne 2 end] $ne_kind"
    }
    return $re
}

# The rows of the c.s. NAMES, in address order, under the header.
proc cs_table_re {names objfile {ne_kind declared}} {
    global cs_head_re
    set rows {}
    foreach name $names {
	set start [get_hexadecimal_valueof "(long) &${name}_start" 0]
	lappend rows [list [expr {$start}] [cs_row_re $name $objfile $ne_kind]]
    }
    set re $cs_head_re
    foreach row [lsort -integer -index 0 $rows] {
	append re "\r\n[lindex $row 1]"
    }
    return $re
}

# `info rseq' lists exactly the default c.s. of OBJFILE.
proc check_info_rseq {objfile what {ne_kind declared}} {
    global cs_names
    gdb_test "info rseq" [cs_table_re $cs_names $objfile $ne_kind] \
	"info rseq, $what"
}
