"""The public headers of cc_library targets, as files (for the release)."""

def _public_headers_impl(ctx):
    headers = []
    for dep in ctx.attr.deps:
        headers.extend(dep[CcInfo].compilation_context.direct_public_headers)
    return [DefaultInfo(files = depset(headers))]

# The headers declared in `hdrs` of each of `deps` (not their dependencies'):
# what a release installs under include/.
public_headers = rule(
    implementation = _public_headers_impl,
    attrs = {"deps": attr.label_list(providers = [CcInfo])},
)
