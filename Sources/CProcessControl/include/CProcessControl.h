// Process control that Swift cannot call directly (prctl is variadic).
#ifndef MIXLAB_CPROCESSCONTROL_H
#define MIXLAB_CPROCESSCONTROL_H

#include <sys/types.h>

/// Asks the kernel to send SIGKILL to the calling process when its parent exits (Linux
/// PR_SET_PDEATHSIG), then checks that the parent is still `parent`.
///
/// Returns 0 when the request is in place and the parent is `parent`; 1 when the parent has already
/// changed (it exited before the request: the caller should exit itself); -1 with errno set when the
/// request failed.
int mixlab_exit_with_parent(pid_t parent);

#endif
