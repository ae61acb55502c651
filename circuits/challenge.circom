pragma circom 2.1.9;

include "circomlib/circuits/bitify.circom";
include "circomlib/circuits/poseidon.circom";
include "./lib/attributionCandidate.circom";
include "./lib/packedFeatureHash.circom";
include "./lib/indexLeaf.circom";

// Challenge(K, k, depth, bits): the fraud proof of the challenge game (docs/architecture.md). One
// record j that a settlement of Attribution(K, k, depth, bits) left out although it scores above
// that settlement's threshold:
//   - record j (contributor, contentHash, labelHash) is leaf j of datanetRoot and its features are
//     index leaf j of indexRoot (AttributionCandidate with active = 1: the attribution circuit's own
//     openings, so the same records and features count);
//   - queryCommitment = Poseidon(inputHash, FeatureHash(queryFeatures)), packed as in Attribution;
//   - Poseidon(paid[0..K-1]) = paidLeavesHash and j + 1 differs from every paid[i] (paid[i] is
//     leafIndex + 1 of an active slot, 0 of an empty one: j was not paid);
//   - score_j = <phi_j, phi_q> > threshold, strictly (ties stay with the prover). positiveScore =
//     max(score_j, 0) stands for it: threshold >= 0, so a score <= 0 never beats it.
// Public inputs, in this order: challengeId, datanetRoot, indexRoot, queryCommitment, threshold,
// paidLeavesHash. challengeId is only bound, like Attribution's settlementId: the contract derives it
// (chain id, settlement, inference id, challenger) and compares it, so a copied challenge cannot
// redirect the bond. threshold and paidLeavesHash are the settlement's own public inputs, which its
// proof made the smallest paid score and the paid set.
// Inputs: leafIndex < 2^depth (MerkleRoot); contributor < 2^160 (RecordLeaf); features `bits`-bit
// signed (PackedFeatureHash); queryFeatures within +-2^15 (PackedFeatureHash(k, 16)); threshold < 2^sbits
// (checked here; every settlement's threshold is); paid[i] any field elements (the hash binds them).
// constraints: 5,101 at (3, 8, 8, 16) (tiny, 2^13); 9,459 at (2, 128, 8, 16) (demo, 2^14); 11,839 at
// (3, 128, 14, 16) (full demo, 2^14); 14,558 at (16, 128, 20, 16) (production, 2^14): one candidate,
// the query, Poseidon(K) and two sbits-bit range checks.
template Challenge(K, k, depth, bits) {
    assert(K >= 1 && K <= 16);
    var levels = (depth + 1) \ 2;
    var logK = 0;
    while ((1 << logK) < k) logK++;
    // The score's width: PositivePart's output is below 2^(bits + 14 + ceil(log2 k)).
    var sbits = bits + 14 + logK;

    signal input challengeId;
    signal input datanetRoot;
    signal input indexRoot;
    signal input queryCommitment;
    signal input threshold;
    signal input paidLeavesHash;

    signal input leafIndex;
    signal input contributor;
    signal input contentHash;
    signal input labelHash;
    signal input datanetSiblings[depth];
    signal input indexChildren[levels][4];
    signal input features[k];
    signal input inputHash;
    signal input queryFeatures[k];
    signal input paid[K];

    component queryHash = PackedFeatureHash(k, 16);
    queryHash.features <== queryFeatures;
    component query = IndexLeaf();
    query.recordLeaf <== inputHash;
    query.featureHash <== queryHash.hash;
    query.leaf === queryCommitment;

    component record = AttributionCandidate(k, depth, bits);
    record.active <== 1;
    record.leafIndex <== leafIndex;
    record.contributor <== contributor;
    record.contentHash <== contentHash;
    record.labelHash <== labelHash;
    record.datanetSiblings <== datanetSiblings;
    record.indexChildren <== indexChildren;
    record.features <== features;
    record.queryFeatures <== queryFeatures;
    record.datanetRoot <== datanetRoot;
    record.indexRoot <== indexRoot;

    // Not paid: the hash fixes the K values, and each differs from j + 1 (an inverse exists only
    // for a nonzero difference).
    component paidHash = Poseidon(K);
    paidHash.inputs <== paid;
    paidHash.out === paidLeavesHash;
    signal inverse[K];
    for (var i = 0; i < K; i++) {
        inverse[i] <-- leafIndex + 1 - paid[i] != 0 ? 1 / (leafIndex + 1 - paid[i]) : 0;
        inverse[i] * (leafIndex + 1 - paid[i]) === 1;
    }

    // score_j > threshold: both in [0, 2^sbits), so positiveScore - threshold - 1 has sbits bits
    // exactly when it is not negative (a negative one wraps to about r).
    component thresholdBits = Num2Bits(sbits);
    thresholdBits.in <== threshold;
    component above = Num2Bits(sbits);
    above.in <== record.positiveScore - threshold - 1;
}
