import MixLabCore

/// The errors a communicator raises, as `MixLabError`s that say what, where and how to fix it.
enum CommunicatorError {
    /// A broadcast root outside `0..<size`.
    static func invalidRoot(_ root: Int, size: Int) -> MixLabError {
        MixLabError(.invalidArgument, what: "broadcast root \(root) is not a rank of a group of \(size)", location: "communicator",
                    fix: "broadcast from a rank in 0..<\(size) (rank 0 holds the run's state)")
    }

    /// An MPI call that returned an error code.
    static func failed(_ call: String, code: Int32) -> MixLabError {
        MixLabError(.libraryUnavailable, what: "\(call) failed with MPI error code \(code)", location: "MPI",
                    fix: "check the launcher's messages above (a rank that died, a network error); the last checkpoint is intact: resume from it")
    }
}
