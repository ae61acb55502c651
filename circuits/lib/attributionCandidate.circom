pragma circom 2.1.9;

include "./recordLeaf.circom";
include "./merkleInclusion.circom";
include "./featureHash.circom";
include "./indexLeaf.circom";
include "./dotProduct.circom";
include "./signedRange.circom";

// AttributionCandidate(k, depth): one candidate slot of the attribution statement.
// When active = 1 it proves (1) the record (contributor, contentHash) is leaf `leafIndex` of
// `datanetRoot`, (2) Poseidon(recordLeaf, FeatureHash(features)) is leaf `leafIndex` of `indexRoot`
// (the same index opens both trees), and (3) positiveScore = max(<features, queryFeatures>, 0).
// When active = 0 the Merkle checks are skipped, and the score and contributor are forced to 0, so an
// empty slot pays nobody (its payout is then 0 by RewardSplit).
// Inputs: active in {0,1} (checked here); leafIndex < 2^depth (Num2Bits in MerkleRoot); contributor
// < 2^160 (RecordLeaf); features (checked here) and queryFeatures (the caller checks them once with
// FeatureHash) within +-(2^15 - 1); siblings any field elements.
// Output ranges: positiveScore in [0, 2^(scoreBits-1)), scoreBits = 31 + ceil(log2 k).
// constraints: about 2 * 245 * depth + 17 * k + 1,150; 4,910 at (8, 8), 11,200 at (32, 20)
template AttributionCandidate(k, depth) {
    signal input active;
    signal input leafIndex;
    signal input contributor;
    signal input contentHash;
    signal input datanetSiblings[depth];
    signal input indexSiblings[depth];
    signal input features[k];
    signal input queryFeatures[k];
    signal input datanetRoot;
    signal input indexRoot;
    signal output positiveScore;

    active * (active - 1) === 0;

    component record = RecordLeaf();
    record.contributor <== contributor;
    record.contentHash <== contentHash;

    component datanetPath = MerkleRoot(depth);
    datanetPath.leaf <== record.leaf;
    datanetPath.leafIndex <== leafIndex;
    datanetPath.siblings <== datanetSiblings;
    active * (datanetPath.root - datanetRoot) === 0;

    component featureHash = FeatureHash(k);
    featureHash.features <== features;
    component indexLeaf = IndexLeaf();
    indexLeaf.recordLeaf <== record.leaf;
    indexLeaf.featureHash <== featureHash.hash;

    component indexPath = MerkleRoot(depth);
    indexPath.leaf <== indexLeaf.leaf;
    indexPath.leafIndex <== leafIndex;
    indexPath.siblings <== indexSiblings;
    active * (indexPath.root - indexRoot) === 0;

    component dot = DotProduct(k);
    dot.a <== features;
    dot.b <== queryFeatures;

    // |score| <= k (2^15 - 1)^2 < 2^(30 + ceil(log2 k)): the sign bit sits at 30 + ceil(log2 k).
    var logK = 0;
    while ((1 << logK) < k) logK++;
    component positive = PositivePart(31 + logK);
    positive.in <== dot.out;

    // An empty slot scores 0 and names no contributor, so it can neither be paid nor dilute others.
    (1 - active) * dot.out === 0;
    (1 - active) * contributor === 0;
    positiveScore <== positive.out;
}
