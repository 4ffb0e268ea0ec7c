// libncp_escape.so: tries every way out of the sandbox it knows and reports
// each attempt as "<attempt> <errno>" (0 would mean it worked) on "out".
// entryParams: "port=N abstract=S parent=N hostfile=P" (see isolation_probe.c).
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <sched.h>
#include <signal.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mount.h>
#include <sys/personality.h>
#include <sys/ptrace.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/sysmacros.h>
#include <sys/un.h>
#include <termios.h>
#include <unistd.h>

#include "AbilityKit/native_child_process.h"
#include "testdata/fixture_util.h"

static int g_out = -1;

static void Report(const char* attempt, long result) {
  dprintf(g_out, "%s %d\n", attempt, result < 0 ? errno : 0);
}

static long WriteFile(const char* path, const char* text) {
  int fd = open(path, O_WRONLY | O_CREAT | O_CLOEXEC, 0644);
  if (fd < 0) return -1;
  long r = write(fd, text, strlen(text));
  int saved = errno;
  close(fd);
  errno = saved;
  return r < 0 ? -1 : 0;
}

static long ReadFile(const char* path) {
  int fd = open(path, O_RDONLY | O_CLOEXEC);
  if (fd < 0) return -1;
  char buf[64];
  long r = read(fd, buf, sizeof(buf));
  int saved = errno;
  close(fd);
  errno = saved;
  return r < 0 ? -1 : 0;
}

static const char* Param(const char* params, const char* key, char* buf,
                         size_t size) {
  size_t klen = strlen(key);
  for (const char* p = params; p != NULL && *p != '\0';) {
    while (*p == ' ') ++p;
    if (strncmp(p, key, klen) == 0 && p[klen] == '=') {
      const char* v = p + klen + 1;
      size_t n = strcspn(v, " ");
      if (n >= size) n = size - 1;
      memcpy(buf, v, n);
      buf[n] = '\0';
      return buf;
    }
    p = strchr(p, ' ');
  }
  return NULL;
}

void Escape(NativeChildProcess_Args args) {
  g_out = FixtureFd(args, "out");
  if (g_out < 0) return;
  const char* params = args.entryParams;
  char buf[512];

  // Writing outside the sandbox's writable places.
  Report("write_etc_passwd", WriteFile("/etc/passwd", "x"));
  Report("create_in_usr_bin", WriteFile("/usr/bin/ncp_escape", "x"));
  Report("create_in_root", WriteFile("/ncp_escape", "x"));
  if (Param(params, "hostfile", buf, sizeof(buf)) != NULL) {
    Report("contained_write_host_path", WriteFile(buf, "escaped"));
  }
  Report("write_sysrq_trigger", WriteFile("/proc/sysrq-trigger", "h"));
  Report("write_proc_sys", WriteFile("/proc/sys/kernel/hostname", "escaped"));
  Report("read_proc1_environ", ReadFile("/proc/1/environ"));
  Report("read_via_proc1_root", ReadFile("/proc/1/root/etc/hostname"));
  Report("mknod_block_device",
         mknod("/tmp/ncp_sda", S_IFBLK | 0600, makedev(8, 0)));
  Report("open_dev_mem", open("/dev/mem", O_RDONLY | O_CLOEXEC));
  Report("access_sys", access("/sys/kernel", F_OK));

  // Changing the file system or namespaces.
  Report("mount_tmpfs", mount("none", "/tmp", "tmpfs", 0, NULL));
  Report("remount_root_rw", mount(NULL, "/", NULL, MS_REMOUNT | MS_BIND, NULL));
  Report("chroot", chroot("/tmp"));
  Report("unshare_user", unshare(CLONE_NEWUSER));
  Report("unshare_mount", unshare(CLONE_NEWNS));
  int ns = open("/proc/self/ns/mnt", O_RDONLY | O_CLOEXEC);
  Report("setns", setns(ns, 0));
  if (ns >= 0) close(ns);
  Report("clone_newns", syscall(__NR_clone, CLONE_NEWNS | SIGCHLD, 0, 0, 0, 0));

  // Other processes.
  if (Param(params, "parent", buf, sizeof(buf)) != NULL) {
    Report("signal_parent", kill(atoi(buf), SIGKILL));
    Report("ptrace_parent", ptrace(PTRACE_ATTACH, atoi(buf), 0, 0));
  }
  Report("ptrace_init", ptrace(PTRACE_ATTACH, 1, 0, 0));
  Report("process_vm_readv",
         syscall(__NR_process_vm_readv, 1, NULL, 0, NULL, 0, 0));

  // Kernel attack surface.
  Report("bpf", syscall(__NR_bpf, 0, NULL, 0));
  Report("io_uring_setup", syscall(__NR_io_uring_setup, 1, NULL));
  Report("keyctl", syscall(__NR_keyctl, 0, -3, 0));
  Report("perf_event_open", syscall(__NR_perf_event_open, NULL, 0, -1, -1, 0));
  Report("init_module", syscall(__NR_init_module, NULL, 0, ""));
  Report("kexec_load", syscall(__NR_kexec_load, 0, 0, NULL, 0));
  Report("open_by_handle_at",
         syscall(__NR_open_by_handle_at, AT_FDCWD, NULL, 0));
  Report("userfaultfd", syscall(__NR_userfaultfd, 0));
  Report("personality", personality(PER_LINUX32));
  char c = 'x';
  Report("tiocsti", ioctl(0, TIOCSTI, &c));

  // The parent's sockets.
  if (Param(params, "port", buf, sizeof(buf)) != NULL) {
    int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    struct sockaddr_in addr;
    memset(&addr, 0, sizeof(addr));
    addr.sin_family = AF_INET;
    addr.sin_port = htons((unsigned short)atoi(buf));
    addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    Report("connect_parent_tcp",
           connect(fd, (struct sockaddr*)&addr, sizeof(addr)));
    close(fd);
  }
  if (Param(params, "abstract", buf, sizeof(buf)) != NULL) {
    int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
    struct sockaddr_un addr;
    memset(&addr, 0, sizeof(addr));
    addr.sun_family = AF_UNIX;
    size_t len = strlen(buf);
    memcpy(addr.sun_path + 1, buf, len);
    Report(
        "connect_parent_abstract",
        connect(fd, (struct sockaddr*)&addr,
                (socklen_t)(offsetof(struct sockaddr_un, sun_path) + 1 + len)));
    close(fd);
  }
  dprintf(g_out, "end 1\n");
}
