import MixLabCore

extension WordPieceTrainer {
    /// Trains on the training split of the prepared text dataset `dataset` (never its validation or test
    /// split), e.g. `mlm-corpus`.
    ///
    /// - Throws: `MixLabError.ioFailure` when the dataset is not prepared (the fix is the exact
    ///   `mixlab data fetch` command) or is damaged; the errors of `train(_:location:)`.
    public func train(dataset: String, cache: DataCache, location: String) throws -> (tokenizer: WordPieceTokenizer, summary: Summary) {
        let corpus = try PreparedTextCorpus.open(dataset, in: cache, location: location)
        let train = corpus.split(.train)
        let documents = (0..<train.count).map { String(decoding: train.text($0), as: UTF8.self) }
        return try self.train(documents, location: "\(location) (the train split of \(dataset))")
    }
}
