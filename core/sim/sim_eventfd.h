// The simulated kernel's eventfd references: the checks eventfd_ctx_fdget makes, a private duplicate standing in
// for the eventfd_ctx reference the kernel holds, and eventfd_signal. No function here allocates.
#pragma once

namespace irqscope::core::simfd {

// 0 if `fd` is an open eventfd; -EBADF if it is not an open fd; -EINVAL if it is open but not an eventfd
// (eventfd_ctx_fdget, as SET_IRQS reports it: docs/kernel-vfio-irq.md §2.3, §6.4).
int check(int fd);

// Our own reference to the eventfd behind `fd` (F_DUPFD_CLOEXEC), or a negative errno.
int take(int fd);

// Drops a reference taken with take() and sets `fd` to -1; a no-op on -1.
void release(int& fd);

// eventfd_signal: adds 1 to the counter. False if `fd` is -1 (no trigger) or the write failed.
bool signal(int fd);

// Reads and so resets the counter of a non-blocking eventfd: the value read, 0 if it was not signalled.
unsigned long long drain(int fd);

} // namespace irqscope::core::simfd
