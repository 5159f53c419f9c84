import Glibc
import MixLabCommandLine

// Under a file-size limit (`ulimit -f`), a write past it fails with EFBIG, which MixLab reports with the
// file's name, instead of SIGXFSZ ending the process (and leaving the reason unsaid).
signal(SIGXFSZ, SIG_IGN)
MixLabCommand.main()
