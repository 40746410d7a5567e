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
