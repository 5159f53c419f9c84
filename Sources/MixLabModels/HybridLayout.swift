import MixLabCore

/// Where the `k` attention layers of a hybrid FNet sit among `L` layers (FNet paper §4.3 and its released code).
///
/// For layer index `i` (0-based): BOTTOM `i < k`; MIDDLE `L − k ≤ 2i < L + k`; MIXED `i mod ⌊L/k⌋ = 0`;
/// TOP `i ≥ L − k` (the paper's choice).
public enum HybridPlacement: String, Sendable, CaseIterable, Codable {
    case bottom, middle, mixed, top

    /// Whether layer `index` of `layers` uses attention when `attentionLayers` of them do.
    public func usesAttention(layer index: Int, layers: Int, attentionLayers k: Int) -> Bool {
        guard k > 0 else { return false }
        switch self {
        case .bottom: return index < k
        case .middle: return layers - k <= 2 * index && 2 * index < layers + k
        case .mixed: return index % max(layers / k, 1) == 0
        case .top: return index >= layers - k
        }
    }

    /// The attention layer indices.
    public func attentionLayers(layers: Int, attentionLayers k: Int) -> [Int] {
        (0..<layers).filter { usesAttention(layer: $0, layers: layers, attentionLayers: k) }
    }
}
