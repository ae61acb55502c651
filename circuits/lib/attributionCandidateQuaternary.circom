pragma circom 2.1.9;

include "./recordLeaf.circom";
include "./merkleInclusion.circom";
include "./merkleQuaternary.circom";
include "./packedFeatureHashQuaternary.circom";
include "./indexLeaf.circom";
include "./dotProduct.circom";
include "./signedRange.circom";

// AttributionCandidateQuaternary(k, depth, bits): the prototype of a cheaper candidate slot
// (docs/quality.md). The same statement as AttributionCandidate(k, depth) with three changes:
//   - the index tree is 4-ary (node = Poseidon(c0..c3), depth / 2 levels, the same leafIndex), opened
//     with QuaternaryMerkleRoot; the datanet tree stays binary (its commitment is unchanged);
//   - index features are `bits`-bit signed values hashed by PackedFeatureHash(k, bits): one Num2Bits
//     per feature, no "u != 0" constraint (see that template for why that is sound);
//   - nothing else: the query features are range-checked once by the caller (FeatureHash(k),
//     symmetric 16-bit), as before.
// When active = 1: record (contributor, contentHash) is leaf `leafIndex` of datanetRoot;
// Poseidon(recordLeaf, PackedFeatureHash(features)) is leaf `leafIndex` of indexRoot (4-ary);
// positiveScore = max(<features, queryFeatures>, 0). When active = 0 the roots are not compared and
// score and contributor are forced to 0 (as in AttributionCandidate).
// Output: positiveScore < 2^(bits + 14 + ceil(log2 k)).
// constraints: 11,412 at (128, 20, 16); 10,985 at (128, 20, 13) (see docs/quality.md)
template AttributionCandidateQuaternary(k, depth, bits) {
    assert(depth % 2 == 0);
    signal input active;
    signal input leafIndex;
    signal input contributor;
    signal input contentHash;
    signal input datanetSiblings[depth];
    signal input indexChildren[depth \ 2][4];
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

    component featureHash = PackedFeatureHash(k, bits);
    featureHash.features <== features;
    component indexLeaf = IndexLeaf();
    indexLeaf.recordLeaf <== record.leaf;
    indexLeaf.featureHash <== featureHash.hash;

    component indexPath = QuaternaryMerkleRoot(depth \ 2);
    indexPath.leaf <== indexLeaf.leaf;
    indexPath.leafIndex <== leafIndex;
    indexPath.children <== indexChildren;
    active * (indexPath.root - indexRoot) === 0;

    component dot = DotProduct(k);
    dot.a <== features;
    dot.b <== queryFeatures;

    // |score| <= k 2^(bits-1) (2^15 - 1) < 2^(bits + 14 + ceil(log2 k)): sign bit at that position.
    var logK = 0;
    while ((1 << logK) < k) logK++;
    component positive = PositivePart(bits + 15 + logK);
    positive.in <== dot.out;

    (1 - active) * dot.out === 0;
    (1 - active) * contributor === 0;
    positiveScore <== positive.out;
}
