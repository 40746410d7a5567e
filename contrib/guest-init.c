/* The init of the small initrd that contrib/guest boots its kernel7 guest
   with: it loads the modules that the root file system needs, mounts the
   guest's disk and hands over to its init.

   A distribution's initrd (dracut's, with systemd) takes a minute or two of
   an emulated machine's time to find a disk that is always /dev/vda; this
   takes none.  It is linked statically: the initrd holds only it and the
   modules.

     init                      this program
     modules                   the modules' file names, one a line, each
                               after those it needs (as modules.dep orders
                               them)
     lib/modules/...           the modules, compressed as the kernel
                               installs them

   Build: cc -static -O2 -o init guest-init.c  */

#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

#ifndef MODULE_INIT_COMPRESSED_FILE
#define MODULE_INIT_COMPRESSED_FILE 4
#endif

static const char root_dev[] = "/dev/vda";
static const char root_init[] = "/sbin/gdb-rseq-init";

static void
fail (const char *what, const char *arg)
{
  fprintf (stderr, "guest-init: %s %s: %s\n", what, arg, strerror (errno));
}

/* Load the module in FILE.  The kernel decompresses it
   (CONFIG_MODULE_DECOMPRESS), so the initrd needs no xz.  */
static int
load_module (const char *file)
{
  int fd = open (file, O_RDONLY | O_CLOEXEC);
  if (fd < 0)
    {
      fail ("cannot open", file);
      return -1;
    }
  int flags = strstr (file, ".ko.") != NULL ? MODULE_INIT_COMPRESSED_FILE : 0;
  long r = syscall (SYS_finit_module, fd, "", flags);
  int saved = errno;
  close (fd);
  errno = saved;
  if (r != 0 && errno != EEXIST)
    {
      fail ("cannot load", file);
      return -1;
    }
  return 0;
}

int
main (void)
{
  mkdir ("/dev", 0755);
  if (mount ("devtmpfs", "/dev", "devtmpfs", 0, NULL) != 0 && errno != EBUSY)
    fail ("cannot mount", "/dev");

  FILE *list = fopen ("/modules", "r");
  char line[4096];
  while (list != NULL && fgets (line, sizeof line, list) != NULL)
    {
      line[strcspn (line, "\n")] = '\0';
      if (line[0] != '\0')
	load_module (line);
    }

  /* virtio_blk registers the disk while it loads; a slow emulated
     machine may still take a moment to create its node.  */
  mkdir ("/root", 0755);
  int mounted = 0;
  for (int tries = 0; tries < 100 && !mounted; tries++)
    {
      if (mount (root_dev, "/root", "ext4", 0, NULL) == 0)
	mounted = 1;
      else if (errno == ENOENT || errno == ENXIO)
	usleep (100000);
      else
	break;
    }
  if (!mounted)
    {
      fail ("cannot mount", root_dev);
      return 1;
    }

  /* What switch_root does; the initrd's few files stay in memory.  */
  umount2 ("/dev", MNT_DETACH);
  if (chdir ("/root") != 0 || mount (".", "/", NULL, MS_MOVE, NULL) != 0
      || chroot (".") != 0 || chdir ("/") != 0)
    {
      fail ("cannot switch to", root_dev);
      return 1;
    }
  char *const argv[] = { (char *) root_init, NULL };
  execv (root_init, argv);
  fail ("cannot run", root_init);
  return 1;
}
