extension RunRecord {
    /// How a data-parallel run was spread (`RunRecord.dataParallelism`; nil for one process).
    public struct DataParallelism: Sendable, Equatable, Codable {
        /// The number of ranks N of the last process group (a resumed run may have used others before).
        public var ranks: Int
        /// The communicator (e.g. `Open MPI v4.1.4 … (2 ranks)`).
        public var communicator: String
        /// Rank 0's median time of one step's gradient all-reduce, in milliseconds (part of the step time).
        public var allReduceMedianMilliseconds: Double
        /// The Float values all-reduced per step (trainable values + 2).
        public var gradientValues: Int

        /// A description from its parts.
        public init(ranks: Int, communicator: String, allReduceMedianMilliseconds: Double, gradientValues: Int) {
            self.ranks = ranks
            self.communicator = communicator
            self.allReduceMedianMilliseconds = allReduceMedianMilliseconds
            self.gradientValues = gradientValues
        }
    }
}
