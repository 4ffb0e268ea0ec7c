// NCP_IPC_EXPORT marks the definitions that leave libipc_capi.so.
//
// Everything is compiled with -fvisibility=hidden and the shared library is
// linked with a version script (libipc_capi.lds) that keeps only OH_*; this
// attribute is what puts a definition in the dynamic symbol table at all.
// The public headers stay plain C: the attribute is on definitions only.
#ifndef NCP_IPC_EXPORT_H_
#define NCP_IPC_EXPORT_H_

#define NCP_IPC_EXPORT extern "C" __attribute__((visibility("default")))

#endif  // NCP_IPC_EXPORT_H_
