"""Repositories ncp needs, all local (no network).

Other workspaces that depend on ncp call this macro too, with `ncp_path` set
to where they keep ncp (the path given to their `local_repository(name = "ncp")`).
"""

def _path(ncp_path, rel):
    if ncp_path == "":
        return rel
    return ncp_path + "/" + rel

def ncp_dependencies(ncp_path = ""):
    """Declares @rules_cc, @rules_java, @remote_coverage_tools, abseil, googletest and system libraries.

    Args:
      ncp_path: path of the ncp checkout relative to (or absolute from) the
        calling workspace; empty when called from ncp itself.
    """
    existing = native.existing_rules()

    # Bazel 4.2.3 wants these three for any cc_test; Debian's rules_cc is too
    # new for it, so a tiny forwarding copy lives in third_party.
    if "rules_cc" not in existing:
        native.local_repository(name = "rules_cc", path = _path(ncp_path, "third_party/rules_cc"))
    if "rules_java" not in existing:
        native.local_repository(name = "rules_java", path = "/usr/share/bazel/rules/java")
    if "remote_coverage_tools" not in existing:
        native.local_repository(
            name = "remote_coverage_tools",
            path = _path(ncp_path, "third_party/remote_coverage_tools"),
        )

    # Debian's libabsl-dev (20220623), shared libraries.
    if "com_google_absl" not in existing:
        native.local_repository(name = "com_google_absl", path = _path(ncp_path, "third_party/absl"))

    # GoogleTest built from Debian's sources so sanitizer configs instrument it.
    if "com_google_googletest" not in existing:
        native.new_local_repository(
            name = "com_google_googletest",
            path = "/usr/src/googletest",
            build_file = "@ncp//third_party:googletest.BUILD",
        )

    # libseccomp, libcap, Google Benchmark from Debian.
    if "ncp_system_libs" not in existing:
        native.new_local_repository(
            name = "ncp_system_libs",
            path = "/usr/include",
            build_file = "@ncp//third_party:system_libs.BUILD",
        )
