// What the worker child writes back: "sum=<a+b> params=<entryParams>".
#ifndef NCP_BAZEL_CONSUMER_WORKER_H_
#define NCP_BAZEL_CONSUMER_WORKER_H_

// The name of the fd the worker writes its answer to.
#define WORKER_FD_NAME "answer"

#endif  // NCP_BAZEL_CONSUMER_WORKER_H_
