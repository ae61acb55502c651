pragma circom 2.1.9;

include "../lib/recordLeaf.circom";
include "../lib/merkleQuaternary.circom";
include "../lib/packedFeatureHash.circom";
include "../lib/indexLeaf.circom";
include "../lib/dotProduct.circom";
include "../lib/signedRange.circom";

// AttributionCandidateBothQuaternary(k, depth, bits): measurement-only variant of
// AttributionCandidate(k, depth, bits) in which the DATANET tree is 4-ary too (docs/quality.md, "next
// step for k = 256"). It changes the datanet commitment (prover/merkle, datanet roots), so it is
// not proposed for this round; it exists to put a real count on that option. Same inputs as
// AttributionCandidate except datanetChildren[depth / 2][4] replaces datanetSiblings.
// constraints: see docs/quality.md (measured by compiling this template alone)
template AttributionCandidateBothQuaternary(k, depth, bits) {
    assert(depth % 2 == 0);
    signal input active;
    signal input leafIndex;
    signal input contributor;
    signal input contentHash;
    signal input labelHash;
    signal input datanetChildren[depth \ 2][4];
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
    record.labelHash <== labelHash;

    component datanetPath = QuaternaryMerkleRoot(depth \ 2);
    datanetPath.leaf <== record.leaf;
    datanetPath.leafIndex <== leafIndex;
    datanetPath.children <== datanetChildren;
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

    var logK = 0;
    while ((1 << logK) < k) logK++;
    component positive = PositivePart(bits + 15 + logK);
    positive.in <== dot.out;

    (1 - active) * dot.out === 0;
    (1 - active) * contributor === 0;
    positiveScore <== positive.out;
}
