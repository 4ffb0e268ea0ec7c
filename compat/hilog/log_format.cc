#include "compat/hilog/log_format.h"

#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <sys/types.h>
#include <wchar.h>

namespace ncp::hilog {
namespace {

// Appends to a fixed buffer, counting what did not fit.
class Output {
 public:
  Output(char* out, size_t cap) : out_(out), cap_(cap) { out_[0] = '\0'; }

  void Append(const char* text, size_t len) {
    if (used_ + 1 < cap_) {
      size_t room = cap_ - 1 - used_;
      size_t n = len < room ? len : room;
      memcpy(out_ + used_, text, n);
      out_[used_ + n] = '\0';
    }
    used_ += len;
  }
  void Append(const char* text) { Append(text, strlen(text)); }

  // snprintf into the free space; only the count when it is full.
  template <typename T>
  void Printf(const char* spec, T value) {
    size_t room = used_ + 1 < cap_ ? cap_ - used_ : 0;
    char scratch[1];
    int n = room > 0 ? snprintf(out_ + used_, room, spec, value)
                     : snprintf(scratch, 0, spec, value);
    if (n > 0) used_ += static_cast<size_t>(n);
    if (used_ + 1 >= cap_) out_[cap_ - 1] = '\0';
  }

  size_t used() const { return used_; }

 private:
  char* out_;
  size_t cap_;
  size_t used_ = 0;
};

enum class Length { kNone, kHH, kH, kL, kLL, kJ, kZ, kT, kBigL };

bool IsFlag(char c) {
  return c == '-' || c == '+' || c == ' ' || c == '#' || c == '0' ||
         c == '\'' || c == 'I';
}

bool IsDigit(char c) { return c >= '0' && c <= '9'; }

// Takes one argument of type T and prints it with `spec` when `print`.
template <typename T>
void Take(Output* out, const char* spec, va_list* ap, bool print) {
  T value = va_arg(*ap, T);
  if (print) out->Printf(spec, value);
}

// Pulls the argument of one conversion and prints it with `spec` (a plain
// printf conversion), or only consumes it when `print` is false. hh and h
// arguments arrive promoted to int.
void ConvertOne(Output* out, const char* spec, char conv, Length len,
                va_list* ap, bool print) {
  switch (conv) {
    case 'd':
    case 'i':
      switch (len) {
        case Length::kL:
          return Take<long>(out, spec, ap, print);
        case Length::kLL:
          return Take<long long>(out, spec, ap, print);
        case Length::kJ:
          return Take<intmax_t>(out, spec, ap, print);
        case Length::kZ:
          return Take<ssize_t>(out, spec, ap, print);
        case Length::kT:
          return Take<ptrdiff_t>(out, spec, ap, print);
        default:
          return Take<int>(out, spec, ap, print);
      }
    case 'u':
    case 'o':
    case 'x':
    case 'X':
      switch (len) {
        case Length::kL:
          return Take<unsigned long>(out, spec, ap, print);
        case Length::kLL:
          return Take<unsigned long long>(out, spec, ap, print);
        case Length::kJ:
          return Take<uintmax_t>(out, spec, ap, print);
        case Length::kZ:
          return Take<size_t>(out, spec, ap, print);
        case Length::kT:
          return Take<ptrdiff_t>(out, spec, ap, print);
        default:
          return Take<unsigned int>(out, spec, ap, print);
      }
    case 'c':
      return len == Length::kL ? Take<wint_t>(out, spec, ap, print)
                               : Take<int>(out, spec, ap, print);
    case 's':
      return len == Length::kL ? Take<const wchar_t*>(out, spec, ap, print)
                               : Take<const char*>(out, spec, ap, print);
    case 'p':
      return Take<void*>(out, spec, ap, print);
    case 'f':
    case 'F':
    case 'e':
    case 'E':
    case 'g':
    case 'G':
    case 'a':
    case 'A':
      return len == Length::kBigL ? Take<long double>(out, spec, ap, print)
                                  : Take<double>(out, spec, ap, print);
    case 'n':  // consumed, never written through
      (void)va_arg(*ap, void*);
      return;
    default:
      return;
  }
}

}  // namespace

size_t FormatMessage(char* out_buf, size_t cap, const char* fmt, va_list* ap,
                     bool show_private, int saved_errno) {
  Output out(out_buf, cap);
  const char* p = fmt;
  while (*p != '\0') {
    const char* percent = strchr(p, '%');
    if (percent == nullptr) {
      out.Append(p);
      break;
    }
    out.Append(p, static_cast<size_t>(percent - p));
    const char* q = percent + 1;
    if (*q == '%') {
      out.Append("%", 1);
      p = q + 1;
      continue;
    }
    bool is_public = false;
    if (*q == '{') {
      const char* close = strchr(q, '}');
      if (close == nullptr) {  // not a flag: print the rest as it is
        out.Append(percent);
        break;
      }
      is_public = static_cast<size_t>(close - q - 1) == 6 &&
                  strncmp(q + 1, "public", 6) == 0;
      q = close + 1;
    }
    bool print = is_public || show_private;

    // The conversion without its flag, '*' replaced by the consumed values.
    char spec[64];
    size_t n = 0;
    spec[n++] = '%';
    auto put = [&spec, &n](char c) {
      if (n + 1 < sizeof(spec)) spec[n++] = c;
    };
    auto put_int = [&put](int v) {
      char digits[16];
      snprintf(digits, sizeof(digits), "%d", v);
      for (const char* d = digits; *d != '\0'; ++d) put(*d);
    };
    while (IsFlag(*q)) put(*q++);
    if (*q == '*') {
      put_int(va_arg(*ap, int));
      ++q;
    } else {
      while (IsDigit(*q)) put(*q++);
    }
    if (*q == '.') {
      put(*q++);
      if (*q == '*') {
        put_int(va_arg(*ap, int));
        ++q;
      } else {
        while (IsDigit(*q)) put(*q++);
      }
    }
    Length len = Length::kNone;
    if (q[0] == 'h' && q[1] == 'h') {
      len = Length::kHH;
    } else if (q[0] == 'l' && q[1] == 'l') {
      len = Length::kLL;
    } else if (q[0] == 'h') {
      len = Length::kH;
    } else if (q[0] == 'l') {
      len = Length::kL;
    } else if (q[0] == 'q') {
      len = Length::kLL;
    } else if (q[0] == 'j') {
      len = Length::kJ;
    } else if (q[0] == 'z') {
      len = Length::kZ;
    } else if (q[0] == 't') {
      len = Length::kT;
    } else if (q[0] == 'L') {
      len = Length::kBigL;
    }
    if (len == Length::kHH || len == Length::kLL) {
      put(*q++);
      put(*q++);
    } else if (len != Length::kNone) {
      put(*q++);
    }
    char conv = *q;
    if (conv == '\0') {  // a format ending inside a conversion
      out.Append(percent);
      break;
    }
    put(conv);
    spec[n] = '\0';
    p = q + 1;
    if (conv == 'm') {  // glibc: strerror(errno), no argument
      if (print) out.Printf("%s", strerror(saved_errno));
    } else if (strchr("diuoxXcspfFeEgGaAn", conv) == nullptr) {
      out.Append(percent, static_cast<size_t>(p - percent));  // unknown
      continue;
    } else {
      ConvertOne(&out, spec, conv, len, ap, print);
    }
    if (!print && conv != 'n') out.Append(kPrivate);
  }
  return out.used();
}

}  // namespace ncp::hilog
