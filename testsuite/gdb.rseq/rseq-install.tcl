# Stage an install of this build tree for the auto-load tests: `make
# install DESTDIR=STAGE' with the build tree's own Makefile, exactly what a
# packager runs.  Sourced by autoload-*.exp.

# Install into STAGE (emptied first).  Returns 1 on success, else 0 after
# an UNTESTED saying why.
proc stage_install {stage} {
    global top_builddir
    if {![info exists top_builddir]
	|| ![file exists $top_builddir/Makefile]} {
	untested "no build tree to install from"
	return 0
    }
    file delete -force $stage
    file mkdir $stage
    if {[catch {exec make -s -C $top_builddir install DESTDIR=$stage 2>@1} out]} {
	verbose -log "make install failed:\n$out"
	untested "make install DESTDIR=$stage failed"
	return 0
    }
    verbose -log "make install DESTDIR=$stage:\n$out"
    return 1
}

# Files called NAME under STAGE whose contents match PATTERN (a glob).
proc stage_find {stage name {pattern *}} {
    set found {}
    if {[catch {exec find $stage -name $name -type f} files]} {
	return {}
    }
    foreach f [split $files "\n"] {
	set fd [open $f]
	set text [read $fd]
	close $fd
	if {[string match $pattern $text]} {
	    lappend found $f
	}
    }
    return $found
}

# --- Installing as a user, not root ----------------------------------

# The user the tests build and install as, the way the README tells a new
# user to: the test's own user when that is not root; as root, a system
# user of its own, created the first time.
set install_user_name gdb-rseq-test

# Set up a fresh directory for an install by that user and return it
# (empty after an UNSUPPORTED saying why there is no such user).  Every
# later install_user_* call works in it: install_user_run runs commands
# there as the user, with HOME at DIR/home.
proc install_user_setup {} {
    global install_user_name install_user_runas install_user_dir

    if {[exec id -u] != 0} {
	set install_user_runas {}
    } else {
	if {[gdb_rseq_which runuser] eq ""} {
	    unsupported "runuser was not found: cannot run commands as another user"
	    return ""
	}
	if {[catch {exec id -u $install_user_name}]
	    && [catch {exec useradd --system --user-group --no-create-home \
			   --home-dir /nonexistent --shell /usr/sbin/nologin \
			   $install_user_name 2>@1} out]} {
	    verbose -log "useradd: $out"
	    unsupported "no user other than root to install as (useradd $install_user_name failed)"
	    return ""
	}
	set install_user_runas [list runuser -u $install_user_name --]
    }
    # Not under the build tree: the user may not be able to reach it.
    set dir [exec mktemp -d /tmp/gdb-rseq-install.XXXXXX]
    file mkdir $dir/home
    if {$install_user_runas ne ""} {
	exec chown -R $install_user_name: $dir
    }
    set install_user_dir $dir
    return $dir
}

# The uid of the install user.
proc install_user_uid {} {
    global install_user_name install_user_runas
    if {$install_user_runas eq ""} {
	return [exec id -u]
    }
    return [exec id -u $install_user_name]
}

# Run the shell command CMD as the install user, in DIR.  Returns CMD's
# output (stdout and stderr) when it succeeds; else an error with that
# output.  The make that runs the tests must not reach the build CMD
# starts: its jobserver and command-line variables stay out.
proc install_user_run {dir cmd} {
    global install_user_runas install_user_dir
    set status [catch {
	exec {*}$install_user_runas env -u MAKEFLAGS -u MFLAGS -u MAKELEVEL \
	    -u MAKEOVERRIDES HOME=$install_user_dir/home \
	    sh -c "cd \"\$0\" && $cmd" $dir 2>@1
    } out]
    verbose -log "\[$dir\] $cmd:\n$out"
    if {$status} {
	return -code error $out
    }
    return $out
}

# Copy the sources of this build, as `make dist' would package them, to
# DIR/SUBDIR and give them to the install user: what a new user unpacks.
# Returns 1, or 0 after an UNTESTED.
proc install_user_sources {subdir} {
    global top_builddir install_user_name install_user_runas install_user_dir
    if {[catch {exec make -s -C $top_builddir distdir 2>@1} out]} {
	verbose -log "make distdir:\n$out"
	untested "make distdir failed"
	return 0
    }
    set distdir [glob -nocomplain -types d -directory $top_builddir gdb-rseq-*]
    if {[llength $distdir] != 1} {
	untested "make distdir made no single gdb-rseq-* directory"
	return 0
    }
    file rename [lindex $distdir 0] $install_user_dir/$subdir
    if {$install_user_runas ne ""} {
	exec chown -R $install_user_name: $install_user_dir/$subdir
    }
    return 1
}

# Start GDB (without the build tree's extension) as the install user,
# with FLAGS after the test library's own.  Returns gdb_start's result.
proc install_user_gdb_start {flags} {
    global GDB GDBFLAGS install_user_runas install_user_dir
    # gdb_start spawns $GDB: a script that runs the real one as the user.
    set wrapper $install_user_dir/gdb-as-user
    set fd [open $wrapper w]
    puts $fd "#! /bin/sh"
    puts $fd "exec $install_user_runas env HOME=$install_user_dir/home $GDB \"\$@\""
    close $fd
    file attributes $wrapper -permissions 0755
    set saved [list $GDB $GDBFLAGS]
    set GDB $wrapper
    set GDBFLAGS [concat $GDBFLAGS $flags]
    try {
	return [gdb_start_stock]
    } finally {
	lassign $saved GDB GDBFLAGS
    }
}

# Remove what install_user_setup made.
proc install_user_cleanup {} {
    global install_user_dir
    if {[info exists install_user_dir]} {
	file delete -force $install_user_dir
	unset install_user_dir
    }
}
