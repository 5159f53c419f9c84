// `mixlab` with the exponential-smoothing mixer registered: `mixlab-smoothing check exponential-smoothing`,
// `mixlab-smoothing bench mixer exponential-smoothing --shape 8,512,256`, and every other command.
import MixLab
import MixLabCommandLine
import SmoothingMixer

try MixerRegistry.shared.register(ExponentialSmoothingMixer.registration)
MixLabCommand.main()
