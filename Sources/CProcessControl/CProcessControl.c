// See include/CProcessControl.h.
#include "CProcessControl.h"

#include <signal.h>
#include <sys/prctl.h>
#include <unistd.h>

int mixlab_exit_with_parent(pid_t parent) {
    if (prctl(PR_SET_PDEATHSIG, SIGKILL) != 0) return -1;
    // The parent may have exited between fork and the request: then no signal will ever come.
    return getppid() == parent ? 0 : 1;
}
