# GDB_RSEQ_CHECK_GDB
# ------------------
# Find GDB, ask it which Python it embeds (the extension module must be
# built against that one, not whatever python3 is first on PATH), and where
# it reads system start-up files from.
AC_DEFUN([GDB_RSEQ_CHECK_GDB], [
AC_ARG_VAR([GDB], [the GDB the extension is built for])
AC_PATH_PROG([GDB], [gdb], [no])
AS_IF([test "x$GDB" = xno],
  [AC_MSG_ERROR([gdb was not found; on Debian install the package gdb])])

AC_MSG_CHECKING([which Python $GDB embeds])
gdb_rseq_py=`$GDB -nx -batch -ex 'python import sys, sysconfig; print(sys.version_info.major, sys.version_info.minor, sysconfig.get_paths()[["include"]], sep=";")' 2>/dev/null`
AS_CASE([$gdb_rseq_py],
  [3\;*\;*], [],
  [AC_MSG_RESULT([none])
   AC_MSG_ERROR([$GDB has no Python support; gdb-rseq needs a GDB built with Python 3 (Debian's package gdb)])])
GDB_PYTHON_VERSION=`echo "$gdb_rseq_py" | cut -d';' -f1-2 | tr ';' .`
GDB_PYTHON_INCLUDEDIR=`echo "$gdb_rseq_py" | cut -d';' -f3-`
AC_MSG_RESULT([$GDB_PYTHON_VERSION])

dnl A PYTHON named by the user must be the one GDB embeds: a module built
dnl for another interpreter would not load into GDB.
AC_ARG_VAR([PYTHON], [a Python interpreter; must be the one GDB embeds])
AS_IF([test -n "$PYTHON"], [
  AC_MSG_CHECKING([whether $PYTHON is the Python $GDB embeds])
  gdb_rseq_user_py=`$PYTHON -c 'import sys; print("%d.%d" % sys.version_info[[:2]])' 2>/dev/null`
  AS_IF([test "x$gdb_rseq_user_py" = "x$GDB_PYTHON_VERSION"],
    [AC_MSG_RESULT([yes])],
    [AC_MSG_RESULT([no, it is ${gdb_rseq_user_py:-not runnable}])
     AC_MSG_ERROR([$PYTHON is Python ${gdb_rseq_user_py:-?} but $GDB embeds Python $GDB_PYTHON_VERSION; unset PYTHON or point it at Python $GDB_PYTHON_VERSION])])
])

AC_MSG_CHECKING([for Python.h of Python $GDB_PYTHON_VERSION])
AS_IF([test -f "$GDB_PYTHON_INCLUDEDIR/Python.h"],
  [AC_MSG_RESULT([$GDB_PYTHON_INCLUDEDIR])],
  [AC_MSG_RESULT([no])
   AC_MSG_ERROR([Python.h for Python $GDB_PYTHON_VERSION was not found in $GDB_PYTHON_INCLUDEDIR; on Debian install the package python3-dev])])
GDB_PYTHON_CPPFLAGS="-I$GDB_PYTHON_INCLUDEDIR"
dnl One build serves every Python 3 from 3.7 on: the module uses only the
dnl limited API.
GDB_RSEQ_EXT_SUFFIX=".abi3.so"
dnl GDB never writes Python bytecode caches, so `make install' compiles the
dnl package with an interpreter of the same version (same bytecode).
AC_PATH_PROGS([GDB_PYTHON_INTERP], [python$GDB_PYTHON_VERSION], [no])
AS_IF([test "x$GDB_PYTHON_INTERP" = xno],
  [AC_MSG_WARN([python$GDB_PYTHON_VERSION was not found; the installed package will be compiled by GDB at every start])
   GDB_PYTHON_INTERP=:])
AC_SUBST([GDB_PYTHON_VERSION])
AC_SUBST([GDB_PYTHON_INCLUDEDIR])
AC_SUBST([GDB_PYTHON_CPPFLAGS])
AC_SUBST([GDB_RSEQ_EXT_SUFFIX])

dnl The start-up file that loads gdb-rseq into every session goes under the
dnl configured directories, like everything else `make install' writes
dnl (libstdc++ puts its GDB scripts in its own $(datadir) the same way): the
dnl system's GDB reads it when the package is configured as the system's
dnl (--prefix=/usr --sysconfdir=/etc on Debian), and so does a GDB built
dnl with --with-system-gdbinit-dir in the same place.  configure only says
dnl whether the GDB it found will; writing into that GDB's directory is the
dnl user's explicit choice.
gdb_rseq_gdb_gdbinit_dir=`$GDB --configuration 2>/dev/null | sed -n 's/.*--with-system-gdbinit-dir=\([[^ ]]*\).*/\1/p' | head -n 1`
AC_ARG_WITH([gdb-gdbinit-dir],
  [AS_HELP_STRING([--with-gdb-gdbinit-dir@<:@=DIR@:>@],
    [install the start-up file that loads gdb-rseq into every GDB session into DIR; without DIR, into the system gdbinit directory of GDB (from gdb --configuration); "no" installs none @<:@SYSCONFDIR/gdb/gdbinit.d@:>@])],
  [], [with_gdb_gdbinit_dir=default])
AS_CASE([$with_gdb_gdbinit_dir],
  [default], [gdbinitdir='${sysconfdir}/gdb/gdbinit.d'],
  [no], [gdbinitdir=no],
  [yes], [AS_IF([test -z "$gdb_rseq_gdb_gdbinit_dir"],
     [AC_MSG_ERROR([$GDB reads no system gdbinit directory (gdb --configuration shows no --with-system-gdbinit-dir); give --with-gdb-gdbinit-dir=DIR])])
   gdbinitdir=$gdb_rseq_gdb_gdbinit_dir],
  [/* | '${'*], [gdbinitdir=$with_gdb_gdbinit_dir],
  [AC_MSG_ERROR([--with-gdb-gdbinit-dir=$with_gdb_gdbinit_dir: not an absolute directory (nor one that starts with an installation directory, such as '${sysconfdir}')])])
AC_SUBST([gdbinitdir])
AM_CONDITIONAL([INSTALL_GDBINIT], [test "x$gdbinitdir" != xno])

dnl Where `make install' puts the start-up file and the loader, with the
dnl installation directories expanded, for the summary at the end.
GDB_RSEQ_EXPAND_DIR([gdb_rseq_loader], ['${datadir}/'$PACKAGE/gdb-rseq.py])
AC_MSG_CHECKING([where the GDB start-up file goes])
AS_IF([test "x$gdbinitdir" = xno],
  [gdb_rseq_gdbinit=
   AC_MSG_RESULT([nowhere (--with-gdb-gdbinit-dir=no)])],
  [GDB_RSEQ_EXPAND_DIR([gdb_rseq_gdbinit], [$gdbinitdir/gdb-rseq.py])
   AC_MSG_RESULT([$gdb_rseq_gdbinit])])
AC_MSG_CHECKING([whether $GDB reads it there at start-up])
gdb_rseq_gdb_reads=no
gdb_rseq_dir=`dirname "$gdb_rseq_gdbinit"`
gdb_rseq_gdb_dir=`echo "$gdb_rseq_gdb_gdbinit_dir" | sed 's|//*$||'`
AS_IF([test -z "$gdb_rseq_gdb_gdbinit_dir"],
  [AC_MSG_RESULT([no, it has no system gdbinit directory])],
  [test -z "$gdb_rseq_gdbinit"],
  [AC_MSG_RESULT([no, none is installed])],
  [test "x$gdb_rseq_dir" = "x$gdb_rseq_gdb_dir"],
  [gdb_rseq_gdb_reads=yes
   AC_MSG_RESULT([yes])],
  [AC_MSG_RESULT([no, it reads $gdb_rseq_gdb_gdbinit_dir])])
])

# GDB_RSEQ_EXPAND_DIR(VARIABLE, VALUE)
# ------------------------------------
# Set VARIABLE to VALUE with the installation directories it names
# (${datadir}, ${prefix}, ...) expanded as `make install' will, for messages.
AC_DEFUN([GDB_RSEQ_EXPAND_DIR], [
gdb_rseq_save_prefix=$prefix
gdb_rseq_save_exec_prefix=$exec_prefix
test "x$prefix" = xNONE && prefix=$ac_default_prefix
test "x$exec_prefix" = xNONE && exec_prefix=$prefix
$1=$2
while :; do
  AS_CASE([$$1], [*'${'*], [eval $1=\"[$]$1\"], [break])
done
prefix=$gdb_rseq_save_prefix
exec_prefix=$gdb_rseq_save_exec_prefix
])
