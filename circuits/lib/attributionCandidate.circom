pragma circom 2.1.9;

include "./recordLeaf.circom";
include "./merkleInclusion.circom";
include "./merkleQuaternary.circom";
include "./packedFeatureHash.circom";
include "./indexLeaf.circom";
include "./dotProduct.circom";
include "./signedRange.circom";

// AttributionCandidate(k, depth, bits): one candidate slot of the attribution statement.
// When active = 1 it proves (1) the record (contributor, contentHash, labelHash) is leaf `leafIndex` of the
// binary datanet tree `datanetRoot`, (2) Poseidon(recordLeaf, PackedFeatureHash(features)) is leaf
// `leafIndex` of the 4-ary index tree `indexRoot` (node = Poseidon(c0..c3), ceil(depth / 2) levels;
// the same leafIndex opens both trees), and (3) positiveScore = max(<features, queryFeatures>, 0).
// When active = 0 the roots are not compared, and the score and contributor are forced to 0, so an
// empty slot pays nobody (its payout is then 0 by RewardSplit). The index path's position checks
// are not gated: an empty slot still supplies a consistent path (prover/witness pads it).
// Why a 4-ary index tree and PackedFeatureHash: docs/quality.md (k = 128 in 11,337 constraints per
// candidate at depth 20 instead of 13,285; 11,358 since the leaf commits labelHash). At bits = 16 PackedFeatureHash equals FeatureHash(k) on
// every vector prover/index accepts, so index leaves are those of docs/architecture.md.
// Inputs: active in {0,1} (checked here); leafIndex < 2^depth (Num2Bits in MerkleRoot; the index
// path's Num2Bits(2 ceil(depth/2)) only splits it); contributor < 2^160 (RecordLeaf); features
// `bits`-bit signed (checked here); queryFeatures within +-2^15 (the caller checks them once
// with PackedFeatureHash(k, 16)); siblings and children any field elements.
// Output: positiveScore in [0, 2^(bits + 14 + ceil(log2 k))).
// constraints: 4,195 at (8, 8, 16); 11,159 at (128, 20, 16); 10,736 at (128, 20, 13)
template AttributionCandidate(k, depth, bits) {
    var levels = (depth + 1) \ 2;
    signal input active;
    signal input leafIndex;
    signal input contributor;
    signal input contentHash;
    signal input labelHash;
    signal input datanetSiblings[depth];
    signal input indexChildren[levels][4];
    signal input features[k];
    signal input queryFeatures[k];
    signal input datanetRoot;
    signal input indexRoot;
    signal output positiveScore;

    active * (active - 1) === 0;

    component record = RecordLeaf();
    record.contributor <== contributor;
    record.contentHash <== contentHash;
    record.labelHash <== labelHash;

    component datanetPath = MerkleRoot(depth);
    datanetPath.leaf <== record.leaf;
    datanetPath.leafIndex <== leafIndex;
    datanetPath.siblings <== datanetSiblings;
    active * (datanetPath.root - datanetRoot) === 0;

    component featureHash = PackedFeatureHash(k, bits);
    featureHash.features <== features;
    component indexLeaf = IndexLeaf();
    indexLeaf.recordLeaf <== record.leaf;
    indexLeaf.featureHash <== featureHash.hash;

    component indexPath = QuaternaryMerkleRoot(levels);
    indexPath.leaf <== indexLeaf.leaf;
    indexPath.leafIndex <== leafIndex;
    indexPath.children <== indexChildren;
    active * (indexPath.root - indexRoot) === 0;

    component dot = DotProduct(k);
    dot.a <== features;
    dot.b <== queryFeatures;

    // |score| <= k 2^(bits-1) (2^15 - 1) < 2^(bits + 14 + ceil(log2 k)): the sign bit sits there.
    var logK = 0;
    while ((1 << logK) < k) logK++;
    component positive = PositivePart(bits + 15 + logK);
    positive.in <== dot.out;

    // An empty slot scores 0 and names no contributor, so it can neither be paid nor dilute others.
    (1 - active) * dot.out === 0;
    (1 - active) * contributor === 0;
    positiveScore <== positive.out;
}
