/* <hilog/log.h> as strict C99: the OpenHarmony names, values and macros. */
#include <stdio.h>

#define LOG_DOMAIN 0x0201
#define LOG_TAG "C_TEST"
#include "hilog/log.h"

_Static_assert(LOG_APP == 0, "LogType");
_Static_assert(LOG_DEBUG == 3 && LOG_INFO == 4 && LOG_WARN == 5 &&
                   LOG_ERROR == 6 && LOG_FATAL == 7,
               "LogLevel");

static void OnLog(const LogType type, const LogLevel level,
                  const unsigned int domain, const char* tag, const char* msg) {
  (void)type;
  (void)level;
  (void)domain;
  (void)tag;
  (void)msg;
}

int main(void) {
  LogCallback callback = OnLog;
  OH_LOG_SetCallback(callback);
  OH_LOG_SetMinLogLevel(LOG_INFO);
  OH_LOG_DEBUG(LOG_APP, "not shown %{public}d", 1);
  OH_LOG_INFO(LOG_APP, "from C: %{public}s %d", "public", 2);
  OH_LOG_WARN(LOG_APP, "warn");
  OH_LOG_ERROR(LOG_APP, "error");
  OH_LOG_FATAL(LOG_APP, "fatal (the process goes on)");
  OH_LOG_SetCallback(NULL);
  if (!OH_LOG_IsLoggable(LOG_DOMAIN, LOG_TAG, LOG_ERROR)) return 1;
  if (OH_LOG_Print(LOG_APP, LOG_INFO, LOG_DOMAIN, LOG_TAG, "%{public}d", 3) <=
      0)
    return 1;
  puts("ok");
  return 0;
}
