// libncp_probe.so: looks at the sandbox from inside and reports what the
// kernel shows, one "key value" line each, on the fd named "out".
//
// entryParams: space-separated key=value settings:
//   port=N        a TCP port the parent listens on at 127.0.0.1
//   abstract=S    an abstract unix socket name the parent listens on
//   datadir=P     the app data dir path
//   home=P        a file in the parent's $HOME
//   tmp=P         a file in the parent's /tmp
//   parent=N      the parent's pid
//   sibling=N     another child's pid (as the parent sees it)
//   write=P       a file to create (and leave) in the data dir
#define _GNU_SOURCE
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <linux/bpf.h>
#include <linux/perf_event.h>
#include <net/if.h>
#include <netinet/in.h>
#include <pthread.h>
#include <sched.h>
#include <signal.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mount.h>
#include <sys/ptrace.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <unistd.h>

#include "AbilityKit/native_child_process.h"
#include "testdata/fixture_util.h"

static int g_out = -1;

static void Put(const char* key, const char* fmt, ...)
    __attribute__((format(printf, 2, 3)));
static void Put(const char* key, const char* fmt, ...) {
  char value[1024];
  va_list ap;
  va_start(ap, fmt);
  vsnprintf(value, sizeof(value), fmt, ap);
  va_end(ap);
  dprintf(g_out, "%s %s\n", key, value);
}

// errno of a call returning -1 on failure, 0 on success.
static int Err(long r) { return r < 0 ? errno : 0; }

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

static void Namespaces(void) {
  const char* names[] = {"mnt", "net", "pid", "ipc", "uts", "user"};
  for (size_t i = 0; i < sizeof(names) / sizeof(names[0]); ++i) {
    char path[64], key[32];
    struct stat st;
    snprintf(path, sizeof(path), "/proc/self/ns/%s", names[i]);
    snprintf(key, sizeof(key), "ns_%s", names[i]);
    Put(key, "%lu", stat(path, &st) == 0 ? (unsigned long)st.st_ino : 0UL);
  }
}

static void Network(const char* params) {
  char list[256] = "";
  FILE* dev = fopen("/proc/net/dev", "r");
  char line[256];
  while (dev != NULL && fgets(line, sizeof(line), dev) != NULL) {
    char* colon = strchr(line, ':');
    if (colon == NULL) continue;
    *colon = '\0';
    char* name = line;
    while (*name == ' ') ++name;
    size_t used = strlen(list);
    size_t len = strlen(name);
    if (used + len + 2 > sizeof(list)) break; /* the list is full */
    memcpy(list + used, name, len);
    memcpy(list + used + len, ",", 2);
  }
  if (dev != NULL) fclose(dev);
  Put("interfaces", "%s", list);

  int s = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
  struct ifreq req;
  memset(&req, 0, sizeof(req));
  strcpy(req.ifr_name, "lo");
  int up =
      s >= 0 && ioctl(s, SIOCGIFFLAGS, &req) == 0 && (req.ifr_flags & IFF_UP);
  if (s >= 0) close(s);
  Put("lo_up", "%d", up ? 1 : 0);

  char buf[128];
  if (Param(params, "port", buf, sizeof(buf)) != NULL) {
    int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    struct sockaddr_in addr;
    memset(&addr, 0, sizeof(addr));
    addr.sin_family = AF_INET;
    addr.sin_port = htons((unsigned short)atoi(buf));
    addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    Put("tcp_connect", "%d",
        Err(connect(fd, (struct sockaddr*)&addr, sizeof(addr))));
    close(fd);
  }
  if (Param(params, "abstract", buf, sizeof(buf)) != NULL) {
    int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
    struct sockaddr_un addr;
    memset(&addr, 0, sizeof(addr));
    addr.sun_family = AF_UNIX;
    size_t len = strlen(buf);
    memcpy(addr.sun_path + 1, buf, len);
    socklen_t alen =
        (socklen_t)(offsetof(struct sockaddr_un, sun_path) + 1 + len);
    Put("abstract_connect", "%d",
        Err(connect(fd, (struct sockaddr*)&addr, alen)));
    close(fd);
  }
}

static int CountEntries(const char* path, int numeric_only) {
  DIR* dir = opendir(path);
  if (dir == NULL) return -errno;
  int n = 0;
  struct dirent* ent;
  while ((ent = readdir(dir)) != NULL) {
    if (ent->d_name[0] == '.') continue;
    if (numeric_only && (ent->d_name[0] < '0' || ent->d_name[0] > '9'))
      continue;
    ++n;
  }
  closedir(dir);
  return n;
}

static void ListDir(const char* key, const char* path) {
  char list[512] = "";
  DIR* dir = opendir(path);
  struct dirent* ent;
  while (dir != NULL && (ent = readdir(dir)) != NULL) {
    if (ent->d_name[0] == '.') continue;
    strncat(list, ent->d_name, sizeof(list) - strlen(list) - 2);
    strcat(list, ",");
  }
  if (dir != NULL) closedir(dir);
  Put(key, "%s", list);
}

static int CreateFile(const char* path) {
  int fd = open(path, O_WRONLY | O_CREAT | O_CLOEXEC, 0600);
  if (fd < 0) return errno;
  int r = write(fd, "x", 1) == 1 ? 0 : errno;
  close(fd);
  return r;
}

static void FileSystem(const char* params) {
  char buf[512], path[600];
  Put("write_usr", "%d", CreateFile("/usr/ncp_probe_file"));
  Put("write_etc", "%d", CreateFile("/etc/ncp_probe_file"));
  Put("write_root", "%d", CreateFile("/ncp_probe_file"));
  Put("write_tmp", "%d", CreateFile("/tmp/ncp_probe_file"));
  Put("write_dev_shm", "%d", CreateFile("/dev/shm/ncp_probe_file"));
  Put("tmp_entries", "%d", CountEntries("/tmp", 0));
  if (Param(params, "datadir", buf, sizeof(buf)) != NULL) {
    Put("datadir_entries", "%d", CountEntries(buf, 0));
    char name[128];
    if (Param(params, "write", name, sizeof(name)) != NULL) {
      snprintf(path, sizeof(path), "%s/%s", buf, name);
      Put("datadir_write", "%d", CreateFile(path));
    }
  }
  if (Param(params, "home", buf, sizeof(buf)) != NULL) {
    Put("home_marker", "%d", Err(access(buf, F_OK)));
  }
  if (Param(params, "tmp", buf, sizeof(buf)) != NULL) {
    Put("tmp_marker", "%d", Err(access(buf, F_OK)));
  }
  ListDir("dev", "/dev");
  Put("proc_pids", "%d", CountEntries("/proc", 1));
  Put("sys", "%d", Err(access("/sys/kernel", F_OK)));
}

static void StatusLine(const char* field) {
  FILE* f = fopen("/proc/self/status", "r");
  char line[256];
  size_t len = strlen(field);
  while (f != NULL && fgets(line, sizeof(line), f) != NULL) {
    if (strncmp(line, field, len) == 0 && line[len] == ':') {
      char* v = line + len + 1;
      while (*v == ' ' || *v == '\t') ++v;
      v[strcspn(v, "\n")] = '\0';
      Put(field, "%s", v);
    }
  }
  if (f != NULL) fclose(f);
}

static void* Nothing(void* arg) { return arg; }

static void Credentials(void) {
  Put("uid", "%d", (int)getuid());
  Put("gid", "%d", (int)getgid());
  StatusLine("CapEff");
  StatusLine("CapPrm");
  StatusLine("CapBnd");
  StatusLine("NoNewPrivs");
  StatusLine("Seccomp");
}

static void Syscalls(void) {
  Put("sys_mount", "%d", Err(mount("none", "/tmp", "tmpfs", 0, NULL)));
  Put("sys_unshare", "%d", Err(unshare(CLONE_NEWNS)));
  Put("sys_unshare_user", "%d", Err(unshare(CLONE_NEWUSER)));
  int ns = open("/proc/self/ns/net", O_RDONLY | O_CLOEXEC);
  Put("sys_setns", "%d", Err(setns(ns, 0)));
  if (ns >= 0) close(ns);
  Put("sys_ptrace", "%d", Err(ptrace(PTRACE_ATTACH, 1, 0, 0)));
  union bpf_attr attr;
  memset(&attr, 0, sizeof(attr));
  Put("sys_bpf", "%d",
      Err(syscall(__NR_bpf, BPF_MAP_CREATE, &attr, sizeof(attr))));
  char params[120];
  memset(params, 0, sizeof(params));
  Put("sys_io_uring_setup", "%d", Err(syscall(__NR_io_uring_setup, 1, params)));
  Put("sys_keyctl", "%d",
      Err(syscall(__NR_keyctl, 0 /*KEYCTL_GET_KEYRING_ID*/, -3, 0)));
  struct perf_event_attr pe;
  memset(&pe, 0, sizeof(pe));
  pe.size = sizeof(pe);
  pe.type = PERF_TYPE_SOFTWARE;
  Put("sys_perf_event_open", "%d",
      Err(syscall(__NR_perf_event_open, &pe, 0, -1, -1, 0)));
  Put("sys_init_module", "%d", Err(syscall(__NR_init_module, NULL, 0, "")));
  Put("sys_finit_module", "%d", Err(syscall(__NR_finit_module, -1, "", 0)));
  Put("sys_delete_module", "%d", Err(syscall(__NR_delete_module, "ncp", 0)));
  Put("sys_clone3", "%d", Err(syscall(435, NULL, 0)));
  pthread_t t;
  int pt = pthread_create(&t, NULL, Nothing, NULL);
  if (pt == 0) pthread_join(t, NULL);
  Put("pthread_create", "%d", pt);
  pid_t pid = fork();
  if (pid == 0) _exit(7);
  int status = 0;
  if (pid > 0) waitpid(pid, &status, 0);
  Put("fork", "%d",
      pid > 0 && WIFEXITED(status) && WEXITSTATUS(status) == 7 ? 0 : 1);
}

static void Processes(const char* params) {
  char buf[32];
  Put("getpid", "%d", (int)getpid());
  if (Param(params, "parent", buf, sizeof(buf)) != NULL) {
    Put("kill_parent", "%d", Err(kill(atoi(buf), 0)));
  }
  if (Param(params, "sibling", buf, sizeof(buf)) != NULL) {
    Put("kill_sibling", "%d", Err(kill(atoi(buf), SIGKILL)));
  }
  int fd = open("/proc/1/environ", O_RDONLY | O_CLOEXEC);
  char env[16];
  Put("read_proc1_environ", "%d",
      fd < 0 ? errno : Err(read(fd, env, sizeof(env))));
  if (fd >= 0) close(fd);
}

void Probe(NativeChildProcess_Args args) {
  g_out = FixtureFd(args, "out");
  if (g_out < 0) return;
  Namespaces();
  Network(args.entryParams);
  FileSystem(args.entryParams);
  Credentials();
  Syscalls();
  Processes(args.entryParams);
  Put("end", "1");
}

// A child that stays alive (for sibling tests): reports its own view, then
// sleeps until killed.
void ProbeAndSleep(NativeChildProcess_Args args) {
  g_out = FixtureFd(args, "out");
  if (g_out >= 0) {
    Credentials();
    Put("getpid", "%d", (int)getpid());
    Put("policy", "%d", sched_getscheduler(0));
    // Where the stack is: a forked child shares its parent's layout.
    FILE* maps = fopen("/proc/self/maps", "re");
    char line[512];
    while (maps != NULL && fgets(line, sizeof(line), maps) != NULL) {
      if (strstr(line, "[stack]") != NULL) {
        *strchr(line, ' ') = '\0';
        Put("stack", "%s", line);
      }
    }
    if (maps != NULL) fclose(maps);
    Put("end", "1");
    close(g_out);
  }
  for (;;) pause();
}
