"""Compiler flags: the one place they are written (see docs/design.md)."""

NCP_WARNINGS = [
    "-Wall",
    "-Wextra",
    "-Werror",
    "-Wshadow",
    "-Wformat-security",
    "-Wno-missing-field-initializers",
]

# Library code: hidden by default; only NCP_EXPORT (OH_*) symbols leave a .so.
NCP_DEFAULT_COPTS = NCP_WARNINGS + [
    "-fvisibility=hidden",
    "-fno-exceptions",
]

NCP_CXX_ONLY = ["-fvisibility-inlines-hidden", "-Wnon-virtual-dtor"]

# Tests: gtest needs exceptions off to match; warnings stay errors.
NCP_TEST_COPTS = NCP_WARNINGS + ["-Wno-sign-compare"]

NCP_C_COPTS = NCP_WARNINGS + ["-std=c99", "-pedantic"]

def ncp_if_sanitized(if_true, if_false = []):
    """Selects `if_true` in sanitizer builds (--config=asan/ubsan/asan_ubsan/tsan)."""
    return select({
        "//bazel:sanitized": if_true,
        "//conditions:default": if_false,
    })

# (suffix, env) of a test run through each launcher: the zygote (default)
# and, as <name>_direct, the direct path (NCP_ZYGOTE=0).
NCP_LAUNCHER_VARIANTS = [
    ("", {}),
    ("_direct", {"NCP_ZYGOTE": "0"}),
]

# As <name>_via_zygote: every request through the zygote, which hands it to
# one of its spares (NCP_ZYGOTE_HAND_SPARES=0), so a request brings what a
# spare handed to the app would have made (status pipe, IPC channel).
NCP_VIA_ZYGOTE_VARIANT = ("_via_zygote", {"NCP_ZYGOTE_HAND_SPARES": "0"})
