import MixLabCommandLine

MixLabCommand.main()
