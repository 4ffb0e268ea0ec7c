// NCP_EXPORT marks the definitions that leave the shipped libraries.
//
// Everything is compiled with -fvisibility=hidden; only functions marked
// here (the OH_* API) are in the dynamic symbol table. Public headers stay
// plain C: the attribute is on definitions only.
#ifndef NCP_API_EXPORTS_H_
#define NCP_API_EXPORTS_H_

#define NCP_EXPORT extern "C" __attribute__((visibility("default")))

#endif  // NCP_API_EXPORTS_H_
