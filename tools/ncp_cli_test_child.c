/* libncp_cli_test_child.so: entries for tools/ncp_cli_test.sh.
 *
 *   Exit      exits with the status given as entryParams
 *   Sandbox   entryParams "RO_FILE RW_DIR DATA_DIR": prints one line per
 *             check of what an ISOLATED child sees there, exits 0 if all
 *             hold (RO_FILE readable and not writable, RW_DIR writable,
 *             DATA_DIR an empty writable directory)
 *   Hidden    entryParams PATH: exits 0 if PATH does not exist
 */
#define _GNU_SOURCE
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "AbilityKit/native_child_process.h"

void Exit(NativeChildProcess_Args args) {
  exit(args.entryParams != NULL ? atoi(args.entryParams) : 0);
}

static int g_failed = 0;

static void Report(int ok, const char* what, const char* path) {
  printf("sandbox: %s %s %s\n", ok ? "ok" : "FAIL", what, path);
  if (!ok) g_failed = 1;
}

static int IsEmptyDir(const char* path) {
  DIR* dir = opendir(path);
  if (dir == NULL) return 0;
  int entries = 0;
  struct dirent* entry;
  while ((entry = readdir(dir)) != NULL) {
    if (strcmp(entry->d_name, ".") != 0 && strcmp(entry->d_name, "..") != 0) {
      ++entries;
    }
  }
  closedir(dir);
  return entries == 0;
}

void Sandbox(NativeChildProcess_Args args) {
  char ro_file[1024], rw_dir[1024], data_dir[1024];
  if (args.entryParams == NULL ||
      sscanf(args.entryParams, "%1023s %1023s %1023s", ro_file, rw_dir,
             data_dir) != 3) {
    printf("sandbox: FAIL bad entryParams\n");
    exit(2);
  }
  char text[64] = {0};
  int fd = open(ro_file, O_RDONLY | O_CLOEXEC);
  Report(fd >= 0 && read(fd, text, sizeof(text) - 1) > 0 &&
             strncmp(text, "visible", 7) == 0,
         "readable", ro_file);
  if (fd >= 0) close(fd);
  fd = open(ro_file, O_WRONLY | O_CLOEXEC);
  Report(fd < 0 && (errno == EROFS || errno == EACCES), "not writable",
         ro_file);
  if (fd >= 0) close(fd);

  char path[2100];
  snprintf(path, sizeof(path), "%s/from-child", rw_dir);
  fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
  Report(fd >= 0 && write(fd, "written", 7) == 7, "writable", rw_dir);
  if (fd >= 0) close(fd);

  Report(IsEmptyDir(data_dir), "empty data dir", data_dir);
  snprintf(path, sizeof(path), "%s/private", data_dir);
  fd = open(path, O_WRONLY | O_CREAT | O_CLOEXEC, 0600);
  Report(fd >= 0, "data dir writable", data_dir);
  if (fd >= 0) close(fd);
  fflush(stdout);
  exit(g_failed);
}

void Hidden(NativeChildProcess_Args args) {
  exit(args.entryParams != NULL && access(args.entryParams, F_OK) != 0 ? 0 : 1);
}
